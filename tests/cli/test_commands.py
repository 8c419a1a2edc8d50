"""The commands as a user types them, in a real subprocess, against a real SQLite project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
from fixture_files import SPL_DIR

EXIT_WARNINGS = 3


# Provider settings of the machine running the tests must not send a test to a real provider.
_PROVIDER_VARIABLES = ("OPENAI_", "GEMINI_", "GOOGLE_", "OLLAMA_", "MEDPAGES_DRAFT_")


def medpages(*args: str, cwd: Path, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(_PROVIDER_VARIABLES)},
           "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    result = subprocess.run([sys.executable, "-m", "medpages", *args], cwd=cwd, capture_output=True, env=env,
                            timeout=300)
    if check and result.returncode not in (0,):
        raise AssertionError(f"exit {result.returncode}\nstdout:\n{result.stdout.decode()}\nstderr:\n{result.stderr.decode()}")
    return result


def test_page_parse_and_render_round_trip(tmp_path, seed_path):
    parsed = medpages("page", "parse", str(seed_path), cwd=tmp_path)
    data = json.loads(parsed.stdout)
    assert (len(data["side_effects"]["items"]), len(data["faqs"]["items"]), len(data["usage"]["items"])) == (10, 6, 2)
    (tmp_path / "page.json").write_bytes(parsed.stdout)
    rendered = medpages("page", "render", "page.json", cwd=tmp_path)
    assert rendered.stdout == seed_path.read_bytes()


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


def test_hostile_list_imports_the_good_lines_and_names_every_bad_one(tmp_path):
    medpages("init", "proj", cwd=tmp_path)
    project = tmp_path / "proj"
    lines = [
        b"Paracetamol 500mg",
        b"",
        b"!!!",
        b"x" * 10_000,
        b"Ibuprofen\x07 400mg",
        b"../../etc/passwd",
        b"PARACETAMOL   500MG",
        b"\xd9\x85\xd9\x8a\xd8\xaa\xd9\x81\xd9\x88\xd8\xb1\xd9\x85\xd9\x8a\xd9\x86 500mg",  # Arabic, right to left
        b"Amoxicillin \xff\xfe 250mg",
        b"Amoxicillin, Clavulanic Acid 625mg",
    ]
    (project / "generics.txt").write_bytes(b"\n".join(lines))
    result = medpages("import", "generics.txt", cwd=project, check=False)
    assert result.returncode == EXIT_WARNINGS, result.stderr.decode()
    report = result.stderr.decode()
    for number in (3, 4, 5, 9):
        assert f":{number}:" in report or f"line {number}" in report, (number, report)
    medpages("build", cwd=project)
    written = sorted(p.relative_to(project / "jekyll").as_posix() for p in (project / "jekyll").rglob("*.md"))
    assert written == []  # no pages yet: the catalogue alone writes nothing
    assert not (tmp_path / "etc").exists()


def test_imported_tree_exports_back_with_no_diff(tmp_path, seed_path):
    tree = tmp_path / "site"
    (tree / "a").mkdir(parents=True)
    (tree / "m").mkdir()
    shutil.copy(seed_path, tree / "a" / "ado-trastuzumab-emtansine-160mg.md")
    (tree / "m" / "metformin-500mg.md").write_bytes(
        b"\xef\xbb\xbf---\r\nlayout: minimal-medicine\r\ntitle: Metformin 500mg\r\n---\r\n\r\n# Metformin 500mg\r\n\r\n"
        b"## Usage\r\n\r\n- Type 2 diabetes\r\n\r\n## Side Effects\r\n\r\n1. Nausea\r\n")
    (tree / "m" / "broken.md").write_bytes(b"---\ntitle: x\n---\n\xff\xfe")
    (tree / "index.md").write_text("---\nlayout: home\n---\nWelcome")
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    medpages("init", "proj", cwd=tmp_path)
    result = medpages("import", str(tree), cwd=tmp_path / "proj", check=False)
    assert result.returncode == EXIT_WARNINGS
    assert b"m/broken.md" in result.stderr and b"UTF-8" in result.stderr
    medpages("build", "--jekyll", str(tree), cwd=tmp_path / "proj")
    after = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    assert after == before


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
    assert "0 rendered" in again and "0 written, 52 unchanged" in again


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


def test_build_out_writes_only_the_site_and_is_incremental(tmp_path, seed_path):
    medpages("init", "proj", cwd=tmp_path)
    project = tmp_path / "proj"
    shutil.copy(seed_path, project / "seed.md")
    (project / "generics.txt").write_text("Paracetamol 500mg\nIbuprofen 400mg\n")
    medpages("import", "generics.txt", "seed.md", cwd=project)
    first = medpages("build", "--out", str(tmp_path / "public"), cwd=project).stdout.decode()
    assert "3 medicine pages; 3 rendered" in first and "Jekyll tree" not in first
    assert (tmp_path / "public" / "i" / "ibuprofen-400mg" / "index.html").is_file()
    assert not (project / "jekyll").exists()
    second = medpages("build", "--out", str(tmp_path / "public"), cwd=project).stdout.decode()
    assert "0 rendered" in second


def test_sources_add_reads_the_real_labels_and_reports_a_rerun(tmp_path):
    spl = SPL_DIR
    medpages("init", "proj", cwd=tmp_path)
    first = medpages("sources", "add", str(spl), cwd=tmp_path / "proj").stdout.decode()
    assert "Stored 2 labels (2 new" in first
    again = medpages("sources", "add", str(spl), cwd=tmp_path / "proj").stdout.decode()
    assert "Stored 0 labels" in again and "2 unchanged" in again


def test_sources_and_serve_say_what_is_wrong(tmp_path):
    medpages("init", "proj", cwd=tmp_path)
    project = tmp_path / "proj"
    missing = medpages("sources", "add", "nowhere.xml", cwd=project, check=False)
    assert missing.returncode == 1 and b"nowhere.xml" in missing.stderr and b"Traceback" not in missing.stderr
    (project / "broken.xml").write_bytes(b"<document><unclosed>")
    broken = medpages("sources", "add", "broken.xml", cwd=project, check=False)
    assert broken.returncode == EXIT_WARNINGS and b"broken.xml" in broken.stderr + broken.stdout
    unknown = medpages("sources", "download", "dailymed", cwd=project, check=False)
    assert unknown.returncode == 1 and b"openfda" in unknown.stderr
    serve = medpages("serve", cwd=project, check=False)
    assert serve.returncode == 1 and b"medpages build" in serve.stderr


def test_generate_composes_from_the_label_then_changes_nothing_on_a_rerun(tmp_path, seed_path):
    spl = SPL_DIR
    medpages("init", "proj", cwd=tmp_path)
    project = tmp_path / "proj"
    (project / "generics.txt").write_text("Atorvastatin 20mg\nParacetamol 500mg\n")
    shutil.copy(seed_path, project / "seed.md")
    medpages("import", "generics.txt", "seed.md", cwd=project)
    medpages("sources", "add", str(spl), cwd=project)
    dry = medpages("generate", "--dry-run", cwd=project).stdout.decode()
    assert "Backend: reference (the offline default" in dry and "Would draft 2 pages" in dry
    assert not (project / "jekyll").exists()
    first = medpages("generate", cwd=project, check=False)
    out = first.stdout.decode()
    assert first.returncode in (0, EXIT_WARNINGS), first.stderr.decode()
    assert "Drafted 2 pages; 0 unchanged, 1 skipped, 0 failed" in out, out
    assert "1 have no reference label yet" in out
    assert b"ado-trastuzumab-emtansine-160mg: has a page written by imported" in first.stderr
    again = medpages("generate", cwd=project, check=False).stdout.decode()
    assert "Drafted 0 pages; 2 unchanged" in again
    medpages("build", "--jekyll", "md", cwd=project)
    page = (project / "md" / "a" / "atorvastatin-20mg.md").read_text(encoding="utf-8")
    assert "Joint pain" in page and "dailymed.nlm.nih.gov" in page and "**Note:** This information" in page
    assert (project / "md" / "a" / "ado-trastuzumab-emtansine-160mg.md").read_bytes() == seed_path.read_bytes()
    unknown = medpages("generate", "--backend", "magic", cwd=project, check=False)
    assert unknown.returncode == 1 and b"magic" in unknown.stderr and b"Traceback" not in unknown.stderr
    missing = medpages("generate", "--only", "no-such-medicine", cwd=project, check=False)
    assert missing.returncode == 1 and b"no-such-medicine: no such medicine" in missing.stderr


def test_check_reports_in_three_formats_and_exits_3_when_a_page_is_blocked(tmp_path, seed_path):
    medpages("init", "proj", cwd=tmp_path)
    project = tmp_path / "proj"
    broken = seed_path.read_text(encoding="utf-8").replace(
        "Ado-trastuzumab emtansine is used", "As an AI language model, I think ado-trastuzumab emtansine is used")
    (project / "a").mkdir()
    (project / "a" / "ado-trastuzumab-emtansine-160mg.md").write_text(broken, encoding="utf-8")
    medpages("import", "a/ado-trastuzumab-emtansine-160mg.md", cwd=project)
    text = medpages("check", cwd=project, check=False)
    assert text.returncode == EXIT_WARNINGS
    assert b"artefact.ai_self_reference" in text.stdout and b"cannot be published" in text.stderr
    as_json = json.loads(medpages("check", "--format", "json", cwd=project, check=False).stdout)
    assert "artefact.ai_self_reference" in json.dumps(as_json)
    medpages("check", "--format", "html", "--out", "report.html", cwd=project, check=False)
    html = (project / "report.html").read_text(encoding="utf-8")
    assert "artefact.ai_self_reference" in html and "<script" not in html.lower()
    wrong = medpages("check", "--format", "pdf", cwd=project, check=False)
    assert wrong.returncode == 1 and b"text, json or html" in wrong.stderr
    (project / "medpages.toml").write_text('[checks]\nreadability_grade = "hard"\n')
    bad_settings = medpages("check", cwd=project, check=False)
    assert bad_settings.returncode == 1 and b"readability_grade" in bad_settings.stderr
