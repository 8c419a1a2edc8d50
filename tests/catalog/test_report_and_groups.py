"""The import report's status and messages, single titles, and strengths grouped per medicine."""

from __future__ import annotations

import pytest

from medpages.catalog import (
    EXIT_FAILED,
    EXIT_SUCCESS,
    EXIT_WARNINGS,
    ImportReport,
    ImportStatus,
    group_strengths,
    import_catalog,
    medicine_from_title,
)
from medpages.catalog.report import FileProblem, RejectedLine
from medpages.errors import InputError


def test_status_and_exit_codes() -> None:
    assert ImportReport(imported=3).status is ImportStatus.SUCCESS
    assert ImportReport(imported=3, notes=["column(s) not used: 'x'"]).status is ImportStatus.WARNINGS
    report = ImportReport(imported=3)
    report.reject(RejectedLine(source="a.txt", line=2, reason="empty"))
    assert report.status is ImportStatus.WARNINGS
    assert ImportReport(imported=0).status is ImportStatus.FAILED
    failed = ImportReport(imported=3, problems=[FileProblem(source="b.txt", message="cannot be read")])
    assert failed.status is ImportStatus.FAILED
    assert (EXIT_SUCCESS, EXIT_WARNINGS, EXIT_FAILED) == (0, 3, 1)
    assert [s.exit_code for s in ImportStatus] == [0, 3, 1]


def test_messages_put_failures_first_and_the_summary_counts(import_text) -> None:
    result = import_text("Paracetamol 500mg\n---\nparacetamol 500MG\n")
    messages = result.report.messages()
    assert messages[0].endswith(":2: no letters or digits, only punctuation or symbols ('---')")
    assert "merged" in messages[1]
    assert result.report.summary().startswith("1 medicines imported from 1 file(s); 1 lines rejected, 1 duplicates")
    assert [str(r) for r in result.rejected] == [messages[0]]
    assert [str(n) for n in result.notices] == [messages[1]]


def test_the_report_serialises_to_json(import_text) -> None:
    result = import_text("Paracetamol 500mg\n()\n")
    data = result.report.model_dump(mode="json")
    assert data["rejected"][0]["line"] == 2 and data["imported"] == 1


def test_no_paths_is_a_user_error() -> None:
    with pytest.raises(InputError, match="no catalogue file given"):
        import_catalog([])


def test_medicine_from_title_keeps_the_title_as_it_is() -> None:
    medicine = medicine_from_title('Paracetamol (Calpol) 500mg "tablets"')
    assert medicine.title == 'Paracetamol (Calpol) 500mg "tablets"'
    assert medicine.slug == "paracetamol-calpol-500mg-tablets-"  # the original rule, to the letter
    assert medicine.letter == "p"
    assert medicine.form == "tablet"
    assert medicine.generic_name is None  # `Paracetamol (Calpol)` is not one name


def test_medicine_from_title_resolves() -> None:
    medicine = medicine_from_title("Ado-trastuzumab emtansine 160mg")
    assert medicine.path == "a/ado-trastuzumab-emtansine-160mg.md"
    assert medicine.generic_name == "Ado-trastuzumab Emtansine"
    assert medicine.identifiers.drugbank == "DB05773"


def test_strengths_and_forms_of_one_medicine_are_grouped(import_text) -> None:
    result = import_text(
        "Paracetamol 650mg Tablets\nCalpol 120mg/5ml Suspension\nParacetamol 500mg Tablets\n"
        "Clavulanic Acid + Amoxicillin 125mg + 500mg\nAmoxicillin, Clavulanic Acid 625mg\nFoobarzol 5mg\n"
    )
    groups = group_strengths(result.medicines)
    assert [m.title for m in groups["acetaminophen"]] == [
        "Calpol 120mg/5ml Suspension",
        "Paracetamol 500mg Tablets",
        "Paracetamol 650mg Tablets",
    ]
    assert len(groups["amoxicillin + clavulanic acid"]) == 2
    assert [m.title for m in groups["foobarzol"]] == ["Foobarzol 5mg"]
