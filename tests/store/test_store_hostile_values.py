"""Hostile text round trips exactly; what no database can store (NUL, lone surrogates) is refused by name."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medpages.errors import InputError
from medpages.model import FAQ, ExtraSection, FAQs, Finding, FrontMatter, ListItem, SideEffect, SideEffects, TextSection
from medpages.store import Store

from store_samples import make_medicine, make_page

LONG = "Paracetamol " * 834  # 10,008 characters
# 10,000 characters that do not compress: PostgreSQL would refuse them in an index entry.
_random = random.Random(7)
LONG_RANDOM = "".join(chr(_random.randrange(0x20, 0xD000)) for _ in range(10_000))
CONTROL = "".join(chr(code) for code in [*range(1, 32), 127]) + "\u0085\u2028\u2029\ufeff\u200b"
RIGHT_TO_LEFT = "باراسيتامول ٥٠٠ ملغ \u202eevil\u202c פרצטמול"
MIXED = "Ibuprofen 200 mg — “quoted” ‘x’ \\ backslash \\u0000 literal 'single' \"double\" ☠️ 👩🏽‍⚕️ e\u0301"


def hostile_page(medicine, text: str):
    return make_page(
        medicine,
        usage=TextSection(lead=text, items=[ListItem(label=text, text=text)], closing=text),
        side_effects=SideEffects(items=[SideEffect(name=text, explanation=text)]),
        faqs=FAQs(items=[FAQ(question=text, answer=text)]),
        extra_sections=[ExtraSection(heading=text, body=text)],
        front_matter=FrontMatter(title=medicine.title, extra={text: [text, {"nested": text}]}),
    )


@pytest.mark.parametrize(
    "text", [LONG, LONG_RANDOM, CONTROL, RIGHT_TO_LEFT, MIXED], ids=["10k", "10k-random", "control", "rtl", "mixed"]
)
def test_hostile_text_round_trips_exactly(store: Store, text: str) -> None:
    medicine = make_medicine(text, slug="hostile-1mg", generic_name=text, synonyms=[text], brands=[text, text[::-1]],
                             form=text)
    store.upsert_medicine(medicine)
    page = hostile_page(medicine, text)
    assert store.save_page(medicine.slug, page, author=f"contributor:{text}", kind="contributor", message=text) == 1
    store.replace_findings(medicine.slug, [Finding(code="readability.grade", severity="info", message=text, section=text)])

    assert store.get_medicine(medicine.slug) == medicine
    assert store.get_page(medicine.slug) == page
    assert list(store.iter_pages()) == [(medicine, page)]
    assert store.revisions(medicine.slug)[0].author == f"contributor:{text}"
    assert store.revisions(medicine.slug)[0].message == text
    assert store.findings(medicine.slug) == [Finding(code="readability.grade", severity="info", message=text, section=text)]
    assert store.save_page(medicine.slug, store.get_page(medicine.slug), author="x:y", kind="fixed") == 1


@pytest.mark.parametrize("bad, what", [("nul\x00byte", "a NUL character"), ("lone \ud800 surrogate", "lone surrogate")])
def test_text_no_database_can_store_is_refused_naming_the_field(store: Store, bad: str, what: str) -> None:
    medicine = make_medicine("Aspirin 75mg")
    store.upsert_medicine(medicine)
    page = make_page(medicine)
    page.side_effects = SideEffects(items=[SideEffect(name="Nausea"), SideEffect(name="Rash", explanation=bad)])

    with pytest.raises(InputError, match=rf"aspirin-75mg: page side_effects\.items\[1\]\.explanation: .*{what}"):
        store.save_page(medicine.slug, page, author="model:m", kind="model")
    with pytest.raises(InputError, match=rf"medicine 'bad-1mg' title: .*{what}"):
        store.upsert_medicine(make_medicine(f"Bad {bad}", slug="bad-1mg"))
    with pytest.raises(InputError, match=rf"revision message .*{what}"):
        store.save_page(medicine.slug, make_page(medicine), author="model:m", kind="model", message=bad)
    with pytest.raises(InputError, match=rf"finding 1 message: .*{what}"):
        store.replace_findings(medicine.slug, [Finding(code="readability.grade", severity="info", message=bad)])
    assert store.counts() == {"medicines": 1, "pages": 0, "revisions": 0, "findings": 0, "raw_documents": 0}


_storable_text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=300)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=_storable_text.filter(str.strip),
    lead=_storable_text,
    extra=st.dictionaries(_storable_text, _storable_text),
)
def test_any_storable_text_round_trips(store: Store, title: str, lead: str, extra: dict[str, str]) -> None:
    slug = f"medicine-{next(_slugs)}"
    medicine = make_medicine(title, slug=slug, synonyms=[lead])
    store.upsert_medicine(medicine)
    page = make_page(medicine, usage=lead, front_matter=FrontMatter(title=title, extra=extra))
    store.save_page(slug, page, author="contributor:hypothesis", kind="contributor")
    assert store.get_medicine(slug) == medicine
    assert store.get_page(slug) == page
    assert store.save_page(slug, page, author="contributor:hypothesis", kind="contributor") == 1


_slugs = itertools.count()
