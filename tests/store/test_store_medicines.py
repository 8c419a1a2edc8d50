"""Medicines: upsert by slug, one or many at a time, read back whole and in slug order."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from medpages.errors import InputError
from medpages.model import Identifiers, Strength
from medpages.store import Store

from store_samples import make_medicine


def updated_at(raw_engine: Engine, slug: str):
    with raw_engine.connect() as connection:
        return connection.execute(text("SELECT updated_at FROM medicines WHERE slug = :slug"), {"slug": slug}).scalar()


def test_upsert_inserts_then_updates_the_medicine_with_the_same_slug(store: Store) -> None:
    medicine = make_medicine("Amoxicillin 500mg", ingredients=["amoxicillin"])
    first_id = store.upsert_medicine(medicine)
    changed = medicine.model_copy(update={
        "generic_name": "Amoxicillin",
        "strengths": [Strength(text="500mg", amount=500, unit="mg")],
        "identifiers": Identifiers(rxcui="723"),
    })
    assert store.upsert_medicine(changed) == first_id
    assert store.get_medicine(medicine.slug) == changed
    assert store.counts()["medicines"] == 1


def test_an_unchanged_medicine_is_not_rewritten(store: Store, raw_engine: Engine) -> None:
    medicine = make_medicine()
    store.upsert_medicine(medicine)
    before = updated_at(raw_engine, medicine.slug)
    store.upsert_medicine(medicine)
    assert updated_at(raw_engine, medicine.slug) == before
    store.upsert_medicine(medicine.model_copy(update={"form": "tablet"}))
    assert updated_at(raw_engine, medicine.slug) != before


def test_many_medicines_across_batches_come_back_in_slug_order(store: Store) -> None:
    medicines = [make_medicine(f"Medicine {number:04d}") for number in reversed(range(1200))]
    assert store.upsert_medicines(medicines, batch_size=500) == 1200
    slugs = [medicine.slug for medicine in store.iter_medicines()]
    assert slugs == sorted(medicine.slug for medicine in medicines)
    assert store.counts()["medicines"] == 1200


def test_the_later_of_two_medicines_with_one_slug_wins(store: Store) -> None:
    first = make_medicine("Ibuprofen 200mg")
    second = first.model_copy(update={"form": "capsule"})
    store.upsert_medicines([first, make_medicine("Aspirin 75mg"), second])
    assert store.get_medicine(first.slug) == second
    assert store.counts()["medicines"] == 2


def test_a_medicine_that_cannot_be_stored_stops_the_whole_upsert(store: Store) -> None:
    good = [make_medicine(f"Medicine {number}") for number in range(10)]
    bad = make_medicine("Broken 1mg", synonyms=["fine", "nul\x00here"])
    with pytest.raises(InputError, match=r"medicine 'broken-1mg' synonyms\[1\]: contains a NUL"):
        store.upsert_medicines([*good, bad])
    assert store.counts()["medicines"] == 0


def test_an_unknown_slug_reads_as_none(store: Store) -> None:
    assert store.get_medicine("nothing-here") is None
    assert store.get_page("nothing-here") is None
    assert store.revisions("nothing-here") == []


def test_slugs_and_letters_are_bounded_the_same_on_every_database(store: Store) -> None:
    store.upsert_medicine(make_medicine("Long", slug="a" * 255))
    with pytest.raises(InputError, match="slug must have 1 to 255 characters, not 256"):
        store.upsert_medicine(make_medicine("Longer", slug="a" * 256))
    with pytest.raises(InputError, match="slug must have 1 to 255 characters, not 0"):
        store.upsert_medicine(make_medicine("Nothing").model_copy(update={"slug": ""}))
    with pytest.raises(InputError, match="letter must have 1 to 8 characters"):
        store.upsert_medicine(make_medicine("Odd").model_copy(update={"letter": "abcdefghi"}))
    assert store.counts()["medicines"] == 1
