"""The real `medpages` executable for the community commands: an account made in a subprocess,
its errors as a user sees them, and `serve --help` naming both servers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_AMBIENT = ("OPENAI_", "GEMINI_", "GOOGLE_", "OLLAMA_", "MEDPAGES_")


def medpages(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(_AMBIENT)}, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "medpages", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, input=stdin, timeout=300)


def test_users_add_in_a_real_process(tmp_path):
    assert medpages("init", "proj", cwd=tmp_path).returncode == 0
    root = tmp_path / "proj"
    added = medpages("users", "add", "alice", "--role", "admin", "--password", "correct horse battery", cwd=root)
    assert added.returncode == 0, added.stderr
    assert "Added admin alice." in added.stdout
    taken = medpages("users", "add", "alice", "--role", "reviewer", "--password", "correct horse battery", cwd=root)
    assert taken.returncode == 1 and "'alice' is taken" in taken.stderr and "Traceback" not in taken.stderr
    role = medpages("users", "add", "bob", "--role", "pharmacist", "--password", "correct horse battery", cwd=root)
    assert role.returncode == 2 and "pharmacist" in role.stderr
    listed = medpages("users", "list", cwd=root)
    assert listed.stdout.split()[:2] == ["alice", "admin"]


def test_serve_help_names_the_app_and_the_static_site(tmp_path):
    shown = medpages("serve", "--help", cwd=tmp_path)
    assert shown.returncode == 0 and shown.stderr == ""
    for words in ("review web app", "/login/", "/review/", "--static", "--host", "--port", "--workers"):
        assert words in shown.stdout, words
