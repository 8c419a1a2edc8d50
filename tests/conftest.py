"""Shared test fixtures: the real inputs in ../shared, by path from the project root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed sequence of examples, so that a submission passes or
# fails on its own merits; anywhere else they explore new examples on every run.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED_PAGE = SHARED / "seed" / "000_5abc8e4ecc893f8a.txt"


@pytest.fixture
def seed_text() -> str:
    return SEED_PAGE.read_bytes().decode("utf-8")


@pytest.fixture
def seed_path() -> Path:
    return SEED_PAGE
