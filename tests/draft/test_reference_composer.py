"""The reference composer on the real Lipitor label: every sentence traced, nothing invented."""

from __future__ import annotations

import re

import pytest
from fixture_files import SPL_DIR

from medpages.catalog import medicine_from_title
from medpages.draft.reference import compose_reference_page
from medpages.model import DISCLAIMER_TEXT, LABEL_NOTE_TEXT, NOTE_TEXT
from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.publish.seed_writer import render_seed_markdown
from medpages.model.facts import LabelFacts
from medpages.sources.facts import extract_facts
from medpages.sources.spl import read_spl

SPL = SPL_DIR


@pytest.fixture(scope="module")
def lipitor() -> LabelFacts:
    path = SPL / "lipitor-atorvastatin.xml"
    return extract_facts(read_spl(path.read_bytes(), origin=str(path)))


@pytest.fixture(scope="module")
def page(lipitor):
    return compose_reference_page(medicine_from_title("Atorvastatin 20mg"), lipitor)


def _label_text(facts: LabelFacts) -> str:
    def walk(sections):
        for section in sections:
            yield section.text if hasattr(section, "text") else ""
            yield from walk(section.subsections)
    return " ".join(facts.model_dump_json().split()) + " ".join(walk(facts.sections))


def test_every_traced_sentence_quotes_the_label(page, lipitor):
    label = _label_text(lipitor)
    assert len(page.traces) >= 30
    for trace in page.traces:
        assert trace.source == lipitor.source.set_id
        assert " ".join(trace.quote.split())[:80] in label, trace


def test_every_list_item_and_prose_sentence_has_a_trace(page):
    traced = {trace.text for trace in page.traces}
    fixed_wording = {page.usage.lead, page.dosage.lead, page.serious_side_effects.lead, page.precautions.lead,
                     page.interactions.lead, page.side_effects.closing, page.important_note.lead}
    for key in ("usage", "dosage", "serious_side_effects", "important_note", "precautions", "interactions"):
        for item in getattr(page, key).items:
            assert item.text in traced, (key, item.text)
    for item in page.side_effects.items:
        assert f"{item.name}: {item.explanation}" in traced
    for faq in page.faqs.items:
        assert faq.answer in traced
    assert page.side_effects.lead in traced
    assert all(text for text in fixed_wording)


def test_it_says_what_the_label_says_in_plain_words(page):
    names = [item.name for item in page.side_effects.items]
    assert names[:2] == ["Common cold (sore throat and runny nose)", "Joint pain"]
    # How common, from the label's incidence (nasopharyngitis 8.3%), never a sentence that repeats the term.
    assert page.side_effects.items[0].explanation == "About 8 in 100."
    assert not any("label calls this" in item.explanation for item in page.side_effects.items)
    assert any("heart attack" in item.text for item in page.usage.items)
    assert not any(re.search(r"\(\d+(\.\d+)?\)|\[see", item.text) for item in page.usage.items + page.dosage.items)
    assert "LIPITOR" not in render_seed_markdown(page)
    verdicts = {advice.topic: advice.verdict for advice in page.safety_advice}
    assert verdicts == {"pregnancy": "Do not use", "breastfeeding": "Do not use"}
    assert "unborn baby" in page.safety_advice[0].advice
    assert not any("dog" in item.text for item in page.precautions.items)  # animal findings left out


def test_sources_cite_the_label_first_and_provenance_says_reference(page, lipitor):
    assert page.sources[0].url == lipitor.source.url
    assert page.sources[0].effective_date == lipitor.source.effective_date
    for key in ("usage", "side_effects", "how_it_works", "faqs", "sources"):
        provenance = page.provenance[key]
        assert provenance.kind == "reference" and lipitor.source.set_id in provenance.by
    assert page.disclaimer == DISCLAIMER_TEXT and page.note == LABEL_NOTE_TEXT  # compiled from the label
    assert page.status == "draft"  # never more until the checks and a person say so


def test_what_the_label_does_not_state_stays_absent(lipitor):
    sparse = lipitor.model_copy(update={"storage": [], "missed_dose": [], "overdose": [], "mechanism": [],
                                        "pharmacologic_classes": [], "pregnancy_contraindicated": False,
                                        "breastfeeding_contraindicated": False, "common_adverse_reactions": [],
                                        "adverse_reaction_rates": []})
    page = compose_reference_page(medicine_from_title("Atorvastatin 20mg"), sparse)
    assert page.storage is None and page.missed_dose is None and page.overdose is None
    assert page.how_it_works is None and page.side_effects is None and page.safety_advice is None
    assert "**Side Effects:** _Not yet written._" in render_seed_markdown(page)
    assert page.faqs is None  # no fact left that answers a question


def test_without_a_label_it_is_the_skeleton():
    page = compose_reference_page(medicine_from_title("Paracetamol 500mg"), None)
    assert page.usage is None and page.side_effects is None and page.traces == []
    assert page.provenance["generic_name"].kind == "skeleton"


def test_the_composed_page_round_trips_through_the_seed_format(page):
    markdown = render_seed_markdown(page)
    parsed = parse_seed_markdown(markdown)
    assert render_seed_markdown(parsed) == markdown
    assert [i.name for i in parsed.side_effects.items] == [i.name for i in page.side_effects.items]
    assert len(parsed.faqs.items) == len(page.faqs.items)
    assert [a.verdict for a in parsed.safety_advice] == ["Do not use", "Do not use"]


def test_the_composed_page_passes_the_checks_without_an_error(page, lipitor):
    from medpages.check import blocks_publishing, check_page

    findings = check_page(page, medicine_from_title("Atorvastatin 20mg"), lipitor)
    assert not blocks_publishing(findings), [f.message for f in findings if f.severity == "error"]
    assert not [f for f in findings if f.code.startswith(("claim.", "contradiction.", "artefact."))], findings


def test_pregnancy_and_breastfeeding_answers_say_no_when_the_label_does(page):
    answers = {faq.question: faq.answer for faq in page.faqs.items}
    assert answers["Can I take atorvastatin if I am pregnant?"].startswith("No.")
    assert answers["Can I breastfeed while taking atorvastatin?"].startswith("No.")
