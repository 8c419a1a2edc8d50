"""Pages and their history: every change a new revision, identical saves none, failures leave nothing half-written."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from medpages.errors import InputError
from medpages.model import Finding, Provenance
from medpages.store import PageToSave, RevisionRecord, Store, StoreError

from store_samples import make_medicine, make_page


@pytest.fixture
def medicine(store: Store):
    medicine = make_medicine("Paracetamol 500mg", generic_name="Paracetamol")
    store.upsert_medicine(medicine)
    return medicine


def test_each_change_is_a_new_numbered_revision(store: Store, medicine) -> None:
    drafts = [make_page(medicine, usage=f"Version {number}.") for number in range(1, 4)]
    assert store.save_page(medicine.slug, drafts[0], author="import:/site/p/paracetamol-500mg.md",
                           kind="imported") == 1
    assert store.save_page(medicine.slug, drafts[1], author="model:gemini-2.0-flash", kind="model",
                           message="drafted") == 2
    assert store.save_page(medicine.slug, drafts[2], author="contributor:Jane", kind="contributor") == 3

    assert store.get_page(medicine.slug) == drafts[2]
    assert [store.get_revision(medicine.slug, number) for number in (1, 2, 3)] == drafts
    history = store.revisions(medicine.slug)
    assert [(r.number, r.author, r.kind, r.message) for r in history] == [
        (1, "import:/site/p/paracetamol-500mg.md", "imported", ""),
        (2, "model:gemini-2.0-flash", "model", "drafted"),
        (3, "contributor:Jane", "contributor", ""),
    ]
    assert [r.content_fingerprint for r in history] == [page.content_fingerprint() for page in drafts]
    assert all(r.created_at.tzinfo is not None and r.created_at.utcoffset().total_seconds() == 0 for r in history)


def test_saving_an_identical_page_adds_no_revision(store: Store, medicine) -> None:
    page = make_page(medicine, provenance={
        "usage": Provenance(kind="model", by="gemini-2.0-flash", at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC)),
        "generic_name": Provenance(kind="imported"),
    })
    assert store.save_page(medicine.slug, page, author="model:gemini", kind="model") == 1
    assert store.save_page(medicine.slug, page.model_copy(deep=True), author="contributor:Bob",
                           kind="contributor") == 1
    read_back = store.get_page(medicine.slug)
    assert read_back == page
    assert store.save_page(medicine.slug, read_back, author="contributor:Bob", kind="contributor") == 1
    assert store.counts()["revisions"] == 1


def test_going_back_to_earlier_content_is_a_new_revision(store: Store, medicine) -> None:
    first, second = make_page(medicine, usage="One."), make_page(medicine, usage="Two.")
    for page in (first, second, first):
        store.save_page(medicine.slug, page, author="contributor:Jane", kind="contributor")
    assert [r.number for r in store.revisions(medicine.slug)] == [1, 2, 3]
    assert store.get_page(medicine.slug) == first


def test_status_changes_are_revisions_and_are_counted(store: Store, medicine) -> None:
    page = make_page(medicine)
    store.save_page(medicine.slug, page, author="model:m", kind="model")
    store.save_page(medicine.slug, page.model_copy(update={"status": "reviewed"}), author="contributor:Rev",
                    kind="contributor", message="reviewed")
    assert [r.status for r in store.revisions(medicine.slug)] == ["draft", "reviewed"]
    assert store.counts()["pages.reviewed"] == 1
    assert "pages.draft" not in store.counts()


def test_save_pages_writes_a_batch_with_repeats_and_identical_pages(store: Store) -> None:
    medicines = [make_medicine(f"Medicine {number}") for number in range(5)]
    store.upsert_medicines(medicines)
    first = make_page(medicines[0], usage="First.")
    saves = [PageToSave(m.slug, make_page(m), "import:/tree", "imported") for m in medicines[1:]]
    saves += [
        PageToSave(medicines[0].slug, first, "model:m", "model"),
        PageToSave(medicines[0].slug, first, "model:m", "model"),
        PageToSave(medicines[0].slug, make_page(medicines[0], usage="Second."), "contributor:J", "contributor"),
    ]
    assert store.save_pages(saves, batch_size=3) == [1, 1, 1, 1, 1, 1, 2]
    assert store.get_page(medicines[0].slug).usage.lead == "Second."
    assert store.counts()["pages"] == 5 and store.counts()["revisions"] == 6


def test_iter_pages_streams_every_medicine_with_its_page_or_none(store: Store) -> None:
    medicines = [make_medicine(f"Drug {letter}") for letter in "dcba"]
    store.upsert_medicines(medicines)
    store.save_page("drug-c", make_page(medicines[1]), author="model:m", kind="model")
    store.save_page("drug-a", make_page(medicines[3], status="published"), author="model:m", kind="model")

    listed = [(medicine.slug, page is not None) for medicine, page in store.iter_pages()]
    assert listed == [("drug-a", True), ("drug-b", False), ("drug-c", True), ("drug-d", False)]
    assert [m.slug for m, _ in store.iter_pages(statuses=["published"])] == ["drug-a"]
    assert store.content_fingerprints() == {
        "drug-a": make_page(medicines[3], status="published").content_fingerprint(),
        "drug-c": make_page(medicines[1]).content_fingerprint(),
    }


def test_a_paused_stream_does_not_block_writers(store: Store) -> None:
    store.upsert_medicines([make_medicine(f"Drug {number}") for number in range(3)])
    stream = store.iter_pages()
    medicine, _page = next(stream)
    store.save_page(medicine.slug, make_page(medicine), author="model:m", kind="model")
    assert [page for _medicine, page in stream] == [None, None]  # its snapshot predates the save
    assert store.counts()["pages"] == 1


def test_a_page_needs_its_medicine_and_a_proper_author(store: Store, medicine) -> None:
    page = make_page(medicine)
    with pytest.raises(StoreError, match="no medicine with slug 'missing'"):
        store.save_page("missing", page, author="model:m", kind="model")
    with pytest.raises(InputError, match="unknown author kind 'robot'"):
        store.save_page(medicine.slug, page, author="model:m", kind="robot")
    with pytest.raises(InputError, match="needs an author"):
        store.save_page(medicine.slug, page, author="  ", kind="model")
    assert store.counts()["revisions"] == 0


def test_a_batch_with_one_bad_page_writes_none_of_it(store: Store, medicine) -> None:
    saves = [PageToSave(medicine.slug, make_page(medicine), "model:m", "model"),
             PageToSave("missing", make_page(medicine), "model:m", "model")]
    with pytest.raises(StoreError, match="'missing'"):
        store.save_pages(saves)
    assert store.counts()["revisions"] == 0 and store.get_page(medicine.slug) is None


def test_a_save_failing_inside_its_transaction_leaves_the_previous_page_intact(
    store: Store, medicine, raw_engine: Engine
) -> None:
    before = make_page(medicine, usage="Before.")
    store.save_page(medicine.slug, before, author="model:m", kind="model")
    store.replace_findings(medicine.slug, [Finding(code="readability.long_sentence", severity="info", message="fine")])
    # A real failure inside the database, after the new revision row has been inserted.
    with raw_engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text(
                "CREATE TRIGGER refuse_page_update BEFORE UPDATE ON pages "
                "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"))
        else:
            connection.execute(text(
                "CREATE FUNCTION refuse_page_update() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$"))
            connection.execute(text(
                "CREATE TRIGGER refuse_page_update BEFORE UPDATE ON pages "
                "FOR EACH ROW EXECUTE FUNCTION refuse_page_update()"))

    with pytest.raises(StoreError, match="nothing was written.*disk on fire"):
        store.save_page(medicine.slug, make_page(medicine, usage="After."), author="model:m", kind="model")

    assert store.get_page(medicine.slug) == before
    assert [r.number for r in store.revisions(medicine.slug)] == [1]
    assert store.findings(medicine.slug) == [Finding(code="readability.long_sentence", severity="info", message="fine")]
    with raw_engine.begin() as connection:
        connection.execute(text("DROP TRIGGER refuse_page_update" + (
            "" if connection.dialect.name == "sqlite" else " ON pages")))
    assert store.save_page(medicine.slug, make_page(medicine, usage="After."), author="model:m", kind="model") == 2


def test_concurrent_saves_of_one_page_get_distinct_numbers(store: Store, medicine) -> None:
    failures: list[BaseException] = []

    def save_versions(writer: int) -> None:
        try:
            for version in range(8):
                store.save_page(medicine.slug, make_page(medicine, usage=f"Writer {writer}, version {version}."),
                                author=f"contributor:{writer}", kind="contributor")
        except BaseException as error:  # reported below, in the test's own thread
            failures.append(error)

    threads = [threading.Thread(target=save_versions, args=(writer,)) for writer in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [r.number for r in store.revisions(medicine.slug)] == list(range(1, 33))


# ---------------------------------------------------------------------- append-only history


def test_revisions_cannot_be_changed_or_deleted_with_sql(store: Store, medicine, raw_engine: Engine) -> None:
    store.save_page(medicine.slug, make_page(medicine), author="model:m", kind="model")
    statements = ["UPDATE revisions SET message = 'rewritten'", "DELETE FROM revisions"]
    if raw_engine.dialect.name == "postgresql":
        statements.append("TRUNCATE revisions CASCADE")
    for statement in statements:
        with pytest.raises(DatabaseError, match="append-only"), raw_engine.begin() as connection:
            connection.execute(text(statement))
    assert [(r.number, r.message) for r in store.revisions(medicine.slug)] == [(1, "")]


def test_revisions_cannot_be_changed_or_deleted_through_the_orm(store: Store, medicine) -> None:
    store.save_page(medicine.slug, make_page(medicine), author="model:m", kind="model")
    with Session(store.engine) as session:
        revision = session.query(RevisionRecord).one()
        revision.message = "rewritten"
        with pytest.raises(ValueError, match="append-only"):
            session.flush()
        session.rollback()
        session.delete(session.query(RevisionRecord).one())
        with pytest.raises(ValueError, match="append-only"):
            session.flush()


def test_pages_can_be_saved_while_streaming_the_medicines(store: Store) -> None:
    # More than one streamed chunk (STREAM_CHUNK_SIZE rows).
    store.upsert_medicines([make_medicine(f"Drug {number:03d}") for number in range(600)])
    for medicine, page in store.iter_pages():
        assert page is None
        store.save_page(medicine.slug, make_page(medicine), author="medpages:skeleton", kind="skeleton")
    assert store.counts()["pages"] == 600
