"""Unsupported claims against the real Lipitor and OTC cough labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from check_samples import ATORVASTATIN, TRIAMINIC, codes, empty_page, label_facts, with_text

from medpages.check.claims import check_claims
from medpages.check.label_evidence import evidence_for
from medpages.check.settings import CheckSettings
from medpages.model import SideEffect, SideEffects, TextSection


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


# --------------------------------------------------------------------------- lay words on corpus labels

CORPUS_LABELS = Path(__file__).resolve().parents[1] / "fixtures" / "labels"


def _corpus_evidence(name: str):
    return evidence_for(label_facts(CORPUS_LABELS / f"{name}.xml"))


def _unsupported_effects(evidence, *names) -> list[str]:
    page = _effects(empty_page(), *names)
    return [f.message for f in check_claims(page, ATORVASTATIN, evidence, CheckSettings())]


@pytest.mark.parametrize(("label", "name"), [
    ("ketorolac-tab-1998", "Stomach pain"),            # abdominal pain: stomach = abdominal
    ("ketorolac-tab-1998", "Pain in the stomach"),     # the same words in another order
    ("vimovo-naproxen-esomeprazole", "Stomach inflammation"),  # gastritis: gastr- + -itis
    ("prolensa-bromfenac-ophth", "Sensitivity to light"),      # photophobia: photo- + -phobia
    ("prolensa-bromfenac-ophth", "Feeling that something is in your eye"),  # foreign body sensation
    ("ketorolac-tab-1998", "Low blood pressure"),       # hypotension, through the glossary
])
def test_lay_words_meet_the_labels_medical_term(label, name):
    assert _unsupported_effects(_corpus_evidence(label), name) == []


@pytest.mark.parametrize(("label", "name"), [
    ("ketorolac-tab-1998", "Acne"), ("primidone-tab", "Hiccups"), ("prolensa-bromfenac-ophth", "Stomach pain"),
    ("ciprofloxacin-tab", "Weight gain"), ("prolensa-bromfenac-ophth", "Light-headedness and weight gain"),
])
def test_word_normalisation_does_not_support_what_the_label_does_not_say(label, name):
    assert len(_unsupported_effects(_corpus_evidence(label), name)) == 1


def _use_findings(evidence, usage: str):
    page = empty_page().model_copy(update={"usage": TextSection(lead=usage)})
    return check_claims(page, ATORVASTATIN, evidence, CheckSettings())


@pytest.mark.parametrize(("label", "usage"), [
    # A use written as what one part does: stomach = gastric, "getting" says nothing.
    ("vimovo-naproxen-esomeprazole", "The esomeprazole lowers the chance of getting stomach ulcers from the naproxen."),
    # A use written with its explanation: the glossary's plain words for actinic keratoses.
    ("diclofenac-3pct-gel-nonplr", "This gel treats actinic keratoses: rough, scaly patches on the skin caused by years of sun."),
    # The pain of a condition whose signs and symptoms the label treats.
    ("celebrex-celecoxib-caps", "It helps with the pain and stiffness of osteoarthritis."),
])
def test_uses_written_as_explanations_are_read_for_their_condition(label, usage):
    assert _use_findings(_corpus_evidence(label), usage) == []


@pytest.mark.parametrize(("label", "usage"), [
    ("vimovo-naproxen-esomeprazole", "It lowers the chance of getting kidney stones."),
    ("diclofenac-3pct-gel-nonplr", "This gel treats acne: spots on the skin."),
    ("celebrex-celecoxib-caps", "It helps with the pain of migraine headaches."),
])
def test_uses_the_label_does_not_name_are_still_found(label, usage):
    assert codes(_use_findings(_corpus_evidence(label), usage)) == {"claim.unsupported_use"}
