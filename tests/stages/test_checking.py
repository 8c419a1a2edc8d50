"""Check: every stored page through the quality gate, through `medpages check` in process."""

from __future__ import annotations

import json

import pytest

from medpages.project import Project
from medpages.stages import check_pages

EXIT_WARNINGS = 3
SLUG = "ado-trastuzumab-emtansine-160mg"


@pytest.fixture
def blocked_page(project_dir, medpages_cli, seed_path):
    """The seed page with a chatbot's preamble planted: an error, so it cannot be published."""
    broken = seed_path.read_text(encoding="utf-8").replace(
        "Ado-trastuzumab emtansine is used", "As an AI language model, I think ado-trastuzumab emtansine is used")
    (project_dir / "a").mkdir()
    (project_dir / "a" / f"{SLUG}.md").write_text(broken, encoding="utf-8")
    assert medpages_cli("import", f"a/{SLUG}.md", cwd=project_dir).exit_code == 0
    return project_dir


def test_check_reports_in_three_formats_and_exits_3_when_a_page_is_blocked(blocked_page, medpages_cli):
    text = medpages_cli("check", cwd=blocked_page)
    assert text.exit_code == EXIT_WARNINGS
    assert "artefact.ai_self_reference" in text.stdout and "cannot be published" in text.stderr
    as_json = json.loads(medpages_cli("check", "--format", "json", cwd=blocked_page).stdout)
    assert "artefact.ai_self_reference" in json.dumps(as_json)
    medpages_cli("check", "--format", "html", "--out", "report.html", cwd=blocked_page)
    html = (blocked_page / "report.html").read_text(encoding="utf-8")
    assert "artefact.ai_self_reference" in html and "<script" not in html.lower()


def test_check_refuses_an_unknown_format_a_bad_setting_and_an_unknown_medicine(blocked_page, medpages_cli):
    wrong = medpages_cli("check", "--format", "pdf", cwd=blocked_page)
    assert wrong.exit_code == 1 and "text, json or html" in wrong.errors
    missing = medpages_cli("check", "--only", "no-such-medicine", cwd=blocked_page)
    assert missing.exit_code == 1 and "no-such-medicine" in missing.errors
    (blocked_page / "medpages.toml").write_text('[checks]\nreadability_grade = "hard"\n')
    bad_settings = medpages_cli("check", cwd=blocked_page)
    assert bad_settings.exit_code == 1 and "readability_grade" in bad_settings.errors


def test_the_stage_returns_the_findings_and_names_the_blocked_page(blocked_page):
    project = Project.find(blocked_page)
    run = check_pages(project)
    assert run.blocked == [SLUG] and run.missing == []
    [(slug, findings)] = run.results
    assert slug == SLUG and "artefact.ai_self_reference" in {f.code for f in findings}
    assert check_pages(project, only=["no-such-medicine"]).missing == ["no-such-medicine"]


def test_check_groups_the_findings_by_code_and_verbose_lists_every_one(project_dir, medpages_cli):
    """Seven empty pages repeat the same warnings: the report counts them once per code, names a
    few pages (then "and N more"), and `--verbose` gives every finding of every page as before."""
    titles = ["Amoxicillin 500mg", "Aspirin 75mg", "Ibuprofen 200mg", "Metformin 500mg", "Omeprazole 20mg",
              "Paracetamol 500mg", "Simvastatin 20mg"]
    (project_dir / "generics.txt").write_text("\n".join(titles) + "\n")
    assert medpages_cli("import", "generics.txt", cwd=project_dir).exit_code == 0
    assert medpages_cli("generate", cwd=project_dir).exit_code in (0, EXIT_WARNINGS)
    grouped = medpages_cli("check", cwd=project_dir)
    assert grouped.exit_code == 0, grouped.output
    lines = grouped.stdout.splitlines()
    assert lines[0].startswith("7 pages: 0 blocked, 7 need review, 0 passed; 0 errors, ")
    [summary] = [line for line in lines if line.strip().startswith("WARNING") and "structure.missing_section" in line]
    assert "findings on 7 pages" in summary
    [listed] = [line for line in lines if line.strip().startswith("structure.missing_section:")]
    assert listed.endswith("and 2 more") and "amoxicillin-500mg" in listed
    assert len(lines) < 12 and "[side_effects]" not in grouped.stdout
    verbose = medpages_cli("check", "--verbose", cwd=project_dir)
    assert verbose.exit_code == 0
    assert verbose.stdout.count("structure.missing_section [side_effects]") == 7
    assert verbose.stdout.count(": needs review (0 errors,") == 7


def test_grouped_check_keeps_exit_3_and_puts_errors_first(blocked_page, medpages_cli):
    text = medpages_cli("check", cwd=blocked_page)
    assert text.exit_code == EXIT_WARNINGS and "1 page has errors and cannot be published" in text.stderr
    by_finding = text.stdout.split("By finding:")[1].split("Pages by finding:")[0].split()
    assert by_finding[0] == "ERROR" and by_finding[1] == "artefact.ai_self_reference"
    assert f"artefact.ai_self_reference: {SLUG}" in text.stdout
