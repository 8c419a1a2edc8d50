"""`upsert_medicines`, written by the driver on plain rows (`BulkStore.upsert_medicine_rows`): the rows SQLAlchemy's
own insert writes, the checks and the result."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from medpages.errors import InputError
from medpages.model import Identifiers, Link, Strength
from medpages.store import Store
from medpages.store.bulk import MEDICINES_PER_STATEMENT

from store_samples import make_medicine

_COLUMNS = "slug, letter, title, generic_name, form, medicine_json, medicine_digest"


def _rows(raw_engine: Engine) -> list[tuple]:
    with raw_engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(f"SELECT {_COLUMNS} FROM medicines ORDER BY slug"))]


def _times(raw_engine: Engine, slug: str) -> tuple:
    with raw_engine.connect() as connection:
        return tuple(connection.execute(
            text("SELECT created_at, updated_at FROM medicines WHERE slug = :slug"), {"slug": slug}).one())


def _medicines() -> list:
    return [
        make_medicine("Amoxicillin 500mg Capsules", generic_name="Amoxicillin", form="capsule",
                      ingredients=["Amoxicillin"], strengths=[Strength(text="500mg", amount=500, unit="mg")],
                      identifiers=Identifiers(drugbank="DB01060"),
                      links=[Link(title="Amoxicillin", url="https://medlineplus.gov/druginfo/meds/a685001.html",
                                  publisher="MedlinePlus")]),
        make_medicine("Zinc 10mg"),
        make_medicine("Éphédrine 30mg", synonyms=["ephedrine", "ëphedrine"]),
    ]


def test_the_rows_are_those_sqlalchemy_writes(database_url: str) -> None:
    """Same columns, same JSON and digest, times stored in the same form (read back equal in kind) as
    the medicine rows through SQLAlchemy's own typed insert."""
    from sqlalchemy import create_engine, insert

    from medpages.store.bulk import MEDICINES
    from medpages.store.schema import utc_now
    from medpages.store.store import medicine_row

    with Store.open(database_url) as store:
        now = utc_now()
        with store.engine.begin() as connection:
            connection.execute(insert(MEDICINES), [medicine_row(medicine) | {"created_at": now, "updated_at": now}
                                                   for medicine in _medicines()])
        engine = create_engine(database_url)
        expected = _rows(engine)
        expected_times = _times(engine, "zinc-10mg")
        with store.engine.begin() as connection:
            connection.execute(text("DELETE FROM medicines"))
        assert store.upsert_medicines(_medicines()) == 3
        assert _rows(engine) == expected
        times = _times(engine, "zinc-10mg")
        assert [type(value) for value in times] == [type(value) for value in expected_times]
        if isinstance(times[0], str):  # SQLite: the text SQLAlchemy writes, `2026-01-02 03:04:05.678901`
            assert [len(value) for value in times] == [len(value) for value in expected_times]
        assert [store.get_medicine(medicine.slug) for medicine in _medicines()] == _medicines()
        engine.dispose()


def test_an_unchanged_medicine_keeps_its_time_and_a_changed_one_is_updated(store: Store, raw_engine: Engine) -> None:
    medicine = make_medicine()
    store.upsert_medicines([medicine])
    created, updated = _times(raw_engine, medicine.slug)
    store.upsert_medicines([medicine])
    assert _times(raw_engine, medicine.slug) == (created, updated)
    changed = medicine.model_copy(update={"form": "tablet", "generic_name": "Acetaminophen"})
    store.upsert_medicines([changed])
    assert _times(raw_engine, medicine.slug)[0] == created
    assert _times(raw_engine, medicine.slug)[1] != updated
    assert store.get_medicine(medicine.slug) == changed
    assert store.counts()["medicines"] == 1


def test_the_later_of_two_medicines_with_one_slug_wins(store: Store) -> None:
    first = make_medicine("Ibuprofen 200mg")
    second = first.model_copy(update={"form": "capsule"})
    assert store.upsert_medicines([first, make_medicine("Aspirin 75mg"), second]) == 3
    assert store.get_medicine(first.slug) == second
    assert store.counts()["medicines"] == 2


def test_many_medicines_over_several_statements(store: Store) -> None:
    medicines = [make_medicine(f"Medicine {number:05d}") for number in reversed(range(MEDICINES_PER_STATEMENT + 7))]
    assert store.upsert_medicines(iter(medicines)) == len(medicines)
    assert [medicine.slug for medicine in store.iter_medicines()] == sorted(medicine.slug for medicine in medicines)


def test_a_medicine_that_cannot_be_stored_stops_the_whole_upsert(store: Store) -> None:
    good = [make_medicine(f"Medicine {number}") for number in range(MEDICINES_PER_STATEMENT + 10)]
    bad = make_medicine("Broken 1mg", synonyms=["fine", "nul\x00here"])
    with pytest.raises(InputError, match=r"medicine 'broken-1mg' synonyms\[1\]: contains a NUL"):
        store.upsert_medicines([*good, bad])  # the bad one is in the second statement: the first is undone
    with pytest.raises(InputError, match="slug must have 1 to 255 characters, not 256"):
        store.upsert_medicines([make_medicine("Longer", slug="a" * 256)])
    assert store.counts()["medicines"] == 0


def test_a_list_imported_again_updates_its_medicines_and_names_a_bad_line_by_its_number(store: Store, tmp_path) -> None:
    """The import's path: the catalogue's batches into `upsert_medicines`, twice, with a bad line in the middle."""
    from medpages.catalog import import_catalog

    names = [f"Medicine {number} 5mg" for number in range(3000)]
    listed = tmp_path / "generics.txt"
    listed.write_bytes("\n".join(names[:1500]).encode() + b"\nBad\xff name\n" + "\n".join(names[1500:]).encode() + b"\n")
    first = import_catalog([listed], sink=store.upsert_medicines, batch_size=700)
    assert first.report.imported == 3000
    assert [(line.line, line.reason) for line in first.report.rejected] == [
        (1501, "not valid UTF-8 (byte 0xff at position 4); save the file as UTF-8")]
    assert store.counts()["medicines"] == 3000

    listed.write_bytes(listed.read_bytes().replace(b"Medicine 7 5mg\n", b"Medicine 7 5mg Tablets\n"))
    again = import_catalog([listed], sink=store.upsert_medicines, batch_size=700)
    assert again.report.imported == 3000 and [line.line for line in again.report.rejected] == [1501]
    assert store.counts()["medicines"] == 3001  # the renamed line is a medicine of its own; none twice
    assert store.get_medicine("medicine-7-5mg-tablets").form == "tablet"
    assert [medicine.title for medicine in store.iter_medicines()][:3] == ["Medicine 0 5mg", "Medicine 1 5mg",
                                                                          "Medicine 10 5mg"]
