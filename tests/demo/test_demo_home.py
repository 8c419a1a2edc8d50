"""The demo's home page leads with the pages it composed from real labels (issue 13)."""

from __future__ import annotations

import re

import pytest

from medpages.demo import run_demo
from medpages.project import Project


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Project:
    return run_demo(tmp_path_factory.mktemp("demo-home") / "project", say=lambda _: None)


def test_the_home_page_leads_with_every_written_page_before_the_a_to_z(demo):
    written = {f"{medicine.letter}/{medicine.slug}/" for medicine, page in demo.store().iter_pages()
               if page is not None and any(p.kind in ("reference", "imported") for p in page.provenance.values())}
    home = (demo.site_dir / "index.html").read_text(encoding="utf-8")
    listing = home[home.index('<ul class="featured">'):home.index('id="a-z"')]
    listed = re.findall(r'<li><a href="([^"]+)">[^<]+</a> <span class="badge badge-(\w+)">', listing)
    assert {href for href, _ in listed} == written and len(written) >= 13
    kinds = [kind for _, kind in listed]
    assert kinds == sorted(kinds, key=["reference", "imported"].index)  # label-composed pages first
    assert "not yet written" not in listing
