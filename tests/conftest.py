"""Shared test fixtures: the real inputs kept in tests/fixtures, by path from the test tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from fixture_files import SEED_PAGE

# CI runs the property tests on a fixed sequence of examples, so that a submission passes or
# fails on its own merits; anywhere else they explore new examples on every run.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def seed_text() -> str:
    return SEED_PAGE.read_bytes().decode("utf-8")


@pytest.fixture
def seed_path() -> Path:
    return SEED_PAGE
