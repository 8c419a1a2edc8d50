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
