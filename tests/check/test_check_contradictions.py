"""Contradictions with the label: pregnancy, breastfeeding, the boxed warning."""

from __future__ import annotations

import pytest

from medpages.check.contradictions import check_contradictions
from medpages.check.label_evidence import evidence_for
from medpages.model import SafetyAdvice, TextSection

from check_samples import codes, eval_page, with_text


def _note(page, text):
    return page.model_copy(update={"important_note": TextSection(lead=text)})


def test_clean_pages_do_not_contradict(clean_atorvastatin, clean_triaminic, lipitor_facts, otc_facts):
    assert lipitor_facts.pregnancy_contraindicated and lipitor_facts.breastfeeding_contraindicated
    assert check_contradictions(clean_atorvastatin, evidence_for(lipitor_facts)) == []
    assert check_contradictions(clean_triaminic, evidence_for(otc_facts)) == []


@pytest.mark.parametrize(("text", "code"), [
    ("It is safe during pregnancy.", "contradiction.pregnancy"),
    ("Pregnant women can safely take it.", "contradiction.pregnancy"),
    ("There is no known risk to the unborn baby.", "contradiction.pregnancy"),
    ("Taking it while breastfeeding is generally considered safe.", "contradiction.breastfeeding"),
    ("It poses no risk to nursing infants.", "contradiction.breastfeeding"),
])
def test_reassurance_the_label_rules_out(clean_atorvastatin, lipitor_facts, text, code):
    findings = check_contradictions(_note(clean_atorvastatin, text), evidence_for(lipitor_facts))
    assert codes(findings) == {code}
    assert findings[0].severity == "error" and "contraindicates" in findings[0].message


@pytest.mark.parametrize("text", [
    "It is not safe during pregnancy.",
    "It has not been shown to be safe in pregnancy.",
    "Do not take it while breastfeeding; it is unsafe for nursing infants.",
    "Ask your doctor about pregnancy.",
])
def test_warnings_are_not_contradictions(clean_atorvastatin, lipitor_facts, text):
    assert check_contradictions(_note(clean_atorvastatin, text), evidence_for(lipitor_facts)) == []


def test_safety_advice_verdict(clean_atorvastatin, lipitor_facts):
    page = clean_atorvastatin.model_copy(update={"safety_advice": [
        SafetyAdvice(topic="pregnancy", verdict="Safe", advice="."),
        SafetyAdvice(topic="breastfeeding", verdict="Not safe", advice="Do not breastfeed.")]})
    [finding] = check_contradictions(page, evidence_for(lipitor_facts))
    assert (finding.code, finding.section) == ("contradiction.pregnancy", "safety_advice")
    assert "'Safe'" in finding.message


def test_no_contradiction_without_a_contraindication(clean_triaminic, otc_facts):
    assert not otc_facts.pregnancy_contraindicated
    assert check_contradictions(_note(clean_triaminic, "Do not use it if the safety seal is broken. "
                                                       "It is safe during pregnancy."), evidence_for(otc_facts)) == []


def test_boxed_warning_left_out(clean_triaminic, otc_facts):
    page = with_text(clean_triaminic, "Do not use it if the safety seal around the bottle cap is broken or missing. ", "")
    [finding] = check_contradictions(page, evidence_for(otc_facts))
    assert finding.code == "contradiction.boxed_warning_missing" and "SAFETY SEAL" in finding.message
    # This label's boxed text is a packaging notice, so it is a warning; see docs/checks.md.
    assert finding.severity == "warning"


def test_boxed_warning_of_a_clinical_kind_is_an_error(clean_triaminic, otc_facts):
    boxed = otc_facts.boxed_warning[0].model_copy(update={"text": "WARNING: SEVERE LIVER INJURY AND ACUTE LIVER FAILURE"})
    facts = otc_facts.model_copy(update={"boxed_warning": [boxed]})
    [finding] = check_contradictions(clean_triaminic, evidence_for(facts))
    assert finding.severity == "error"
    mentioned = _note(clean_triaminic, "It can cause severe liver injury and liver failure.")
    assert check_contradictions(mentioned, evidence_for(facts)) == []


def test_eval_page_with_a_safe_pregnancy_verdict(lipitor_facts):
    findings = check_contradictions(eval_page("pregnancy-verdict-safe.md"), evidence_for(lipitor_facts))
    assert [(f.code, f.section) for f in findings] == [("contradiction.pregnancy", "safety_advice")]
