"""Shared test fixtures: the seed page (kept in tests/fixtures: fixture_files.py) and `medpages` run in process."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from fixture_files import SEED_PAGE

# CI runs the property tests on a fixed sequence of examples, so that a submission passes or
# fails on its own merits; anywhere else they explore new examples on every run.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The drug dictionary's cached copy (catalog/dictionary_file.py) goes to a folder of this test run,
# not the user's cache: made once, shared by the commands run in process and in subprocesses.
_CACHE = tempfile.mkdtemp(prefix="medpages-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

# The hostile-tree tests make 1,100 nested folders; pytest's clean-up of old temporary folders
# (shutil.rmtree, one call per level on Python 3.11) must not die on a tree a test left behind.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))


@pytest.fixture
def seed_text() -> str:
    return SEED_PAGE.read_bytes().decode("utf-8")


@pytest.fixture
def seed_path() -> Path:
    return SEED_PAGE


# Provider and settings variables of the machine running the tests must not reach a command under
# test: a test must never call a real provider, nor read a developer's MEDPAGES_* overrides.
_AMBIENT_VARIABLES = ("OPENAI_", "GEMINI_", "GOOGLE_", "OLLAMA_", "MEDPAGES_")


@dataclass
class Ran:
    """What a command run in process did: its exit code and output. `errors` is what a user reads on
    stderr: the command's own lines and, for an error it raised, the message `main()` prints."""

    exit_code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes
    exception: BaseException | None

    @property
    def errors(self) -> str:
        from medpages.errors import MedpagesError

        raised = f"error: {self.exception}\n" if isinstance(self.exception, MedpagesError) else ""
        return self.stderr + raised

    @property
    def output(self) -> str:
        return self.stdout + self.errors


@pytest.fixture
def medpages_cli(monkeypatch) -> Callable[..., Ran]:
    """Run a `medpages` command in this process with typer's CliRunner: `medpages_cli("build", cwd=project)`.

    The subprocess tests in tests/cli check the real executable: the entry point, a traceback-free
    error and its exit code as a user sees them.
    """
    from typer.testing import CliRunner

    from medpages.cli import app
    from medpages.errors import MedpagesError

    for name in list(os.environ):
        if name.startswith(_AMBIENT_VARIABLES) and not name.startswith("MEDPAGES_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:  # click 8.2 and later keep stderr apart always, and dropped the option
        runner = CliRunner()

    def invoke(*args: object, cwd: Path, env: dict[str, str] | None = None) -> Ran:
        monkeypatch.chdir(cwd)
        result = runner.invoke(app, [str(arg) for arg in args], env=env)
        exception = result.exception
        if exception is not None and not isinstance(exception, (SystemExit, MedpagesError)):
            raise exception  # a bug, not an answer: show its traceback
        return Ran(result.exit_code, result.stdout, result.stderr, result.stdout_bytes,
                   None if isinstance(exception, SystemExit) else exception)

    return invoke
