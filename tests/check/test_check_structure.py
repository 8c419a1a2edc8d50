"""Structure checks: seed sections, the fixed Disclaimer and Note, title and layout."""

from __future__ import annotations

from medpages.check.structure import check_structure
from medpages.model import DISCLAIMER_TEXT, NOTE_TEXT, TextSection

from check_samples import ATORVASTATIN, codes, empty_page, with_text


def test_clean_page_has_no_structure_findings(clean_atorvastatin):
    assert check_structure(clean_atorvastatin, ATORVASTATIN) == []


def test_missing_disclaimer_is_an_error(clean_atorvastatin):
    page = clean_atorvastatin.model_copy(update={"disclaimer": None})
    [finding] = check_structure(page, ATORVASTATIN)
    assert (finding.code, finding.severity, finding.section) == ("structure.missing_section", "error", "disclaimer")


def test_altered_note_is_an_error_naming_where_it_differs(clean_atorvastatin):
    page = with_text(clean_atorvastatin, "may not be accurate", "is accurate")
    [finding] = check_structure(page, ATORVASTATIN)
    assert finding.code == "structure.note_altered" and finding.severity == "error"
    assert "is accurate" in finding.message


def test_disclaimer_with_one_space_less_is_altered(clean_atorvastatin):
    page = clean_atorvastatin.model_copy(update={"disclaimer": DISCLAIMER_TEXT.replace("advice.  Always", "advice. Always")})
    assert codes(check_structure(page, ATORVASTATIN)) == {"structure.disclaimer_altered"}


def test_not_yet_written_counts_as_absent(clean_atorvastatin):
    page = clean_atorvastatin.model_copy(update={"how_it_works": TextSection(lead="_Not yet written._")})
    [finding] = check_structure(page, ATORVASTATIN)
    assert finding.code == "structure.missing_section" and finding.section == "how_it_works"
    assert finding.severity == "warning"


def test_page_with_every_section_none():
    findings = check_structure(empty_page(), ATORVASTATIN)
    missing = {f.section for f in findings if f.code == "structure.missing_section"}
    assert missing == {"generic_name", "usage", "side_effects", "important_note", "how_it_works", "faqs",
                       "disclaimer", "note"}
    assert {f.section for f in findings if f.severity == "error"} == {"disclaimer", "note"}


def test_title_and_generic_name_must_match_the_medicine(clean_atorvastatin):
    page = with_text(clean_atorvastatin, "**Generic Name:** Atorvastatin", "**Generic Name:** Simvastatin")
    assert codes(check_structure(page, ATORVASTATIN)) == {"structure.generic_name_mismatch"}
    other = ATORVASTATIN.model_copy(update={"title": "Atorvastatin 80mg"})
    assert "structure.title_mismatch" in codes(check_structure(clean_atorvastatin, other))


def test_unanswered_question(clean_atorvastatin):
    page = with_text(clean_atorvastatin, "* **Can I take it with food?** Yes. You can take it with or without food.",
                     "* **Can I take it with food?**")
    [finding] = check_structure(page, ATORVASTATIN)
    assert finding.code == "structure.unanswered_question" and "Can I take it with food?" in finding.message


def test_fixed_texts_exact_pass():
    page = empty_page().model_copy(update={"disclaimer": DISCLAIMER_TEXT, "note": NOTE_TEXT})
    assert not [f for f in check_structure(page, ATORVASTATIN) if f.severity == "error"]
