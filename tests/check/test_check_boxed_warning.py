"""The boxed-warning check on real labels: a page may say the warning in its own words, but not leave a part out.

Coverage is judged by the warning's headline concepts (its title, "WARNING: RISK OF SERIOUS
CARDIOVASCULAR AND GASTROINTESTINAL EVENTS", or its subheadings), each found through plain words
(`medpages.sources.lexicon.WARNING_CONCEPTS`), not by the share of all the warning's words.
"""

from __future__ import annotations

import pytest

from medpages.check.contradictions import check_contradictions
from medpages.check.label_evidence import evidence_for
from medpages.model import Page, SideEffect, SideEffects, TextSection
from medpages.model.facts import Fact

from check_samples import OTC_XML, empty_page, label_facts
from fixture_files import LABELS_DIR


def _facts(name: str):
    return label_facts(LABELS_DIR / name)


def _page(note: str, side_effects: tuple[str, ...] = ()) -> Page:
    return empty_page().model_copy(update={
        "important_note": TextSection(lead=note),
        "side_effects": SideEffects(items=[SideEffect(name=name, explanation="") for name in side_effects])
        if side_effects else None})


def _boxed(findings):
    return [f for f in findings if f.code == "contradiction.boxed_warning_missing"]


# Paraphrases in the styles a model (or a pharmacist) writes: lay words, other order, one sentence or several.
PARAPHRASES = [
    ("celebrex-celecoxib-caps.xml",
     "Like other NSAIDs, celecoxib can raise the risk of heart attack or stroke, and can cause bleeding or ulcers "
     "in the stomach. These can happen without warning and can be fatal."),
    ("naproxen-oral-susp-plr.xml",
     "Ulcers and bleeding in the stomach or gut can happen at any time, often with no warning signs. "
     "This medicine can also make a heart attack or a stroke more likely, especially if you take it for a long time."),
    ("naprosyn-naproxen-susp.xml",
     "Naproxen may increase your chance of a heart attack or stroke. It can cause stomach bleeding."),
    ("voltaren-diclofenac-gel.xml",
     "Using this gel may increase your chance of having a heart attack or a stroke, and it can cause bleeding "
     "ulcers or holes in your stomach and intestines."),
    ("sprix-ketorolac-nasal.xml",
     "The spray can raise the risk of blood clots, heart attacks and strokes. It can cause bleeding, ulcers and "
     "tears in the stomach and intestines."),
    ("treximet-sumatriptan-naproxen.xml",
     "The naproxen in this tablet can make a heart attack or stroke more likely and can cause stomach ulcers."),
    ("ciprofloxacin-tab.xml",
     "Ciprofloxacin can cause tendon problems, including a torn tendon; nerve damage (tingling or numbness in the "
     "hands and feet); and changes in mood, confusion or seizures. It can make muscle weakness worse in people "
     "with myasthenia gravis."),
    ("glumetza-metformin-er.xml",
     "Metformin can cause a rare but serious problem called lactic acidosis, a build-up of acid in the blood."),
    ("metformin-oral-solution-500mg5ml.xml",
     "In rare cases metformin causes a rare but serious problem called lactic acidosis."),
    ("fiorinal-codeine-combo.xml",
     "Codeine can be addictive and can be misused. It can slow or stop your breathing. If a child swallows even "
     "one dose by accident it can be fatal. Do not take it with alcohol, sleeping pills or other sedatives. "
     "Never give it to children under 12. Using it for a long time in pregnancy can cause withdrawal in the "
     "newborn baby. Tell your doctor about all other medicines you take: some interact with it."),
    ("hydrocodone-ibuprofen-tab.xml",
     "Hydrocodone can cause addiction and can slow your breathing dangerously. Keep it out of the reach of "
     "children: one tablet swallowed by a child can kill. Long use in pregnancy causes withdrawal in newborns. "
     "Do not drink alcohol or take sleeping pills with it, and tell your doctor about other medicines you take. "
     "The ibuprofen in it can raise the risk of heart attack or stroke and cause bleeding in the stomach."),
]


@pytest.mark.parametrize(("label", "note"), PARAPHRASES, ids=[label for label, _ in PARAPHRASES])
def test_a_paraphrase_of_the_boxed_warning_is_not_blocked(label, note):
    findings = check_contradictions(_page(note), evidence_for(_facts(label)))
    assert _boxed(findings) == []


# Pages that leave a headline concept out, or mention its words only in passing.
OMISSIONS = [
    ("celebrex-celecoxib-caps.xml", "Celecoxib can raise the risk of heart attack or stroke.",
     "stomach and gut bleeding and ulcers", "error"),
    ("naproxen-oral-susp-plr.xml", "Naproxen can cause bleeding ulcers in the stomach.",
     "heart attack and stroke", "error"),
    ("voltaren-diclofenac-gel.xml",
     "Take it with food to avoid an upset stomach. Tell your doctor if you have heart disease.",
     "heart attack and stroke", "error"),
    ("sprix-ketorolac-nasal.xml", "Do not use it for more than 5 days. It may cause a runny nose.",
     "stomach and gut bleeding and ulcers", "error"),
    ("glumetza-metformin-er.xml", "Metformin can upset your stomach at first. Take it with your evening meal.",
     "lactic acidosis", "error"),
    ("ciprofloxacin-tab.xml", "Ciprofloxacin can damage tendons.", "nerve damage", "error"),
    ("ciprofloxacin-tab.xml",
     "It can cause torn tendons, nerve damage in the hands and feet, and changes in mood or thinking.",
     "myasthenia gravis", "warning"),
    ("fiorinal-codeine-combo.xml", "Codeine can be addictive.", "slowed breathing", "error"),
    ("hydrocodone-ibuprofen-tab.xml",
     "Hydrocodone can cause addiction and can slow your breathing dangerously. Keep it out of the reach of "
     "children: one tablet swallowed by a child can kill. Long use in pregnancy causes withdrawal in newborns. "
     "Do not drink alcohol or take sleeping pills with it, and tell your doctor about other medicines you take.",
     "heart attack and stroke", "warning"),
]


@pytest.mark.parametrize(("label", "note", "concept", "severity"), OMISSIONS,
                         ids=[f"{label}-{concept}" for label, _, concept, _ in OMISSIONS])
def test_a_page_that_leaves_a_headline_concept_out_is_flagged(label, note, concept, severity):
    [finding] = _boxed(check_contradictions(_page(note), evidence_for(_facts(label))))
    assert repr(concept) in finding.message and finding.severity == severity
    assert finding.section is None and "DailyMed" not in finding.message  # the label is cited by its title


def test_the_concept_words_must_stand_in_one_sentence():
    # "stomach" and "bleeding" on the page, but never together: GI bleeding is not said.
    note = "It can raise the risk of heart attack or stroke. Take it with food. Tell your doctor about any bleeding."
    [finding] = _boxed(check_contradictions(_page(note), evidence_for(_facts("celebrex-celecoxib-caps.xml"))))
    assert "'stomach and gut bleeding and ulcers'" in finding.message


def test_a_concept_may_be_said_anywhere_on_the_page():
    note = "Celecoxib can raise the risk of heart attack or stroke."
    page = _page(note, side_effects=("Stomach ulcers and bleeding",))
    assert _boxed(check_contradictions(page, evidence_for(_facts("celebrex-celecoxib-caps.xml")))) == []


def test_a_box_without_a_title_is_judged_by_its_subheadings():
    # Ketorolac tablets (1998): "BOXED WARNING", then GASTROINTESTINAL RISK, CARDIOVASCULAR THOMBOTIC
    # EVENTS (sic), RENAL RISK, RISK OF BLEEDING, RISK DURING LABOR AND DELIVERY, CONCOMITANT USE WITH NSAIDs.
    facts = _facts("ketorolac-tab-1998.xml")
    full = ("Ketorolac can cause ulcers and bleeding in the stomach, and can raise the risk of heart attack and "
            "stroke. It can harm the kidneys and make bleeding more likely. Do not use it during labour and "
            "delivery, and do not take it with aspirin or other NSAIDs.")
    assert _boxed(check_contradictions(_page(full), evidence_for(facts))) == []
    [finding] = _boxed(check_contradictions(_page("Ketorolac can cause stomach ulcers."), evidence_for(facts)))
    assert finding.severity == "error" and "'kidney problems'" in finding.message


def test_dementia_mortality_paraphrase(tmp_path):
    # The example: an antipsychotic's box, said plainly, is not blocked; a page silent on it is.
    facts = _facts("celebrex-celecoxib-caps.xml").model_copy(update={
        "sections": [],
        "boxed_warning": [Fact(
            section="boxed_warning",
            heading="WARNING: INCREASED MORTALITY IN ELDERLY PATIENTS WITH DEMENTIA-RELATED PSYCHOSIS",
            text="Elderly patients with dementia-related psychosis treated with antipsychotic drugs are at an "
                 "increased risk of death.")]})
    said = _page("Elderly people with dementia who take antipsychotics have a higher risk of death.")
    assert _boxed(check_contradictions(said, evidence_for(facts))) == []
    [finding] = _boxed(check_contradictions(_page("It may cause weight gain."), evidence_for(facts)))
    assert finding.severity == "error"


def test_a_packaging_notice_is_still_judged_by_its_words():
    facts = label_facts(OTC_XML)
    page = _page("Do not use it if the safety seal around the bottle cap is broken or missing.")
    assert _boxed(check_contradictions(page, evidence_for(facts))) == []
    [finding] = _boxed(check_contradictions(_page("Keep it in a cool place."), evidence_for(facts)))
    assert finding.severity == "warning"
