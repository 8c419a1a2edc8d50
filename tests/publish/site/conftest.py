"""Fixtures of the site tests: the sample catalogue and a build in a temporary folder."""

from __future__ import annotations


import pytest
from site_samples import sample_entries

from medpages.publish.site import build_site


@pytest.fixture
def entries(seed_text):
    return sample_entries(seed_text)


@pytest.fixture
def build(tmp_path):
    """build(entries, **options) → (report, site folder), with one state folder per test."""
    out, state = tmp_path / "site", tmp_path / "state"

    def run(entries, **options):
        options.setdefault("base_url", "https://medicines.example.org")
        return build_site(entries, out, state_dir=state, **options), out

    return run
