"""Layers only point down: import-linter checks the contract in pyproject.toml ([tool.importlinter]).

cli and demo → stages → project → publish → check → draft → sources → catalog → store →
model, settings, errors. A lower layer importing a higher one fails here with the linter's
report, which names the importing module, the imported one and the line.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> list[str]:
    pytest.importorskip("importlinter", reason="import-linter is in the `test` extra")
    beside = Path(sys.executable).with_name("lint-imports")
    program = str(beside) if beside.exists() else shutil.which("lint-imports")
    if program is None:
        pytest.skip("the lint-imports program of import-linter is not on PATH")
    return [program, "--config", str(ROOT / "pyproject.toml"), "--no-cache"]


def test_layers_only_point_down():
    run = subprocess.run(_lint_imports(), cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = (run.stdout + run.stderr).strip()
    assert run.returncode == 0, f"import layering broken:\n{report}"
    assert "Layers only point down KEPT" in report
