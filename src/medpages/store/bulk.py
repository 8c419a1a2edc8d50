"""Bulk writes for imports: many medicines and pages per transaction (issue 12).

`BulkStore` holds what an import of thousands of pages needs beyond `Store.upsert_medicines`
and `Store.save_pages`: the current revision numbers of many pages in one query, and the
findings of many pages replaced in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from itertools import islice
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, Text, delete, insert, select
from sqlalchemy import cast as cast_to
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
# Slugs per `IN (...)`: far below SQLite's bound of 32,766 parameters.
SLUGS_PER_QUERY = 1000


class BulkStore:
    """Mixed into `Store`: the batch methods imports use."""

    if TYPE_CHECKING:  # provided by `Store`
        _read_sessions: sessionmaker[Session]

        def _write_transaction(self, action: str) -> AbstractContextManager[Session]: ...

    def current_revision_numbers(self, slugs: Iterable[str]) -> dict[str, int]:
        """Slug → the number of its page's current revision, for the slugs that have a page.

        One query per thousand slugs, where `revisions(slug)` would be one per page.
        """
        numbers: dict[str, int] = {}
        with self._read_sessions() as session, session.begin():
            for chunk in _chunks(set(slugs), SLUGS_PER_QUERY):
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
            for chunk in _chunks(set(slugs), SLUGS_PER_QUERY):
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
            for chunk in _chunks(list(given), SLUGS_PER_QUERY):
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


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
