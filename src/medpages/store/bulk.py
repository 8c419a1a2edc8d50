"""Bulk writes for imports: many medicines and pages per transaction (issue 12).

`BulkStore` holds what an import of thousands of medicines or pages needs: medicines written with
one statement compiled once and run on plain rows (`upsert_medicine_rows`, under
`Store.upsert_medicines`), the current revision numbers of many pages in one query, and the
findings of many pages replaced in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import Table, Text, bindparam, delete, insert, select
from sqlalchemy import cast as cast_to
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker

from medpages.model import Finding, Medicine
from medpages.store.database import StoreError
from medpages.store.schema import (
    FindingRecord,
    MedicineRecord,
    PageRecord,
    RevisionRecord,
    utc_now,
)
from medpages.store.storable import require_storable

FINDINGS = cast(Table, FindingRecord.__table__)  # rows written through the table, as `Store` does
MEDICINES = cast(Table, MedicineRecord.__table__)
# Slugs per `IN (...)`: far below SQLite's bound of 32,766 parameters.
SLUGS_PER_QUERY = 1000
# Medicines per `executemany`: the rows of one batch are made (and serialised) before it runs.
MEDICINES_PER_STATEMENT = 2000
# A medicine row's columns, in the order of the statement's parameters; all but the slug and
# `created_at` are replaced when a medicine of the same slug is stored with other content.
MEDICINE_COLUMNS = ("slug", "letter", "title", "generic_name", "form", "medicine_json", "medicine_digest",
                    "created_at", "updated_at")
_REPLACED_COLUMNS = ("letter", "title", "generic_name", "form", "medicine_json", "medicine_digest", "updated_at")

_Item = TypeVar("_Item")


class BulkStore:
    """Mixed into `Store`: the batch methods imports use."""

    if TYPE_CHECKING:  # provided by `Store`
        _read_sessions: sessionmaker[Session]

        def _write_transaction(self, action: str) -> AbstractContextManager[Session]: ...

    def upsert_medicine_rows(self, rows: Iterable[dict[str, Any]], *, batch_size: int = MEDICINES_PER_STATEMENT) -> int:
        """`Store.upsert_medicines` for medicines already checked and serialised by `medicine_row` (an
        import makes them in its worker processes); returns how many were given.

        Inserts or updates by slug, all in one transaction, with one `INSERT … ON CONFLICT DO
        UPDATE` compiled once per database and run by the driver on plain rows (SQLAlchemy's per-row
        parameter handling cost more than the database's work): a medicine whose content did not
        change is left as it is (its `updated_at` too); when one slug comes twice the later wins; a
        row the database refuses raises and nothing is written.
        """
        given = 0
        with self._write_transaction("saving medicines") as session:
            connection = session.connection()
            upsert = _medicine_upsert(connection.dialect)
            for batch in in_batches(rows, batch_size):
                latest = {row["slug"]: row for row in batch}
                connection.exec_driver_sql(upsert.sql, upsert.parameters(latest.values(), utc_now()))
                given += len(batch)
        return given

    def current_revision_numbers(self, slugs: Iterable[str]) -> dict[str, int]:
        """Slug → the number of its page's current revision, for the slugs that have a page.

        One query per thousand slugs, where `revisions(slug)` would be one per page.
        """
        numbers: dict[str, int] = {}
        with self._read_sessions() as session, session.begin():
            for chunk in in_batches(set(slugs), SLUGS_PER_QUERY):
                statement = (
                    select(MedicineRecord.slug, RevisionRecord.number)
                    .join(PageRecord, PageRecord.medicine_id == MedicineRecord.id)
                    .join(RevisionRecord, RevisionRecord.id == PageRecord.current_revision_id)
                    .where(MedicineRecord.slug.in_(chunk))
                )
                numbers.update((slug, number) for slug, number in session.execute(statement))
        return numbers

    def get_medicines(self, slugs: Iterable[str]) -> dict[str, Medicine]:
        """Slug → its stored medicine, for the slugs that have one; one query per thousand slugs."""
        found: dict[str, Medicine] = {}
        with self._read_sessions() as session, session.begin():
            for chunk in in_batches(set(slugs), SLUGS_PER_QUERY):
                statement = (select(MedicineRecord.slug, cast_to(MedicineRecord.medicine_json, Text))
                             .where(MedicineRecord.slug.in_(chunk)))
                found.update((slug, Medicine.model_validate_json(document))
                             for slug, document in session.execute(statement))
        return found

    def replace_many_findings(self, findings: Mapping[str, Iterable[Finding]]) -> None:
        """`replace_findings` for many medicines (slug → its findings), all in one transaction.

        Each medicine's findings become exactly the given ones, tied to its current revision.
        A finding that cannot be stored, or a slug with no medicine, raises and nothing is written.
        """
        given = {slug: list(found) for slug, found in findings.items()}
        for slug, found in given.items():
            for index, finding in enumerate(found):
                require_storable(finding.model_dump(mode="json"), what=f"{slug}: finding {index + 1}")
        if not given:
            return
        with self._write_transaction(f"saving the findings of {len(given):,} pages") as session:
            for chunk in in_batches(list(given), SLUGS_PER_QUERY):
                pages = {
                    slug: (medicine_id, revision_id)
                    for slug, medicine_id, revision_id in session.execute(
                        select(MedicineRecord.slug, MedicineRecord.id, PageRecord.current_revision_id)
                        .outerjoin(PageRecord, PageRecord.medicine_id == MedicineRecord.id)
                        .where(MedicineRecord.slug.in_(chunk))
                    )
                }
                missing = sorted(set(chunk) - pages.keys())
                if missing:
                    raise StoreError(f"no medicine with slug {missing[0]!r}")
                session.execute(delete(FindingRecord).where(
                    FindingRecord.medicine_id.in_([medicine_id for medicine_id, _ in pages.values()])))
                now = utc_now()
                rows = [
                    {"medicine_id": pages[slug][0], "revision_id": pages[slug][1], "code": finding.code,
                     "severity": finding.severity, "section": finding.section, "message": finding.message,
                     "line": finding.line, "created_at": now}
                    for slug in chunk for finding in given[slug]
                ]
                if rows:
                    session.execute(insert(FINDINGS), rows)


def in_batches(items: Iterable[_Item], size: int) -> Iterator[list[_Item]]:
    """`items` in lists of `size` (the last shorter), read lazily: the store's writes and queries go
    a batch at a time."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(frozen=True)
class _CompiledUpsert:
    """The medicines' upsert as the driver runs it: its SQL, and how a row becomes its parameters."""

    sql: str
    order: tuple[str, ...] | None  # parameter names in order (`?` placeholders); None: by name
    bound_time: Callable[[datetime], Any]  # a time as the column's type hands it to the driver

    def parameters(self, rows: Iterable[dict[str, Any]], now: datetime) -> list[Any]:
        """The driver's parameters for rows of `medicine_row`, written at `now` (converted once, not per row)."""
        stamp = self.bound_time(now)
        if self.order is None:
            return [row | {"created_at": stamp, "updated_at": stamp} for row in rows]
        order = self.order
        return [tuple(stamp if name in ("created_at", "updated_at") else row[name] for name in order)
                for row in rows]


@lru_cache(maxsize=16)  # per engine's dialect: a few in a process
def _medicine_upsert(dialect: Dialect) -> _CompiledUpsert:
    insert_for = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect.name]
    statement = insert_for(MEDICINES).inline().values(
        {name: bindparam(name, type_=MEDICINES.c[name].type) for name in MEDICINE_COLUMNS})
    statement = statement.on_conflict_do_update(
        index_elements=[MEDICINES.c.slug],
        set_={name: statement.excluded[name] for name in _REPLACED_COLUMNS},
        where=MEDICINES.c.medicine_digest != statement.excluded.medicine_digest,
    )
    compiled = statement.compile(dialect=dialect)
    time_type = MEDICINES.c.updated_at.type.dialect_impl(dialect)
    processor = time_type.bind_processor(dialect) or (lambda value: value)
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return _CompiledUpsert(compiled.string, order, processor)
