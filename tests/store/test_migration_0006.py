"""Migration 0006 (compact revisions): a database written before it upgrades with every revision's
JSON exactly as it was, and downgrades back to it."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import DateTime, Engine, bindparam, text

from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.model import Page
from medpages.publish.seed_writer import render_seed_markdown
from medpages.store import Store
from medpages.store.database import alembic_config, schema_revision

from store_samples import make_medicine, make_page

WHEN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def old_page_texts() -> dict[str, list[str]]:
    """Slug → the JSON of each of its revisions, as medpages wrote them before 0006."""
    paracetamol, ibuprofen = make_medicine("Paracetamol 500mg"), make_medicine("Ibuprofen 200mg")
    imported = parse_seed_markdown(render_seed_markdown(make_page(paracetamol, usage="Imported “once” 😀.")))
    drafted = make_page(paracetamol, usage="Drafted.")
    # Page JSON from before findings moved to their table: read back without them, kept as written.
    legacy = drafted.model_dump_json()[:-1] + ',"findings":[{"code":"x","severity":"info","message":"m"}]}'
    reimported = parse_seed_markdown(render_seed_markdown(make_page(paracetamol, usage="Imported again.")))
    return {
        paracetamol.slug: [imported.model_dump_json(), drafted.model_dump_json(), legacy,
                           reimported.model_dump_json()],
        ibuprofen.slug: [make_page(ibuprofen).model_dump_json()],
    }


def write_old_rows(engine: Engine, texts: dict[str, list[str]], *, stale_current: str) -> None:
    """Rows as the store wrote them at 0004: every revision whole, the current page again in `pages`;
    `stale_current`'s page row differs from its current revision (which the store never wrote)."""
    as_json = "CAST(:json AS JSON)" if engine.dialect.name == "postgresql" else ":json"
    timed = bindparam("at", type_=DateTime(timezone=True))
    revision_id = 0
    with engine.begin() as connection:
        for medicine_id, (slug, pages) in enumerate(texts.items(), start=1):
            connection.execute(text(
                "INSERT INTO medicines (id, slug, letter, title, medicine_json, medicine_digest, created_at, "
                f"updated_at) VALUES (:id, :slug, :letter, :title, {as_json}, 'd', :at, :at)").bindparams(timed),
                {"id": medicine_id, "slug": slug, "letter": slug[0], "title": slug, "at": WHEN,
                 "json": make_medicine(slug).model_dump_json()})
            for number, page_json in enumerate(pages, start=1):
                revision_id += 1
                connection.execute(text(
                    "INSERT INTO revisions (id, medicine_id, number, status, page_json, page_digest, "
                    "content_fingerprint, author, kind, message, created_at) VALUES (:id, :medicine_id, :number, "
                    f"'draft', {as_json}, :digest, 'f', 'model:m', 'model', '', :at)").bindparams(timed),
                    {"id": revision_id, "medicine_id": medicine_id, "number": number, "json": page_json,
                     "digest": hashlib.sha256(page_json.encode("utf-8")).hexdigest(), "at": WHEN})
            current = pages[-1] if slug != stale_current else make_page(make_medicine(slug), usage="Stale.").model_dump_json()
            connection.execute(text(
                "INSERT INTO pages (medicine_id, status, page_json, page_digest, content_fingerprint, "
                f"current_revision_id, created_at, updated_at) VALUES (:medicine_id, 'draft', {as_json}, :digest, "
                "'f', :revision_id, :at, :at)").bindparams(timed),
                {"medicine_id": medicine_id, "json": current, "revision_id": revision_id, "at": WHEN,
                 "digest": hashlib.sha256(current.encode("utf-8")).hexdigest()})
        if engine.dialect.name == "postgresql":  # ids were given: new rows continue after them
            connection.execute(text("SELECT setval(pg_get_serial_sequence('revisions', 'id'), :last)"),
                               {"last": revision_id})


def revision_texts(engine: Engine) -> dict[int, str]:
    """Revision id → its JSON, read from the compact tables with SQL alone."""
    with engine.connect() as connection:
        kept = {revision_id: zlib.decompress(page).decode("utf-8") for revision_id, page in connection.execute(
            text("SELECT revision_id, page_zlib FROM revision_pages"))}
        for revision_id, page_json, original in connection.execute(
                text("SELECT current_revision_id, CAST(page_json AS TEXT), original_zlib FROM pages")):
            if revision_id not in kept:
                kept[revision_id] = (page_json if original is None else
                                     f'{page_json[:-1]},"original":{zlib.decompress(original).decode("utf-8")}}}')
    return kept


def test_a_database_at_0004_upgrades_with_every_revision_exact(database_url: str, raw_engine: Engine) -> None:
    with raw_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0004")
    texts = old_page_texts()
    write_old_rows(raw_engine, texts, stale_current="ibuprofen-200mg")
    in_order = [page_json for pages in texts.values() for page_json in pages]

    with Store.open(database_url) as store:
        for slug, pages in texts.items():
            assert [r.number for r in store.revisions(slug)] == list(range(1, len(pages) + 1))
            for number, page_json in enumerate(pages, start=1):
                assert store.get_revision(slug, number) == Page.model_validate_json(page_json), (slug, number)
        assert store.get_page("paracetamol-500mg") == Page.model_validate_json(in_order[3])
        # The current page the store never wrote stays the current page; its revision keeps its own JSON.
        assert store.get_page("ibuprofen-200mg") == make_page(make_medicine("ibuprofen-200mg"), usage="Stale.")
        newer = make_page(make_medicine("ibuprofen-200mg"), usage="Newer.")
        assert store.save_page("ibuprofen-200mg", newer, author="model:m", kind="model") == 2
        assert store.get_revision("ibuprofen-200mg", 1) == Page.model_validate_json(texts["ibuprofen-200mg"][0])
        assert store.get_revision("ibuprofen-200mg", 2) == newer
    in_order.append(newer.model_dump_json())
    assert revision_texts(raw_engine) == dict(enumerate(in_order, start=1))
    with raw_engine.connect() as connection:
        kept = dict(connection.execute(text("SELECT revision_id, page_zlib FROM revision_pages")).all())
        moved = connection.execute(text("SELECT count(*) FROM pages WHERE original_zlib IS NOT NULL")).scalar()
    assert {revision_id: zlib.decompress(page).decode("utf-8") for revision_id, page in kept.items()} == {
        1: in_order[0], 2: in_order[1], 3: in_order[2], 5: in_order[4]}
    assert moved == 1  # the imported current page's original text, out of its JSON

    # Downgraded, every revision has its JSON and digest in `revisions` again, byte for byte.
    with raw_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0005")
    with raw_engine.connect() as connection:
        rows = connection.execute(text("SELECT CAST(page_json AS TEXT), page_digest FROM revisions ORDER BY id")).all()
        pages = list(connection.execute(text("SELECT CAST(page_json AS TEXT) FROM pages ORDER BY id")).scalars())
    assert [page_json for page_json, _ in rows] == in_order
    assert [digest for _, digest in rows] == [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in in_order]
    assert pages[0] == in_order[3]
    with Store.open(database_url) as store, store.engine.connect() as connection:
        assert schema_revision(connection) == "0006"
        assert store.get_revision("paracetamol-500mg", 1) == Page.model_validate_json(in_order[0])
