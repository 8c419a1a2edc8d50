"""References: label files read into a project's store, through `medpages sources add` in process."""

from __future__ import annotations

from fixture_files import LIPITOR_XML, SPL_DIR

from medpages.project import Project
from medpages.stages import add_label_sources

EXIT_WARNINGS = 3


def test_sources_add_reads_the_real_labels_and_reports_a_rerun(project_dir, medpages_cli):
    first = medpages_cli("sources", "add", SPL_DIR, cwd=project_dir)
    assert first.exit_code == 0, first.output
    assert "Stored 2 labels (2 new" in first.stdout
    again = medpages_cli("sources", "add", SPL_DIR, cwd=project_dir)
    assert "Stored 0 labels" in again.stdout and "2 unchanged" in again.stdout


def test_a_missing_or_broken_file_is_named(project_dir, medpages_cli):
    missing = medpages_cli("sources", "add", "nowhere.xml", cwd=project_dir)
    assert missing.exit_code == 1 and "nowhere.xml" in missing.errors
    (project_dir / "broken.xml").write_bytes(b"<document><unclosed>")
    broken = medpages_cli("sources", "add", "broken.xml", cwd=project_dir)
    assert broken.exit_code == EXIT_WARNINGS and "broken.xml" in broken.output
    unknown = medpages_cli("sources", "download", "dailymed", cwd=project_dir)
    assert unknown.exit_code == 1 and "openfda" in unknown.errors


def test_the_stage_stores_the_label_for_its_ingredients(project_dir):
    project = Project.find(project_dir)
    report = add_label_sources(project, [LIPITOR_XML])
    assert (report.stored, report.warnings) == (1, 0)
    label = project.store().best_label(["atorvastatin"])
    assert label is not None and label.ingredients == ["atorvastatin"] and not label.otc
    assert project.store().best_label(["dextromethorphan"]) is None  # the other fixture label was not added
