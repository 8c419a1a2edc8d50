"""Unsupported claims against the real Lipitor and OTC cough labels."""

from __future__ import annotations

import pytest

from medpages.check.claims import check_claims
from medpages.check.label_evidence import evidence_for
from medpages.check.settings import CheckSettings
from medpages.model import SideEffect, SideEffects

from check_samples import ATORVASTATIN, TRIAMINIC, codes, with_text


def _effects(page, *names):
    return page.model_copy(update={"side_effects": SideEffects(lead="Side effects:", items=[SideEffect(name=n) for n in names])})


def test_clean_pages_have_no_unsupported_claims(clean_atorvastatin, clean_triaminic, lipitor_facts, otc_facts):
    assert check_claims(clean_atorvastatin, ATORVASTATIN, evidence_for(lipitor_facts), CheckSettings()) == []
    assert check_claims(clean_triaminic, TRIAMINIC, evidence_for(otc_facts), CheckSettings()) == []


@pytest.mark.parametrize("name", ["Joint pain", "Arthralgia", "Common cold", "Pain in the arms or legs", "Diarrhoea",
                                  "Muscle aches", "Trouble sleeping", "Indigestion", "Nausea and vomiting",
                                  "Tendon rupture", "Dizziness", "Mild urinary tract infections"])
def test_label_reactions_in_lay_or_label_words_are_supported(clean_atorvastatin, lipitor_facts, name):
    page = _effects(clean_atorvastatin, name)
    assert check_claims(page, ATORVASTATIN, evidence_for(lipitor_facts), CheckSettings()) == []


@pytest.mark.parametrize("name", ["Hair loss", "Weight gain", "Dry mouth", "Headache", "Palpitations"])
def test_reactions_the_lipitor_label_does_not_mention(clean_atorvastatin, lipitor_facts, name):
    [finding] = check_claims(_effects(clean_atorvastatin, name), ATORVASTATIN, evidence_for(lipitor_facts),
                             CheckSettings())
    assert finding.code == "claim.unsupported_side_effect" and finding.severity == "warning"
    assert repr(name) in finding.message and "Lipitor (atorvastatin calcium)" in finding.message


def test_only_the_unsupported_part_is_named(clean_atorvastatin, lipitor_facts):
    [finding] = check_claims(_effects(clean_atorvastatin, "Nausea and hair loss"), ATORVASTATIN,
                             evidence_for(lipitor_facts), CheckSettings())
    assert "'hair loss'" in finding.message and "Nausea" not in finding.message


def test_otc_warnings_support_drowsiness_but_not_dry_mouth(clean_triaminic, otc_facts):
    evidence = evidence_for(otc_facts)
    assert check_claims(_effects(clean_triaminic, "Drowsiness", "Feeling sleepy"), TRIAMINIC, evidence, CheckSettings()) == []
    assert codes(check_claims(_effects(clean_triaminic, "Dry mouth"), TRIAMINIC, evidence, CheckSettings())) == {
        "claim.unsupported_side_effect"}


@pytest.mark.parametrize(("old", "new", "words"), [
    ("* **Lower the risk of a stroke:**", "* **Treat high blood pressure:** It brings it down.\n* **Lower the risk of a stroke:**",
     "high blood pressure"),
    ("It is also used to:", "It is also used to help you lose weight. It is also used to:", "lose weight"),
])
def test_uses_the_indications_do_not_support(clean_atorvastatin, lipitor_facts, old, new, words):
    page = with_text(clean_atorvastatin, old, new)
    [finding] = check_claims(page, ATORVASTATIN, evidence_for(lipitor_facts), CheckSettings())
    assert finding.code == "claim.unsupported_use" and words in finding.message.lower()


def test_sleep_is_not_a_use_of_the_cough_syrup(clean_triaminic, otc_facts):
    page = with_text(clean_triaminic, "It temporarily relieves:", "It also helps children sleep. It temporarily relieves:")
    assert codes(check_claims(page, TRIAMINIC, evidence_for(otc_facts), CheckSettings())) == {"claim.unsupported_use"}
