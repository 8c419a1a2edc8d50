"""The closing Note tells the truth about the page: its three variants, and the structure check on each."""

from __future__ import annotations

from datetime import date

import pytest
from fixture_files import SEED_PAGE

from medpages.catalog import medicine_from_title
from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.check.structure import check_structure
from medpages.model import LABEL_NOTE_TEXT, NOTE_TEXT, is_known_note, reviewed_note
from medpages.publish.seed_writer import render_seed_markdown


def test_a_reviewed_note_names_the_reviewer_and_the_day():
    note = reviewed_note("  Jane  Doe, PharmD ", date(2026, 3, 1))
    assert note.startswith("Reviewed by Jane Doe, PharmD on 2026-03-01. ")
    assert is_known_note(note)
    with pytest.raises(ValueError):
        reviewed_note(" ", date(2026, 3, 1))


def test_the_label_note_says_what_the_page_is_and_is_not():
    assert "official label" in LABEL_NOTE_TEXT and "not been reviewed" in LABEL_NOTE_TEXT
    assert "AI-generated" not in LABEL_NOTE_TEXT


@pytest.fixture(scope="module")
def seed_page():
    return parse_seed_markdown(SEED_PAGE.read_bytes().decode("utf-8"))


def _note_findings(page):
    medicine = medicine_from_title(page.title)
    return [f for f in check_structure(page, medicine) if f.section == "note"]


@pytest.mark.parametrize("note", [NOTE_TEXT, LABEL_NOTE_TEXT, reviewed_note("Dr A. Osei", date(2025, 12, 31))])
def test_the_structure_check_accepts_each_variant(seed_page, note):
    assert _note_findings(seed_page.model_copy(update={"note": note})) == []


@pytest.mark.parametrize("note", [
    LABEL_NOTE_TEXT.replace("has not been", "has been"),
    NOTE_TEXT + " ",
    "Reviewed by Dr A. Osei on 31/12/2025. Please consult a medical professional for advice about your own treatment.",
    reviewed_note("Dr A. Osei", date(2025, 12, 31)).replace("Please", "Do"),
    "Reviewed by  on 2025-12-31. Please consult a medical professional for advice about your own treatment.",
])
def test_anything_else_is_an_altered_note(seed_page, note):
    [finding] = _note_findings(seed_page.model_copy(update={"note": note}))
    assert finding.code == "structure.note_altered" and finding.severity == "error"


def test_an_imported_page_keeps_its_note_byte_for_byte(seed_page):
    text = SEED_PAGE.read_bytes().decode("utf-8")
    assert render_seed_markdown(seed_page) == text and seed_page.note == NOTE_TEXT
