"""Compact revisions: a page is stored once, not once in `pages` and again in `revisions`.

The current page stays in `pages` (without `Page.original`, the text it was parsed from, which
moves to `pages.original_zlib`, zlib-compressed); the page of a revision that is no longer
current moves, zlib-compressed, to the new append-only table `revision_pages`. `revisions`
loses `page_json` and `page_digest` (the digest of a page it no longer holds).

Every revision keeps its JSON exactly: a replaced one is compressed as it was stored; the
current one is the current page, and when its JSON in `pages` differs from its revision's
(which `Store` never writes) the revision's is kept in `revision_pages` too, which readers
prefer. A page's `original` moves out only when joining it back gives the stored text exactly.

To fill the new table, the append-only triggers of `revisions` are lifted for this migration's
transaction only (`page_json` is dropped, which SQLite does by rewriting the rows) and set again.
New triggers keep `pages` honest: its page changes only with its current revision, and only
after the replaced page was kept in `revision_pages`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ZLIB_LEVEL = 6
ROWS_PER_ROUND = 500

APPEND_ONLY_MESSAGE = "revisions are append-only: a revision is never updated or deleted"
PAGE_MESSAGE = "the current page is the page of its current revision: save a new revision to change it"
KEEP_MESSAGE = "the page a revision had is kept in revision_pages before the page moves on"

REVISION_TRIGGERS = {  # as migration 0001 made them
    "sqlite": [
        f"""CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
        f"""CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
    ],
    "postgresql": [
        """CREATE TRIGGER revisions_no_update_or_delete BEFORE UPDATE OR DELETE ON revisions
            FOR EACH ROW EXECUTE FUNCTION revisions_append_only()""",
        """CREATE TRIGGER revisions_no_truncate BEFORE TRUNCATE ON revisions
            FOR EACH STATEMENT EXECUTE FUNCTION revisions_append_only()""",
    ],
}
DROP_REVISION_TRIGGERS = {
    "sqlite": ["DROP TRIGGER revisions_no_update", "DROP TRIGGER revisions_no_delete"],
    "postgresql": ["DROP TRIGGER revisions_no_update_or_delete ON revisions",
                   "DROP TRIGGER revisions_no_truncate ON revisions"],
}
NEW_TRIGGERS = {
    "sqlite": [
        f"""CREATE TRIGGER revision_pages_no_update BEFORE UPDATE ON revision_pages
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
        f"""CREATE TRIGGER revision_pages_no_delete BEFORE DELETE ON revision_pages
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
        f"""CREATE TRIGGER pages_change_with_revision BEFORE UPDATE ON pages
            WHEN NEW.current_revision_id = OLD.current_revision_id
             AND (NEW.page_json IS NOT OLD.page_json OR NEW.original_zlib IS NOT OLD.original_zlib)
            BEGIN SELECT RAISE(ABORT, '{PAGE_MESSAGE}'); END""",
        f"""CREATE TRIGGER pages_keep_replaced BEFORE UPDATE ON pages
            WHEN NEW.current_revision_id IS NOT OLD.current_revision_id
             AND NOT EXISTS (SELECT 1 FROM revision_pages WHERE revision_id = OLD.current_revision_id)
            BEGIN SELECT RAISE(ABORT, '{KEEP_MESSAGE}'); END""",
        f"""CREATE TRIGGER pages_keep_deleted BEFORE DELETE ON pages
            WHEN NOT EXISTS (SELECT 1 FROM revision_pages WHERE revision_id = OLD.current_revision_id)
            BEGIN SELECT RAISE(ABORT, '{KEEP_MESSAGE}'); END""",
    ],
    "postgresql": [
        """CREATE TRIGGER revision_pages_no_update_or_delete BEFORE UPDATE OR DELETE ON revision_pages
            FOR EACH ROW EXECUTE FUNCTION revisions_append_only()""",
        """CREATE TRIGGER revision_pages_no_truncate BEFORE TRUNCATE ON revision_pages
            FOR EACH STATEMENT EXECUTE FUNCTION revisions_append_only()""",
        f"""CREATE FUNCTION pages_keep_revision_pages() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NEW.current_revision_id = OLD.current_revision_id THEN
                    IF NEW.page_json::text IS DISTINCT FROM OLD.page_json::text
                       OR NEW.original_zlib IS DISTINCT FROM OLD.original_zlib THEN
                        RAISE EXCEPTION '{PAGE_MESSAGE}';
                    END IF;
                ELSIF NOT EXISTS (SELECT 1 FROM revision_pages WHERE revision_id = OLD.current_revision_id) THEN
                    RAISE EXCEPTION '{KEEP_MESSAGE}';
                END IF;
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END $$""",
        """CREATE TRIGGER pages_keep_revision_pages BEFORE UPDATE OR DELETE ON pages
            FOR EACH ROW EXECUTE FUNCTION pages_keep_revision_pages()""",
    ],
}
DROP_NEW_TRIGGERS = {
    "sqlite": ["DROP TRIGGER revision_pages_no_update", "DROP TRIGGER revision_pages_no_delete",
               "DROP TRIGGER pages_change_with_revision", "DROP TRIGGER pages_keep_replaced",
               "DROP TRIGGER pages_keep_deleted"],
    "postgresql": ["DROP TRIGGER pages_keep_revision_pages ON pages", "DROP FUNCTION pages_keep_revision_pages()"],
}


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.create_table(
        "revision_pages",
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("page_zlib", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("revision_id", name="pk_revision_pages"),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"], name="fk_revision_pages_revision_id_revisions"),
    )
    op.add_column("pages", sa.Column("original_zlib", sa.LargeBinary(), nullable=True))
    _keep_revision_pages(bind)
    _move_originals(bind, dialect)
    for statement in DROP_REVISION_TRIGGERS.get(dialect, []):
        op.execute(statement)
    # ALTER TABLE ... DROP COLUMN on both databases (SQLite 3.35+), never a batch copy of the table.
    op.drop_column("revisions", "page_json")
    op.drop_column("revisions", "page_digest")
    for statement in REVISION_TRIGGERS.get(dialect, []) + NEW_TRIGGERS.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    for statement in DROP_NEW_TRIGGERS.get(dialect, []) + DROP_REVISION_TRIGGERS.get(dialect, []):
        op.execute(statement)
    op.add_column("revisions", sa.Column("page_json", sa.JSON(), nullable=True))
    op.add_column("revisions", sa.Column("page_digest", sa.String(64), nullable=True))
    _restore_revision_pages(bind, dialect)
    op.drop_column("pages", "original_zlib")
    op.drop_table("revision_pages")
    if dialect == "postgresql":
        op.alter_column("revisions", "page_json", nullable=False)
        op.alter_column("revisions", "page_digest", nullable=False)
    for statement in REVISION_TRIGGERS.get(dialect, []):
        op.execute(statement)


def _keep_revision_pages(bind: sa.Connection) -> None:
    """Every revision's JSON into `revision_pages`, compressed, unless it is the current page's."""
    last = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT r.id, CAST(r.page_json AS TEXT), CAST(p.page_json AS TEXT) FROM revisions r "
            "LEFT JOIN pages p ON p.current_revision_id = r.id WHERE r.id > :last ORDER BY r.id LIMIT :limit"
        ), {"last": last, "limit": ROWS_PER_ROUND}).all()
        if not rows:
            return
        kept = [{"revision_id": revision_id, "page_zlib": zlib.compress(own.encode("utf-8"), ZLIB_LEVEL)}
                for revision_id, own, current in rows if own != current]
        if kept:
            bind.execute(sa.text("INSERT INTO revision_pages (revision_id, page_zlib) VALUES (:revision_id, :page_zlib)")
                         .bindparams(sa.bindparam("page_zlib", type_=sa.LargeBinary())), kept)
        last = rows[-1][0]


def _move_originals(bind: sa.Connection, dialect: str) -> None:
    """Each current page's `original` out of its JSON into `original_zlib`, when that is exact."""
    as_json = "CAST(:page_json AS JSON)" if dialect == "postgresql" else ":page_json"
    update = sa.text(f"UPDATE pages SET page_json = {as_json}, original_zlib = :original_zlib WHERE id = :id") \
        .bindparams(sa.bindparam("original_zlib", type_=sa.LargeBinary()))
    last = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, CAST(page_json AS TEXT) FROM pages WHERE id > :last ORDER BY id LIMIT :limit"
        ), {"last": last, "limit": ROWS_PER_ROUND}).all()
        if not rows:
            return
        moved = [values for page_id, text in rows if (values := _split_original(page_id, text)) is not None]
        if moved:
            bind.execute(update, moved)
        last = rows[-1][0]


def _split_original(page_id: int, text: str) -> dict[str, Any] | None:
    document = json.loads(text)
    if not isinstance(document, dict) or list(document)[-1:] != ["original"] or document["original"] is None:
        return None
    original = _dumps(document.pop("original"))
    rest = _dumps(document)
    if f'{rest[:-1]},"original":{original}}}' != text:
        return None  # written some other way: it stays whole, which is exact too
    return {"id": page_id, "page_json": rest, "original_zlib": zlib.compress(original.encode("utf-8"), ZLIB_LEVEL)}


def _restore_revision_pages(bind: sa.Connection, dialect: str) -> None:
    """The downgrade: each revision's JSON and digest back into `revisions`, `original` back into pages."""
    as_json = "CAST(:page_json AS JSON)" if dialect == "postgresql" else ":page_json"
    last = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT r.id, k.page_zlib, CAST(p.page_json AS TEXT), p.original_zlib FROM revisions r "
            "LEFT JOIN revision_pages k ON k.revision_id = r.id LEFT JOIN pages p ON p.current_revision_id = r.id "
            "WHERE r.id > :last ORDER BY r.id LIMIT :limit"
        ).columns(sa.column("id"), sa.column("page_zlib", sa.LargeBinary()), sa.column("page_json"),
                  sa.column("original_zlib", sa.LargeBinary())),
            {"last": last, "limit": ROWS_PER_ROUND}).all()
        if not rows:
            break
        values = []
        for revision_id, kept, current, original in rows:
            if kept is not None:
                text = zlib.decompress(kept).decode("utf-8")
            elif original is not None:
                text = f'{current[:-1]},"original":{zlib.decompress(original).decode("utf-8")}}}'
            else:
                text = current
            values.append({"id": revision_id, "page_json": text,
                           "page_digest": hashlib.sha256(text.encode("utf-8")).hexdigest()})
        bind.execute(sa.text(f"UPDATE revisions SET page_json = {as_json}, page_digest = :page_digest WHERE id = :id"),
                     values)
        last = rows[-1][0]
    bind.execute(sa.text(
        "UPDATE pages SET page_json = (SELECT r.page_json FROM revisions r WHERE r.id = pages.current_revision_id) "
        "WHERE original_zlib IS NOT NULL"
    ))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
