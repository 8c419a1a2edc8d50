"""Names: `medpages import` reports names that resolve to nothing; `medpages names` lists them with
suggestions and `--accept` applies the ones the publisher chooses, through the CLI in process."""

from __future__ import annotations

from medpages.project import Project

EXIT_WARNINGS = 3
LIST = "Paracetmol 1g\nIbuprofin 400mg\nAmoxicillin 500mg\nFoobarzolam 5mg\nTake two tablets twice daily\n"


def _imported(project_dir, medpages_cli):
    (project_dir / "generics.txt").write_text(LIST, encoding="utf-8")
    return medpages_cli("import", "generics.txt", cwd=project_dir)


def test_import_says_how_many_names_did_not_resolve_and_why_a_line_was_rejected(project_dir, medpages_cli):
    result = _imported(project_dir, medpages_cli)
    assert result.exit_code == EXIT_WARNINGS, result.output
    assert "Imported 4 catalogue entries; 3 names did not resolve (see `medpages names`)" in result.stdout
    assert "did you mean 'paracetamol'?" in result.stderr
    assert "did you mean 'ibuprofen'?" in result.stderr
    assert "generics.txt:5: reads as an instruction" in result.stderr


def test_names_lists_the_unresolved_with_suggestions_and_changes_nothing(project_dir, medpages_cli):
    _imported(project_dir, medpages_cli)
    result = medpages_cli("names", cwd=project_dir)
    assert result.exit_code == EXIT_WARNINGS, result.output
    assert "Paracetmol 1g (paracetmol-1g): 'Paracetmol': did you mean 'paracetamol'?" in result.stdout
    assert "Foobarzolam 5mg (foobarzolam-5mg): 'Foobarzolam': no close name known" in result.stdout
    assert "Amoxicillin" not in result.stdout
    assert "3 medicines have names that did not resolve." in result.stdout
    store = Project.find(project_dir).store()
    assert store.get_medicine("paracetmol-1g").generic_name is None


def test_accepting_one_name_resolves_that_medicine_and_keeps_its_slug_and_title(project_dir, medpages_cli):
    _imported(project_dir, medpages_cli)
    result = medpages_cli("names", "--accept", "Paracetmol", cwd=project_dir)
    assert result.exit_code == EXIT_WARNINGS, result.output  # Ibuprofin and Foobarzolam are still unresolved
    assert "accepted: Paracetmol 1g (paracetmol-1g): Paracetmol -> paracetamol; generic name Acetaminophen" in result.stdout
    store = Project.find(project_dir).store()
    medicine = store.get_medicine("paracetmol-1g")
    assert (medicine.title, medicine.generic_name, medicine.ingredients) == ("Paracetmol 1g", "Acetaminophen",
                                                                           ["Acetaminophen"])
    assert [s.text for s in medicine.strengths] == ["1g"]
    assert medicine.identifiers.drugbank == "DB00316"
    assert any(link.publisher == "MedlinePlus" for link in medicine.links)
    assert store.get_medicine("ibuprofin-400mg").generic_name is None


def test_accepting_all_leaves_only_names_with_no_suggestion(project_dir, medpages_cli):
    _imported(project_dir, medpages_cli)
    result = medpages_cli("names", "--accept", cwd=project_dir)
    assert result.exit_code == EXIT_WARNINGS, result.output
    assert "2 medicines resolved; 1 name still unresolved." in result.stdout
    store = Project.find(project_dir).store()
    assert store.get_medicine("ibuprofin-400mg").generic_name == "Ibuprofen"
    assert [m.slug for m in store.medicines_without_generic()] == ["foobarzolam-5mg"]


def test_a_name_that_is_not_unresolved_is_said_so(project_dir, medpages_cli):
    _imported(project_dir, medpages_cli)
    result = medpages_cli("names", "--accept", "Aspirin", cwd=project_dir)
    assert result.exit_code == EXIT_WARNINGS
    assert "Aspirin" in result.stderr
    assert Project.find(project_dir).store().get_medicine("paracetmol-1g").generic_name is None


def test_nothing_unresolved_exits_zero(project_dir, medpages_cli):
    (project_dir / "generics.txt").write_text("Paracetamol 500mg\n", encoding="utf-8")
    assert medpages_cli("import", "generics.txt", cwd=project_dir).exit_code == 0
    result = medpages_cli("names", cwd=project_dir)
    assert result.exit_code == 0, result.output
    assert "0 medicines have names that did not resolve." in result.stdout
