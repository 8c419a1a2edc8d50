"""Uses given as a lead and the subsections after it (`CELEBREX is indicated` then `1.1 Osteoarthritis
(OA)`: `For the management of ...`): each subsection is a use, with the lead, never lost."""

from __future__ import annotations

from fixture_files import LABELS_DIR

from medpages.model.label import LabelDocument, LabelSection
from medpages.sources.facts import extract_facts
from medpages.sources.spl import read_spl


def _label(*subsections: tuple[str, str], lead: str = "ACME is indicated") -> LabelDocument:
    return LabelDocument(kind="spl", set_id="set-1", title="ACME", sections=[
        LabelSection(key="indications", heading="1 INDICATIONS AND USAGE", text=lead, subsections=[
            LabelSection(key="indications", heading=heading, text=text) for heading, text in subsections])])


def test_each_subsection_after_a_dangling_lead_is_a_use_with_that_lead():
    facts = extract_facts(_label(("1.1 Osteoarthritis (OA)", "For the management of the signs and symptoms of OA."),
                                 ("1.2 Acute Pain", "For the management of acute pain in adults.")))
    assert [(fact.text, fact.lead, fact.heading) for fact in facts.indications] == [
        ("For the management of the signs and symptoms of OA.", "ACME is indicated", "1.1 Osteoarthritis (OA)"),
        ("For the management of acute pain in adults.", "ACME is indicated", "1.2 Acute Pain"),
    ]


def test_a_lead_that_is_a_whole_use_stays_one():
    facts = extract_facts(_label(("1.1 Hypertension", "ACME is indicated for the treatment of hypertension."),
                                 lead="ACME is indicated for the treatment of angina."))
    assert [fact.text for fact in facts.indications] == [
        "ACME is indicated for the treatment of angina.", "ACME is indicated for the treatment of hypertension."]
    assert all(fact.lead == "" for fact in facts.indications)


def test_celebrex_keeps_its_six_uses():
    path = LABELS_DIR / "celebrex-celecoxib-caps.xml"
    facts = extract_facts(read_spl(path.read_bytes(), origin=str(path)))
    assert [fact.heading for fact in facts.indications] == [
        "1.1 Osteoarthritis (OA)", "1.2 Rheumatoid Arthritis (RA)", "1.3 Juvenile Rheumatoid Arthritis (JRA)",
        "1.4 Ankylosing Spondylitis (AS)", "1.5 Acute Pain", "1.6 Primary Dysmenorrhea"]
    assert all(fact.lead == "CELEBREX is indicated" and fact.text.startswith("For the management of")
               for fact in facts.indications)


def test_a_use_before_a_lead_in_the_same_paragraph_is_kept():
    facts = extract_facts(LabelDocument(kind="spl", set_id="set-2", title="ACME", sections=[
        LabelSection(key="indications", heading="INDICATIONS AND USAGE", text=(
            "ACME is indicated for the short-term management of acute pain.\n"
            "Reserve ACME for patients for whom alternative treatment options:\n\n"
            "- Have not been tolerated\n- Have not provided adequate analgesia"))]))
    assert facts.indications[0].text == "ACME is indicated for the short-term management of acute pain."
    assert [fact.text for fact in facts.indications[1:]] == ["Have not been tolerated", "Have not provided adequate analgesia"]
    assert all(fact.lead.endswith("alternative treatment options:") for fact in facts.indications[1:])


def test_hydrocodone_ibuprofen_keeps_its_use():
    path = LABELS_DIR / "hydrocodone-ibuprofen-tab.xml"
    facts = extract_facts(read_spl(path.read_bytes(), origin=str(path)))
    assert facts.indications[0].text.startswith(
        "Hydrocodone Bitartrate and Ibuprofen Tablets are indicated for the short-term management of acute pain")
