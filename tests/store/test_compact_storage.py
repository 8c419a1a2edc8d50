"""A page is stored once: the current one in `pages`, each replaced one compressed in `revision_pages`;
every revision still reads back exactly as it was saved, and nothing can change one behind the store's back."""

from __future__ import annotations

import hashlib
import zlib

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.model import Medicine, Page, Provenance, TextSection
from medpages.publish.seed_writer import render_seed_markdown
from medpages.store import PageToSave, Store, StoreError
from medpages.store.schema import RevisionPageRecord

from store_samples import make_medicine, make_page


@pytest.fixture
def medicine(store: Store) -> Medicine:
    medicine = make_medicine("Paracetamol 500mg", generic_name="Paracetamol")
    store.upsert_medicine(medicine)
    return medicine


def imported_page(medicine: Medicine, usage: str) -> Page:
    """A page as `medpages import` stores it: parsed from Markdown, with the text it came from."""
    page = parse_seed_markdown(render_seed_markdown(make_page(medicine, usage=usage)) + "\n")
    assert page.original is not None
    return page


def test_every_revision_of_a_long_history_reads_back_exactly(store: Store, medicine: Medicine) -> None:
    saved: list[Page] = []

    def save(page: Page, **fields) -> None:
        saved.append(page)
        store.save_page(medicine.slug, page, **{"author": "model:m", "kind": "model", **fields})

    for number in range(1, 13):  # imported pages (with their original text) and drafted ones, alternating
        save(imported_page(medicine, f"Imported {number} — “quoted” 😀.") if number % 3 == 0
             else make_page(medicine, usage=f"Version {number}.",
                            provenance={"usage": Provenance(kind="model", by=f"m{number}")}))
    # Several revisions of one page in one batch: the earlier ones are never a current page.
    batch = [make_page(medicine, usage=f"Batched {number}.") for number in range(3)] + [
        imported_page(medicine, "Batched, imported.")]
    assert store.save_pages(PageToSave(medicine.slug, page, "model:m", "model") for page in batch) == [13, 14, 15, 16]
    saved += batch
    # Compare-and-swap saves (the review desk's), one of an unchanged page.
    store.save_revision(medicine.slug, saved[-1], expected_revision=16, author="contributor:J", kind="contributor",
                        message="same page again")
    saved.append(saved[-1])
    reviewed = make_page(medicine, usage="Reviewed.", status="reviewed")
    store.save_revision(medicine.slug, reviewed, expected_revision=17, author="reviewer:R", kind="fixed",
                        message="reviewed")
    saved.append(reviewed)
    save(imported_page(medicine, "After the review."))

    assert [r.number for r in store.revisions(medicine.slug)] == list(range(1, len(saved) + 1))
    for number, page in enumerate(saved, start=1):
        back = store.get_revision(medicine.slug, number)
        assert back == page, number
        assert back is not None and back.model_dump_json() == page.model_dump_json(), number
    assert store.get_page(medicine.slug) == saved[-1]
    assert store.stable_revision(medicine.slug) == (18, reviewed)
    assert [page for _, page in store.iter_pages()] == [saved[-1]]
    assert store.get_revision(medicine.slug, len(saved) + 1) is None


def test_a_page_is_stored_once(store: Store, medicine: Medicine, raw_engine: Engine) -> None:
    pages = [imported_page(medicine, f"Version {number}.") for number in range(1, 4)]
    for page in pages:
        store.save_page(medicine.slug, page, author="import:p.md", kind="imported")
    with raw_engine.connect() as connection:
        current_id, page_json, original = connection.execute(
            text("SELECT current_revision_id, CAST(page_json AS TEXT), original_zlib FROM pages")).one()
        kept = dict(connection.execute(text("SELECT revision_id, page_zlib FROM revision_pages")).all())
        revision_ids = list(connection.execute(text("SELECT id FROM revisions ORDER BY number")).scalars())
    # The current page once, its original text apart and compressed; the replaced ones compressed.
    assert sorted(kept) == revision_ids[:2] and current_id == revision_ids[2]
    assert "Version 3." in page_json and '"original"' not in page_json
    assert zlib.decompress(original).decode("utf-8") == pages[2].original.model_dump_json()
    for revision_id, page in zip(revision_ids[:2], pages, strict=False):
        assert zlib.decompress(kept[revision_id]).decode("utf-8") == page.model_dump_json()
    # Saving the same page again is recognised without reading it (the digest of the whole page).
    assert store.save_page(medicine.slug, pages[2], author="import:p.md", kind="imported") == 3


def test_the_current_page_cannot_change_without_a_new_revision(store: Store, medicine: Medicine,
                                                               raw_engine: Engine) -> None:
    first, second = make_page(medicine, usage="First."), make_page(medicine, usage="Second.")
    store.save_page(medicine.slug, first, author="model:m", kind="model")
    store.save_page(medicine.slug, second, author="model:m", kind="model")
    with raw_engine.connect() as connection:
        _first_id, second_id = connection.execute(text("SELECT id FROM revisions ORDER BY number")).scalars()
    with raw_engine.begin() as connection:  # a new revision row, made current without keeping the page it replaces
        connection.execute(text(
            "INSERT INTO revisions (medicine_id, number, status, content_fingerprint, author, kind, message, "
            "created_at) SELECT medicine_id, 3, status, content_fingerprint, author, kind, '', created_at "
            "FROM revisions WHERE id = :id"), {"id": second_id})
    statements = [
        "UPDATE pages SET page_json = '{\"title\": \"rewritten\"}'" if raw_engine.dialect.name == "sqlite"
        else "UPDATE pages SET page_json = CAST('{\"title\": \"rewritten\"}' AS JSON)",
        "UPDATE pages SET original_zlib = page_digest",
        "UPDATE pages SET current_revision_id = (SELECT MAX(id) FROM revisions)",
        "DELETE FROM pages",
        "UPDATE revision_pages SET page_zlib = page_zlib",
        "DELETE FROM revision_pages",
    ]
    if raw_engine.dialect.name == "postgresql":
        statements[1] = "UPDATE pages SET original_zlib = CAST('x' AS BYTEA)"
        statements.append("TRUNCATE revision_pages")
    for statement in statements:
        with pytest.raises(DatabaseError, match="current revision|kept in revision_pages|append-only"), \
                raw_engine.begin() as connection:
            connection.execute(text(statement))
    assert store.get_revision(medicine.slug, 1) == first
    assert store.get_revision(medicine.slug, 2) == store.get_page(medicine.slug) == second
    # Moving on is allowed once the page is kept: what the store itself does.
    with raw_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO revision_pages (revision_id, page_zlib) VALUES (:id, :page)"),
            {"id": second_id, "page": zlib.compress(second.model_dump_json().encode("utf-8"))})
        connection.execute(text("UPDATE pages SET current_revision_id = (SELECT MAX(id) FROM revisions)"))
    assert store.get_revision(medicine.slug, 2) == second
    assert store.get_revision(medicine.slug, 1) == first


def test_kept_pages_cannot_be_changed_through_the_orm(store: Store, medicine: Medicine) -> None:
    for usage in ("First.", "Second."):
        store.save_page(medicine.slug, make_page(medicine, usage=usage), author="model:m", kind="model")
    with Session(store.engine) as session:
        kept = session.query(RevisionPageRecord).one()
        kept.page_zlib = b"rewritten"
        with pytest.raises(ValueError, match="append-only"):
            session.flush()
        session.rollback()
        session.delete(session.query(RevisionPageRecord).one())
        with pytest.raises(ValueError, match="append-only"):
            session.flush()


def test_a_damaged_kept_page_is_named_when_read(tmp_path) -> None:
    with Store.open(tmp_path / "store.sqlite") as store:
        medicine = make_medicine()
        store.upsert_medicine(medicine)
        for usage in ("First.", "Second."):
            store.save_page(medicine.slug, make_page(medicine, usage=usage), author="model:m", kind="model")
        with store.engine.begin() as connection:  # what a broken disk or a hand-edited file could do
            connection.exec_driver_sql("DROP TRIGGER revision_pages_no_update")
            connection.exec_driver_sql("UPDATE revision_pages SET page_zlib = x'00ff'")
        with pytest.raises(StoreError, match="paracetamol-500mg: revision 1: its stored page is damaged"):
            store.get_revision(medicine.slug, 1)
        assert store.get_revision(medicine.slug, 2) == make_page(medicine, usage="Second.")


def test_the_digest_is_of_the_whole_page(store: Store, medicine: Medicine, raw_engine: Engine) -> None:
    page = imported_page(medicine, "Whole.")
    store.save_page(medicine.slug, page, author="import:p.md", kind="imported")
    with raw_engine.connect() as connection:
        digest = connection.execute(text("SELECT page_digest FROM pages")).scalar_one()
    assert digest == hashlib.sha256(page.model_dump_json().encode("utf-8")).hexdigest()
    changed = page.model_copy(update={"usage": TextSection(lead="Changed.")})
    assert store.save_page(medicine.slug, changed, author="model:m", kind="model") == 2


def test_pages_can_be_read_without_their_original_text(store: Store, medicine: Medicine) -> None:
    page = imported_page(medicine, "Imported.")
    store.save_page(medicine.slug, page, author="import:p.md", kind="imported")
    assert [read for _, read in store.iter_pages()] == [page]
    assert [read for _, read in store.iter_pages(with_original=False)] == [page.model_copy(update={"original": None})]
