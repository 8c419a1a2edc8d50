"""Dose figures against the medicine's strengths and the label's doses."""

from __future__ import annotations

import pytest

from medpages.check.doses import check_doses, figures
from medpages.check.label_evidence import evidence_for

from check_samples import ATORVASTATIN, TRIAMINIC, with_text


def test_figures_read_units_ranges_and_skip_lab_units():
    assert [v for _, v in figures("10mg or 20 mg, 2 g, 6.25 mg/5 mL, 190 mg/dL, 5 mg/kg, 10 to 80 mg")] == [
        ("mg", 10.0), ("mg", 20.0), ("mg", 2000.0), ("mg", 6.25), ("ml", 5.0), ("mg", 10.0), ("mg", 80.0)]


def test_clean_pages_have_known_figures_only(clean_atorvastatin, clean_triaminic, lipitor_facts, otc_facts):
    assert check_doses(clean_atorvastatin, ATORVASTATIN, evidence_for(lipitor_facts)) == []
    assert check_doses(clean_triaminic, TRIAMINIC, evidence_for(otc_facts)) == []


@pytest.mark.parametrize(("old", "new", "figure"), [
    ("10 mg or 20 mg once a day", "100 mg once a day", "100 mg"),
    ("10 mg to 80 mg", "10 mg to 120mg", "120 mg"),
    ("Your doctor may change the dose.", "Some start on 0.5 g a day.", "0.5 g"),
])
def test_unknown_lipitor_figures(clean_atorvastatin, lipitor_facts, old, new, figure):
    [finding] = check_doses(with_text(clean_atorvastatin, old, new), ATORVASTATIN, evidence_for(lipitor_facts))
    assert finding.code == "dose.unknown_figure" and finding.severity == "warning"
    assert repr(figure) in finding.message and finding.section == "dosage"


def test_a_catalogue_strength_is_known_even_if_the_label_lacks_it(clean_atorvastatin, lipitor_facts):
    page = with_text(clean_atorvastatin, "Your doctor may change the dose.", "Tablets of 5 mg exist.")
    assert len(check_doses(page, ATORVASTATIN, evidence_for(lipitor_facts))) == 1
    five = ATORVASTATIN.model_copy(update={"strengths": [*ATORVASTATIN.strengths,
                                                         ATORVASTATIN.strengths[0].model_copy(update={"text": "5 mg"})]})
    assert check_doses(page, five, evidence_for(lipitor_facts)) == []


def test_otc_volume_not_on_the_label(clean_triaminic, otc_facts):
    page = with_text(clean_triaminic, "2 teaspoonfuls (10 mL)", "3 teaspoonfuls (15 mL)")
    [finding] = check_doses(page, TRIAMINIC, evidence_for(otc_facts))
    assert "15 mL" in finding.message
