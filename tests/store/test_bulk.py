"""The store's batch methods for imports: current revision numbers of many pages, findings of many pages."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from store_samples import make_medicine, make_page

from medpages.errors import InputError
from medpages.model import Finding
from medpages.store import PageToSave, Store, StoreError
from medpages.store.bulk import SLUGS_PER_QUERY


def _finding(code: str, message: str = "noticed") -> Finding:
    return Finding(code=code, severity="warning", message=message)


def test_current_revision_numbers_of_many_pages_in_one_call(store: Store) -> None:
    first, second, bare = (make_medicine(title) for title in ("Aspirin 75mg", "Zinc 10mg", "Iron 5mg"))
    store.upsert_medicines([first, second, bare])
    store.save_page(first.slug, make_page(first), author="model:m", kind="model")
    for usage in ("One.", "Two.", "Three."):
        store.save_page(second.slug, make_page(second, usage=usage), author="model:m", kind="model")

    numbers = store.current_revision_numbers([first.slug, second.slug, bare.slug, "nobody"])

    assert numbers == {first.slug: 1, second.slug: 3}  # a medicine without a page, or none at all: absent
    assert numbers == {slug: len(store.revisions(slug)) for slug in (first.slug, second.slug)}
    assert store.current_revision_numbers([]) == {}


def test_current_revision_numbers_beyond_one_query(store: Store) -> None:
    medicines = [make_medicine(f"Medicine {number}") for number in range(SLUGS_PER_QUERY + 5)]
    store.upsert_medicines(medicines)
    store.save_pages(_saves(medicines[::2]))
    numbers = store.current_revision_numbers(medicine.slug for medicine in medicines)
    assert numbers == {medicine.slug: 1 for medicine in medicines[::2]}


def test_many_findings_replace_each_medicines_own_tied_to_its_current_revision(store: Store, raw_engine: Engine) -> None:
    aspirin, zinc, iron = (make_medicine(title) for title in ("Aspirin 75mg", "Zinc 10mg", "Iron 5mg"))
    store.upsert_medicines([aspirin, zinc, iron])
    store.save_page(aspirin.slug, make_page(aspirin), author="model:m", kind="model")
    store.save_page(aspirin.slug, make_page(aspirin, usage="Better."), author="model:m", kind="model")
    store.save_page(zinc.slug, make_page(zinc), author="model:m", kind="model")
    store.replace_findings(aspirin.slug, [_finding("parse.old")])
    store.replace_findings(iron.slug, [_finding("parse.iron")])

    store.replace_many_findings({aspirin.slug: [_finding("parse.one"), _finding("parse.two")], zinc.slug: [],
                                 iron.slug: [_finding("parse.no_page")]})

    assert [finding.code for finding in store.findings(aspirin.slug)] == ["parse.one", "parse.two"]
    assert store.findings(zinc.slug) == []
    assert [finding.code for finding in store.findings(iron.slug)] == ["parse.no_page"]
    with raw_engine.connect() as connection:
        tied = connection.execute(text(
            "SELECT f.code, r.number FROM findings f LEFT JOIN revisions r ON r.id = f.revision_id ORDER BY f.id"
        )).all()
    assert [tuple(row) for row in tied] == [("parse.one", 2), ("parse.two", 2), ("parse.no_page", None)]


def test_many_findings_write_nothing_when_one_medicine_is_missing_or_one_finding_unstorable(store: Store) -> None:
    aspirin = make_medicine("Aspirin 75mg")
    store.upsert_medicine(aspirin)
    store.replace_findings(aspirin.slug, [_finding("parse.kept")])
    with pytest.raises(StoreError, match="no medicine with slug 'missing'"):
        store.replace_many_findings({aspirin.slug: [_finding("parse.new")], "missing": [_finding("parse.x")]})
    with pytest.raises(InputError, match="aspirin-75mg: finding 2"):
        store.replace_many_findings({aspirin.slug: [_finding("parse.new"), _finding("parse.bad", "NUL \x00 here")]})
    assert [finding.code for finding in store.findings(aspirin.slug)] == ["parse.kept"]


def _saves(medicines: list) -> list[PageToSave]:
    return [PageToSave(medicine.slug, make_page(medicine), "model:m", "model") for medicine in medicines]


def test_many_medicines_read_by_slug(store: Store) -> None:
    medicines = [make_medicine(f"Medicine {number}", brands=[f"Brand{number}"]) for number in range(SLUGS_PER_QUERY + 3)]
    store.upsert_medicines(medicines)
    found = store.get_medicines([medicine.slug for medicine in medicines] + ["nobody"])
    assert found == {medicine.slug: medicine for medicine in medicines}
    assert store.get_medicines([]) == {}
