"""Shared test fixtures: the real inputs in ../shared, by path from the project root."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED_PAGE = SHARED / "seed" / "000_5abc8e4ecc893f8a.txt"


@pytest.fixture
def seed_text() -> str:
    return SEED_PAGE.read_bytes().decode("utf-8")


@pytest.fixture
def seed_path() -> Path:
    return SEED_PAGE
