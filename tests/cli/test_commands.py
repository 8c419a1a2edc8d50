"""The real `medpages` executable, in a subprocess: a thin layer of smoke tests.

What only a real process shows: the installed entry point, `--help`, an error printed without
a traceback and its exit status, the demo end to end and its server. Each command's behaviour is
tested in process (typer's CliRunner) beside its stage, in tests/stages and tests/cli/test_page_commands.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

# Provider and settings variables of the machine running the tests must not reach a command.
_PROVIDER_VARIABLES = ("OPENAI_", "GEMINI_", "GOOGLE_", "OLLAMA_", "MEDPAGES_")


def medpages(*args: str, cwd: Path, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(_PROVIDER_VARIABLES)},
           "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    result = subprocess.run([sys.executable, "-m", "medpages", *args], cwd=cwd, capture_output=True, env=env,
                            timeout=300)
    if check and result.returncode not in (0,):
        raise AssertionError(f"exit {result.returncode}\nstdout:\n{result.stdout.decode()}\nstderr:\n{result.stderr.decode()}")
    return result


def test_the_installed_command_shows_its_help():
    script = Path(sys.executable).with_name("medpages")  # the console script pip installed beside python
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "medpages"]
    result = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"})
    assert result.returncode == 0 and result.stderr == ""
    for name in ("init", "import", "sources", "generate", "check", "build", "serve", "demo", "page"):
        assert f" {name} " in result.stdout, name


def test_wrong_usage_exits_2():
    result = subprocess.run([sys.executable, "-m", "medpages", "build", "--no-such-option"], capture_output=True,
                            timeout=60)
    assert result.returncode == 2 and b"--no-such-option" in result.stderr and b"Traceback" not in result.stderr


def test_page_render_rejects_bad_json_with_a_clear_message(tmp_path):
    (tmp_path / "bad.json").write_text('{"title": 5}')
    result = medpages("page", "render", "bad.json", cwd=tmp_path, check=False)
    assert result.returncode == 1
    assert b"bad.json: not a page" in result.stderr and b"front_matter" in result.stderr
    assert b"Traceback" not in result.stderr
    (tmp_path / "binary.md").write_bytes(b"# x\n\xff")
    result = medpages("page", "parse", "binary.md", cwd=tmp_path, check=False)
    assert result.returncode == 1 and b"binary.md:2: not valid UTF-8" in result.stderr


def test_commands_outside_a_project_say_so(tmp_path):
    result = medpages("build", cwd=tmp_path, check=False)
    assert result.returncode == 1
    assert b"medpages init" in result.stderr and b"Traceback" not in result.stderr


def test_demo_runs_offline_and_writes_the_tree_and_the_site(tmp_path, seed_path):
    result = medpages("demo", str(tmp_path / "demo"), "--no-serve", cwd=tmp_path)
    out = result.stdout.decode()
    assert "Jekyll tree" in out and "HTML site" in out
    tree = tmp_path / "demo" / "jekyll"
    pages = sorted(tree.rglob("*.md"))
    assert len(pages) >= 50
    assert (tree / "a" / "ado-trastuzumab-emtansine-160mg.md").read_bytes() == seed_path.read_bytes()
    skeleton = (tree / "p" / "paracetamol-500mg.md").read_text(encoding="utf-8")
    assert "**Usage:** _Not yet written._" in skeleton
    assert "**Note:** This information is AI-generated" in skeleton
    assert "medlineplus.gov" in skeleton
    site = tmp_path / "demo" / "site"
    html = (site / "p" / "paracetamol-500mg" / "index.html").read_text(encoding="utf-8")
    assert ">Paracetamol 500mg</h1>" in html
    assert "Not yet written" in html
    assert "Imported, not yet reviewed" in (site / "a" / "ado-trastuzumab-emtansine-160mg" / "index.html").read_text()
    # Running the build again changes nothing, in either output.
    again = medpages("build", cwd=tmp_path / "demo").stdout.decode()
    assert "0 rendered" in again and "0 written, 62 unchanged" in again


def test_demo_serves_the_site_on_localhost(tmp_path):
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    process = subprocess.Popen([sys.executable, "-m", "medpages", "demo", str(tmp_path / "demo"), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        url = None
        for line in process.stdout:
            if "Serving" in line:
                url = line.split(" at ", 1)[1].split()[0]
                break
        assert url and url.startswith("http://127.0.0.1:"), "the demo did not print its URL"
        home = httpx.get(url, timeout=10)
        assert home.status_code == 200 and "Search medicines" in home.text
        page = httpx.get(url + "p/paracetamol-500mg/", timeout=10)
        assert page.status_code == 200 and "Paracetamol 500mg" in page.text
        missing = httpx.get(url + "no/such/page/", timeout=10)
        assert missing.status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
