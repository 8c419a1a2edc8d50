"""Sections as editable text: the seed page and composed pages of every section kind round-trip."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixture_files import SEED_PAGE
from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.errors import InputError
from medpages.model import (
    FAQ,
    ExtraSection,
    FAQs,
    FrontMatter,
    ListItem,
    Page,
    SafetyAdvice,
    SideEffect,
    SideEffects,
    Source,
    TextSection,
)
from medpages.publish.seed_writer import render_seed_markdown
from medpages.review.sections import editable_sections, section_text, with_section_text


def seed_page() -> Page:
    return parse_seed_markdown(SEED_PAGE.read_bytes().decode("utf-8"))


def composed_page() -> Page:
    """A page with every kind of section value, as the drafting and reference stages make them."""
    return Page(
        title="Atorvastatin 10mg",
        front_matter=FrontMatter(title="Atorvastatin 10mg"),
        generic_name="atorvastatin calcium",
        usage=TextSection(
            lead="Atorvastatin lowers cholesterol.\n\nIt is taken with diet and exercise.",
            items=[ListItem(label="High cholesterol:", text="to lower LDL."),
                   ListItem(text="To lower the risk of a heart attack,\nstroke or chest pain.")],
            closing="Your doctor decides which one applies to you.",
        ),
        dosage=TextSection(lead="Take one tablet a day, 5 < 10 mg & more."),
        side_effects=SideEffects(
            lead="Common side effects include:",
            items=[SideEffect(name="Muscle pain", explanation="aching or weak muscles."),
                   SideEffect(name="Diarrhoea")],
            closing="Tell your doctor if they persist.",
        ),
        safety_advice=[
            SafetyAdvice(topic="alcohol", verdict="Caution", advice="Drink little | if at all."),
            SafetyAdvice(topic="pregnancy", verdict="Unsafe", advice="Do not take it when pregnant."),
        ],
        faqs=FAQs(lead="Questions people ask:", items=[
            FAQ(question="Can I take it at night?", answer="Yes, at any time of day."),
            FAQ(question="Is it a statin?", answer="Yes."),
        ]),
        sources=[
            Source(title="Lipitor label", url="https://dailymed.nlm.nih.gov/x", publisher="Pfizer",
                   effective_date=date(2024, 3, 1)),
            Source(title="Plain source"),
        ],
        extra_sections=[ExtraSection(heading="Pharmacist Tips", body="Keep a list of your medicines.\n\n* one\n* two")],
    )


def _editable_present(page: Page) -> list[str]:
    return [key for key in page.present_sections() if key not in ("disclaimer", "note")]


@pytest.mark.parametrize("make", [seed_page, composed_page])
def test_every_section_round_trips(make):
    page = make()
    keys = _editable_present(page) + (["sources"] if page.sources else [])
    assert len(keys) >= 5
    for key in dict.fromkeys(keys):
        text = section_text(page, key)
        assert text and not text.startswith("**")
        updated, findings = with_section_text(page, key, text)
        assert updated.section_value(key) == page.section_value(key), key
        assert findings == []


def test_section_text_is_the_body_after_the_label():
    page = composed_page()
    assert section_text(page, "generic_name") == "atorvastatin calcium"
    assert section_text(page, "side_effects") == (
        "Common side effects include:\n\n* **Muscle pain:** aching or weak muscles.\n* **Diarrhoea:**\n\n"
        "Tell your doctor if they persist.")
    assert section_text(page, "safety_advice").startswith("| Topic | Verdict | Advice |\n| --- |")
    assert section_text(page, "extra:0") == "Keep a list of your medicines.\n\n* one\n* two"


def test_absent_sections_and_no_page_give_empty_text():
    page = composed_page()
    assert section_text(page, "overdose") == ""
    assert section_text(None, "usage") == ""
    assert section_text(None, "extra:3") == ""


def test_an_edit_changes_only_its_section_and_renders_in_the_page():
    page = composed_page()
    updated, _ = with_section_text(page, "usage", "Lowers cholesterol.\n\n- **Adults:** once a day\n- with food")
    assert updated.usage == TextSection(lead="Lowers cholesterol.", items=[
        ListItem(label="Adults:", text="once a day"), ListItem(text="with food")])
    assert updated.side_effects == page.side_effects and updated.faqs == page.faqs
    assert page.usage != updated.usage  # the original is untouched
    reparsed = parse_seed_markdown(render_seed_markdown(updated))
    assert reparsed.usage == updated.usage


def test_a_new_section_can_be_written_where_there_was_none():
    page = composed_page()
    updated, _ = with_section_text(page, "overdose", "Call a poison centre at once.")
    assert updated.overdose == TextSection(lead="Call a poison centre at once.")


def test_empty_text_removes_the_section():
    page = composed_page()
    assert with_section_text(page, "usage", "")[0].usage is None
    assert with_section_text(page, "faqs", "  \n\n")[0].faqs is None
    assert with_section_text(page, "extra:0", "")[0].extra_sections == []


def test_crlf_and_trailing_blank_lines_read_as_the_same_section():
    page = composed_page()
    text = section_text(page, "side_effects").replace("\n", "\r\n") + "\r\n\r\n"
    assert with_section_text(page, "side_effects", text)[0].side_effects == page.side_effects


@pytest.mark.parametrize("key", ["disclaimer", "note"])
def test_disclaimer_and_note_are_not_editable(key):
    page = composed_page()
    assert key not in editable_sections(page)
    with pytest.raises(InputError, match="written by medpages"):
        with_section_text(page, key, "anything")
    with pytest.raises(InputError):
        section_text(page, key)


def test_unknown_sections_are_refused():
    page = composed_page()
    for key in ("nonsense", "extra:7", "extra:x"):
        with pytest.raises(InputError, match="section"):
            with_section_text(page, key, "text")


def test_text_that_starts_another_section_is_refused():
    page = composed_page()
    with pytest.raises(InputError, match="another section.*Side Effects"):
        with_section_text(page, "usage", "Lowers cholesterol.\n\n**Side Effects:** none at all")


def test_safety_advice_that_is_not_a_table_is_refused():
    with pytest.raises(InputError, match="safety_advice.*table"):
        with_section_text(composed_page(), "safety_advice", "Avoid alcohol.")


def test_sources_with_prose_are_refused():
    with pytest.raises(InputError, match="sources"):
        with_section_text(composed_page(), "sources", "Some prose.\n\n* [A](https://a.org)")


def test_editable_sections_follow_the_page_order_with_extras_before_the_faqs():
    page = composed_page()
    page.extra_sections = [ExtraSection(heading="", body="Intro."), *page.extra_sections]
    keys = editable_sections(page)
    assert keys[0] == "extra:0" and keys[1] == "generic_name"
    assert keys.index("extra:1") == keys.index("faqs") - 1
    assert "sources" not in keys and "overdose" in keys
    assert editable_sections(None)[0] == "generic_name"


_words = st.lists(st.sampled_from(["take", "one", "tablet", "daily", "with", "food", "5", "mg", "(or", "less)",
                                   "it's", "R&D", "<", "10%", "dose,", "water."]), min_size=1, max_size=8).map(" ".join)
_paragraphs = st.lists(_words, max_size=3).map("\n\n".join)
_items = st.lists(st.builds(ListItem, label=st.none() | _words.map(lambda w: w.capitalize() + ":"), text=_words),
                  max_size=4)


@settings(deadline=None)
@given(lead=_paragraphs, items=_items, closing=_paragraphs)
def test_any_text_section_round_trips(lead, items, closing):
    page = composed_page()
    page.dosage = TextSection(lead=lead, items=items, closing=closing if items else "")
    updated, _ = with_section_text(page, "dosage", section_text(page, "dosage"))
    expected = page.dosage if (lead or items) else None
    assert updated.dosage == expected


@settings(deadline=None)
@given(items=st.lists(st.builds(SideEffect, name=_words, explanation=st.just("") | _words), min_size=1, max_size=4),
       faqs=st.lists(st.builds(FAQ, question=_words.map(lambda w: w.capitalize() + "?"), answer=_words),
                     min_size=1, max_size=4))
def test_any_side_effects_and_faqs_round_trip(items, faqs):
    page = composed_page()
    page.side_effects, page.faqs = SideEffects(lead="Common:", items=items), FAQs(items=faqs)
    for key in ("side_effects", "faqs"):
        assert with_section_text(page, key, section_text(page, key))[0].section_value(key) == page.section_value(key)
