"""Status: where a project stands and the next command, in process, from a new project to a built site."""

from __future__ import annotations

from datetime import date

from fixture_files import LIPITOR_XML

from medpages.project import Project
from medpages.stages.status import project_status


def _next(ran) -> str:
    [line] = [line for line in ran.stdout.splitlines() if line.startswith("Next: ")]
    return line


def test_status_follows_a_project_from_empty_to_built(project_dir, medpages_cli):
    empty = medpages_cli("status", cwd=project_dir)
    assert empty.exit_code == 0, empty.output
    assert "Medicines: 0" in empty.stdout and "Last build: none yet" in empty.stdout
    assert "medpages import" in _next(empty)

    (project_dir / "generics.txt").write_text("Atorvastatin 20mg\nParacetamol 500mg\nParacetmol 1g\n")
    assert medpages_cli("import", "generics.txt", cwd=project_dir).exit_code in (0, 3)
    imported = medpages_cli("status", cwd=project_dir)
    assert "Medicines: 3 (3 without a page; 1 name did not resolve)" in imported.stdout, imported.stdout
    assert "names that did not resolve: paracetmol-1g" in imported.stdout
    assert "Labels: 0" in imported.stdout
    steps = imported.stdout.split("Next: ")[1]
    assert "medpages generate" in steps and "medpages sources add" in steps and "medpages names" in steps

    assert medpages_cli("sources", "add", LIPITOR_XML, cwd=project_dir).exit_code == 0
    assert medpages_cli("generate", cwd=project_dir).exit_code in (0, 3)
    generated = medpages_cli("status", cwd=project_dir)
    assert "Pages: 3; 2 not yet written, 1 composed from a label" in generated.stdout, generated.stdout
    assert "Labels: 1 (1 spl); effective date " in generated.stdout
    assert "Findings by kind:" in generated.stdout and "structure.missing_section" in generated.stdout
    assert "Reviews: 0 pages reviewed; 0 suggestions wait for review" in generated.stdout
    assert "medpages build" in generated.stdout.split("Next: ")[1]

    assert medpages_cli("build", cwd=project_dir).exit_code == 0
    built = medpages_cli("status", cwd=project_dir)
    assert f"into {(project_dir / 'site').resolve()}" in built.stdout and "no page changed since" in built.stdout
    assert "medpages build" not in built.stdout.split("Next: ")[1]

    (project_dir / "generics.txt").write_text("Ibuprofen 200mg\n")
    assert medpages_cli("import", "generics.txt", cwd=project_dir).exit_code == 0
    assert medpages_cli("generate", "--only", "ibuprofen-200mg", cwd=project_dir).exit_code in (0, 3)
    changed = medpages_cli("status", cwd=project_dir)
    assert "1 page changed since: ibuprofen-200mg" in changed.stdout, changed.stdout
    assert "medpages build" in changed.stdout.split("Next: ")[1]


def test_the_stage_returns_counts_dates_and_steps(project_dir, medpages_cli):
    (project_dir / "generics.txt").write_text("Atorvastatin 20mg\n")
    medpages_cli("import", "generics.txt", cwd=project_dir)
    medpages_cli("sources", "add", LIPITOR_XML, cwd=project_dir)
    medpages_cli("generate", cwd=project_dir)
    status = project_status(Project.find(project_dir))
    assert status.medicines == 1 and status.pages == 1 and status.without_page == 0
    assert status.pages_by_kind == {"reference": 1} and status.labels == 1
    assert isinstance(status.newest_label, date) and status.oldest_label == status.newest_label
    assert status.last_build is None and status.changed_since_build == []
    assert status.next_steps[0].startswith("medpages build")
    assert all(count.findings >= count.pages >= 1 for count in status.findings)
