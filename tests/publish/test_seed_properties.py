"""Property tests: whatever page the renderer writes, the parser reads back stably."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medpages.model import FAQ, FAQs, FrontMatter, ListItem, Page, SideEffect, SideEffects, TextSection
from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.publish.seed_writer import render_seed_markdown

# Words with the characters Markdown cares about, so labels, bullets and colons are exercised.
word = st.text(alphabet="abcXYZ019:?*-#|_()'\"é", min_size=1, max_size=8)
plain_word = st.text(alphabet="abcdefXYZ0123456789é", min_size=1, max_size=8)
sentence = st.lists(word, min_size=1, max_size=8).map(" ".join)
plain_sentence = st.lists(plain_word, min_size=1, max_size=8).map(lambda ws: " ".join(ws) + ".")


def sections(text):
    item = st.builds(ListItem, label=st.none() | text, text=text)
    text_section = st.builds(TextSection, lead=text, items=st.lists(item, max_size=4), closing=st.just(""))
    return {
        "generic_name": st.none() | text,
        "usage": st.none() | text_section,
        "dosage": st.none() | text_section,
        "side_effects": st.none() | st.builds(
            SideEffects, lead=text, items=st.lists(st.builds(SideEffect, name=text, explanation=text), max_size=5)),
        "important_note": st.none() | text_section,
        "how_it_works": st.none() | text_section,
        "faqs": st.none() | st.builds(
            FAQs, lead=st.just(""), items=st.lists(st.builds(FAQ, question=text.map(lambda q: q + "?"), answer=text), max_size=4)),
    }


def pages(text):
    return st.builds(
        Page,
        title=plain_sentence,
        front_matter=st.builds(FrontMatter, title=plain_sentence, nav_exclude=st.none() | st.booleans()),
        **sections(text),
    )


def _values(page: Page) -> dict:
    return page.model_dump(include={"generic_name", "usage", "dosage", "side_effects", "important_note",
                                    "how_it_works", "faqs", "extra_sections", "disclaimer", "note"})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages(sentence))
def test_parse_render_parse_is_stable(page):
    first = parse_seed_markdown(render_seed_markdown(page))
    first.original = None
    text = render_seed_markdown(first)
    second = parse_seed_markdown(text)
    assert _values(second) == _values(first)
    assert render_seed_markdown(second) == text


@settings(max_examples=300, deadline=None)
@given(pages(plain_sentence))
def test_plain_text_survives_exactly(page):
    read = parse_seed_markdown(render_seed_markdown(page))
    for key in ("generic_name", "usage", "dosage", "side_effects", "important_note", "how_it_works", "faqs"):
        if getattr(page, key) is not None:
            assert getattr(read, key) == getattr(page, key), key
    assert read.title == page.title
