"""Backups: `Store.dump` writes every row as JSON lines and `Store.restore` brings them back exactly,
across SQLite and PostgreSQL; a bad file is refused by line number with nothing written."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from medpages.errors import InputError
from medpages.store.database import newest_schema_revision
from medpages.model import Finding
from medpages.model.facts import Fact, LabelFacts, LabelSource
from medpages.model.label import LabelSection
from medpages.store import NewSuggestion, Store
from medpages.store.builds import BuiltPage
from medpages.store.schema import Base

from postgres_schema import postgres_schema
from store_samples import make_medicine, make_page

NOW = datetime(2026, 12, 2, 9, 0, 0, 123456, tzinfo=UTC)
RAW_CONTENT = b"\x00\xff\xfe not UTF-8 \r\n" + bytes(range(256))


@pytest.fixture(params=["sqlite", "postgresql"])
def target_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A second, empty database to restore into (its own PostgreSQL schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    with postgres_schema("a restore", prefix="medpages_restore") as url:
        yield url


def fill(store: Store) -> None:
    """A row in every table, with bytes, dates, times and text that are easy to get wrong."""
    medicine = make_medicine("Paracetamol 500mg", generic_name="paracetamol")
    other = make_medicine("Ibuprofen 200mg")
    store.upsert_medicines([medicine, other])
    store.save_page(medicine.slug, make_page(medicine), author="import:seed.md", kind="imported")
    store.save_page(medicine.slug, make_page(medicine, usage="Relieves “pain” — 😀 and fever."),
                    author="model:m", kind="model")
    store.replace_findings(medicine.slug, [Finding(code="structure.x", severity="warning", message="m", line=3)])
    store.keep_raw("bad.md", RAW_CONTENT, "line 1: not YAML")
    store.add_labels([LabelFacts(
        source=LabelSource(kind="spl", set_id="0000aaaa-0000-4000-8000-000000000001", version=3,
                           effective_date=date(2021, 2, 3), title="label", publisher="test",
                           url="https://example.invalid/label"),
        ingredients=["paracetamol", "caffeine"],
        indications=[Fact(section="indications", text="Pain.")],
        sections=[LabelSection(key="indications", code="34067-9", heading="1 INDICATIONS", text="Pain.")],
    )])
    store.claim_medicine(other.slug, "host:1:abc")
    rita = store.add_user("Rita", "reviewer", "$argon2id$v=19$...")
    jane = store.add_user("Jane", "contributor", "hash")
    store.set_disabled(jane.id)
    store.create_session("session-digest", rita.id, "csrf", NOW + timedelta(days=3650))
    store.add_api_token("token-digest", rita.id, "script")
    store.take_rate("suggest:c0ffee", 5, 60, NOW)
    accepted = store.add_suggestion(NewSuggestion(
        slug=medicine.slug, section="usage", base_revision=2, text="Relieves mild pain.", reason="plainer",
        author_name="Jane", author_email="jane@example.org", user_id=jane.id, client_key="c0ffee"))
    store.add_suggestion(NewSuggestion(slug=other.slug, section="extra:1", base_revision=0, text="New.",
                                       reason="", client_key="beef"))
    store.accept_suggestion(accepted.id, make_page(medicine, usage="Relieves mild pain."), expected_revision=2,
                            reviewer_id=rita.id, author="contributor:Jane", message="suggestion")
    store.save_revision(medicine.slug, make_page(medicine, usage="Relieves mild pain.", status="reviewed"),
                        expected_revision=3, author="reviewer:Rita", kind="fixed", message="reviewed",
                        review_by=rita.id, review_note="ok")
    source = next(source for source in store.build_sources() if source.medicine.slug == medicine.slug)
    store.save_build("site", out_dir="/srv/site", render_version="r1", stamp="s1", pages=[BuiltPage(
        source.medicine_id, medicine.slug, source.medicine_digest, source.current_revision_id, 4, "current", "r1",
        {"files": ["p/paracetamol-500mg/index.html"]})])


def dumped(store: Store) -> bytes:
    out = io.BytesIO()
    store.dump(out)
    return out.getvalue()


def test_a_dump_restores_every_row_exactly(store: Store, target_url: str) -> None:
    fill(store)
    backup = dumped(store)
    header = json.loads(backup.splitlines()[0])
    assert header == {"medpages_backup": 1, "schema": newest_schema_revision()}

    with Store.open(target_url) as target:
        counts = target.restore(io.BytesIO(backup))
        assert set(counts) == {table.name for table in Base.metadata.sorted_tables}
        assert all(counts[table.name] > 0 for table in Base.metadata.sorted_tables)
        for table in Base.metadata.sorted_tables:
            assert list(target.iter_table_rows(table.name)) == list(store.iter_table_rows(table.name)), table.name
        [raw] = target.raw_documents()
        assert raw.content == RAW_CONTENT
        [session_row] = target.iter_table_rows("user_sessions")
        assert session_row["expires_at"] == NOW + timedelta(days=3650)
        assert target.reviews("paracetamol-500mg") == store.reviews("paracetamol-500mg")
        assert target.stable_revision("paracetamol-500mg") == store.stable_revision("paracetamol-500mg")
        # New rows get new ids after the restored ones (PostgreSQL's sequences were moved on).
        newest = max(row["id"] for row in target.iter_table_rows("users"))
        assert target.add_user("Newcomer", "contributor", "hash").id > newest
        assert target.save_revision("paracetamol-500mg", make_page(make_medicine()), expected_revision=4,
                                    author="contributor:x", kind="contributor", message="") == 5
        # The new user, the new revision, and the page of the revision it replaced, kept compressed.
        assert dumped(target).count(b"\n") == backup.count(b"\n") + 3


def test_restoring_into_a_store_with_data_is_refused(store: Store) -> None:
    fill(store)
    backup = dumped(store)
    with pytest.raises(InputError, match="only into an empty database"):
        store.restore(io.BytesIO(backup))


@pytest.mark.parametrize("bad_line, message", [
    (b"{not json", "not JSON"),
    (b'{"table": "nonsense", "row": {}}', "unknown table 'nonsense'"),
    (b'{"table": "users", "row": {"id": 1}}', "users: missing column"),
    (b'{"table": "users", "row": {"id": 1, "name": "a", "name_key": "a", "role": "admin", "password_hash": "h",'
     b' "disabled": false, "created_at": "2026-01-01T00:00:00", "colour": "red"}}', "unknown column 'colour'"),
    (b'{"table": "users", "row": {"id": 1, "name": "a", "name_key": "a", "role": "admin", "password_hash": "h",'
     b' "disabled": false, "created_at": "2026-01-01T00:00:00"}}', "users.created_at: a time without a time zone"),
])
def test_a_bad_line_is_named_and_nothing_is_written(
    store: Store, tmp_path, bad_line: bytes, message: str
) -> None:
    fill(store)
    lines = dumped(store).splitlines()
    number = len(lines) // 2
    lines.insert(number - 1, bad_line)
    with Store.open(tmp_path / "target.sqlite") as target:
        with pytest.raises(InputError, match=f"line {number}: .*{message}"):
            target.restore(io.BytesIO(b"\n".join(lines) + b"\n"))
        assert target.counts()["medicines"] == 0
        assert all(not list(target.iter_table_rows(table.name)) for table in Base.metadata.sorted_tables)


def test_a_file_that_is_not_a_backup_is_refused_at_line_one(tmp_path) -> None:
    with Store.open(tmp_path / "target.sqlite") as target:
        for content in (b"", b"[]\n", b'{"medpages_backup": 2}\n'):
            with pytest.raises(InputError, match="line 1: not a medpages backup"):
                target.restore(io.BytesIO(content))
        with pytest.raises(InputError, match="line 1: the backup has schema '0001'"):
            target.restore(io.BytesIO(b'{"medpages_backup": 1, "schema": "0001"}\n'))


def test_a_backup_from_before_compact_revisions_says_how_to_bring_it_over(tmp_path) -> None:
    """A backup made at schema 0004 has `revisions.page_json`, which 0006 moved: it is refused whole,
    with the way to bring it over (restore it with its own medpages, open it with this one)."""
    row = {"id": 1, "medicine_id": 1, "number": 1, "status": "draft", "page_json": {"title": "x"},
           "page_digest": "d", "content_fingerprint": "f", "author": "model:m", "kind": "model", "message": "",
           "created_at": "2026-01-01T00:00:00+00:00", "base_revision": None}
    backup = (json.dumps({"medpages_backup": 1, "schema": "0004"}) + "\n"
              + json.dumps({"table": "revisions", "row": row}) + "\n").encode()
    with Store.open(tmp_path / "target.sqlite") as target:
        with pytest.raises(InputError, match="schema '0004', this database '0006'; restore it into a new database "
                                             "with the medpages version that wrote it, then open that database"):
            target.restore(io.BytesIO(backup))
        assert target.counts()["revisions"] == 0
