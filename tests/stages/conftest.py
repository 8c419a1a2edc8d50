"""Fixtures for the stage tests: a fresh project made by `medpages init`, run in this process."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def project_dir(tmp_path, medpages_cli) -> Path:
    result = medpages_cli("init", "proj", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    return tmp_path / "proj"
