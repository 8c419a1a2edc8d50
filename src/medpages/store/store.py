"""The store: medicines, their pages and every revision, check findings and unparsed files.

`Store` is the only way the rest of medpages reads or writes the database. Each write is one
transaction: it happens whole or not at all.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple, Self, cast, get_args

from pydantic import TypeAdapter
from pydantic_core import PydanticSerializationError
from sqlalchemy import (
    Engine,
    LargeBinary,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy import cast as cast_to
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from medpages.errors import InputError
from medpages.model import AuthorKind, Finding, Medicine, Page
from medpages.model.facts import LabelFacts
from medpages.model.label import LabelSection
from medpages.store.builds import BuildStore
from medpages.store.bulk import MEDICINES_PER_STATEMENT, BulkStore, in_batches
from medpages.store.community import CommunityStore
from medpages.store.database import (
    StoreError,
    create_store_engine,
    describe_error,
    describe_url,
    upgrade_schema,
    writer,
)
from medpages.store.schema import (
    MAX_INGREDIENT_LENGTH,
    MAX_LETTER_LENGTH,
    MAX_SET_ID_LENGTH,
    MAX_SLUG_LENGTH,
    DraftClaimRecord,
    FindingRecord,
    LabelIngredientRecord,
    LabelRecord,
    MedicineRecord,
    PageRecord,
    RawDocumentRecord,
    RevisionPageRecord,
    RevisionRecord,
    utc_now,
)
from medpages.store.storable import (
    SerializedJSON,
    raw_bytes,
    require_storable,
    serialize_model,
    storable_label,
    unstorable_reason,
)


AUTHOR_KINDS: tuple[str, ...] = get_args(AuthorKind)
# Writes in bulk go through the tables (SQLAlchemy Core): the ORM's per-row bookkeeping
# would cost more than the database does.
MEDICINES = cast(Table, MedicineRecord.__table__)
PAGES = cast(Table, PageRecord.__table__)
REVISIONS = cast(Table, RevisionRecord.__table__)
REVISION_PAGES = cast(Table, RevisionPageRecord.__table__)
FINDINGS = cast(Table, FindingRecord.__table__)
LABELS = cast(Table, LabelRecord.__table__)
CLAIMS = cast(Table, DraftClaimRecord.__table__)
LABEL_INGREDIENTS = cast(Table, LabelIngredientRecord.__table__)
# Pages per transaction (their slugs go into one `IN (...)`, which SQLite bounds at 32,766
# parameters); medicines go `MEDICINES_PER_STATEMENT` at a time (store/bulk.py).
PAGE_BATCH_SIZE = 500
# Rows fetched at a time while streaming medicines and pages.
STREAM_CHUNK_SIZE = 500
# A page's original text and a replaced revision's page are kept zlib-compressed. Level 1: on a
# seed page it writes 7 % more bytes than the default level 6 in two thirds of the time, and an
# import compresses every page's original text.
ZLIB_LEVEL = 1
# Labels per transaction when many are added (a label with its sections is 10 KB to 1 MB).
LABEL_BATCH_SIZE = 200
_SECTIONS = TypeAdapter(list[LabelSection])
# Within one set id, an SPL document outranks the openFDA copy of the same version.
_KIND_RANK = {"openfda": 0, "spl": 1}

LabelStatus = Literal["new", "replaced", "unchanged", "older", "refused"]


@dataclass(frozen=True)
class PageToSave:
    """One page for `Store.save_pages`; the fields are those of `Store.save_page`."""

    slug: str
    page: Page
    author: str
    kind: str
    message: str = ""


@dataclass(frozen=True)
class RevisionSummary:
    """One entry of a page's history, without the page itself (see `Store.get_revision`)."""

    number: int
    status: str
    author: str
    kind: str
    message: str
    content_fingerprint: str
    created_at: datetime


@dataclass(frozen=True)
class RawDocument:
    """A file kept because it could not be parsed."""

    id: int
    path: str
    content: bytes
    error: str
    created_at: datetime

    @property
    def text(self) -> str:
        """The content as text; bytes that are not UTF-8 show as U+FFFD."""
        return self.content.decode("utf-8", "replace")


@dataclass(frozen=True)
class LabelOutcome:
    """What `Store.add_labels` did with one label.

    `new`: its set id was not stored; `replaced`: it took the place of the stored label of its
    set id (a newer version, the SPL document over openFDA's copy of the same version, or the
    same version read again with other facts); `unchanged`: the same label was stored;
    `older`: a newer version of the set id is stored, so it was not; `refused`: it cannot be
    stored (`reason` says why) and nothing of it was written.
    """

    set_id: str
    status: LabelStatus
    reason: str = ""

    @property
    def stored(self) -> bool:
        return self.status in ("new", "replaced")


class _CurrentPage(NamedTuple):
    page_id: int | None
    page_digest: str
    revision_number: int


class Store(CommunityStore, BuildStore, BulkStore):
    """A medpages database, SQLite or PostgreSQL, opened at the newest schema."""

    def __init__(self, engine: Engine) -> None:
        """Use `Store.open`, which also creates or upgrades the schema."""
        self.engine = engine
        self._read_sessions = sessionmaker(engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(writer(engine), expire_on_commit=False)

    @classmethod
    def open(cls, url: str | URL | Path) -> Self:
        """Open the database at `url` (a path means a SQLite file), creating or upgrading its schema."""
        if isinstance(url, Path):
            url = URL.create("sqlite", database=str(url))
        engine = create_store_engine(url)
        try:
            upgrade_schema(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({describe_url(self.engine.url)!r})"

    @contextmanager
    def _write_transaction(self, action: str) -> Iterator[Session]:
        """A session in one write transaction: committed at the end, rolled back on any error."""
        try:
            with self._write_sessions() as session, session.begin():
                yield session
        except DBAPIError as error:
            raise StoreError(
                f"{action}: the database refused it, nothing was written ({describe_error(error)})"
            ) from error

    # ------------------------------------------------------------------ medicines

    def upsert_medicine(self, medicine: Medicine) -> int:
        """Insert the medicine, or update the one with its slug; returns its id."""
        self.upsert_medicines([medicine])
        with self._read_sessions() as session:
            return session.scalars(select(MedicineRecord.id).where(MedicineRecord.slug == medicine.slug)).one()

    def upsert_medicines(self, medicines: Iterable[Medicine], *, batch_size: int = MEDICINES_PER_STATEMENT) -> int:
        """Insert or update many medicines by slug, all in one transaction; returns how many were given.

        A medicine whose content did not change is left as it is (its `updated_at` too). When
        one slug comes twice, the later medicine wins. A medicine that cannot be stored
        raises InputError and nothing is written.
        """
        return self.upsert_medicine_rows((medicine_row(medicine) for medicine in medicines), batch_size=batch_size)

    def get_medicine(self, slug: str) -> Medicine | None:
        with self._read_sessions() as session:
            document = session.scalars(
                select(_as_text(MedicineRecord.medicine_json)).where(MedicineRecord.slug == slug)
            ).one_or_none()
        return None if document is None else Medicine.model_validate_json(document)

    def iter_medicines(self) -> Iterator[Medicine]:
        """Every medicine in slug order, read in chunks from one consistent snapshot."""
        statement = select(_as_text(MedicineRecord.medicine_json)).order_by(MedicineRecord.slug)
        with self._read_sessions() as session, session.begin():
            for document in session.scalars(statement.execution_options(yield_per=STREAM_CHUNK_SIZE)):
                yield Medicine.model_validate_json(document)

    def medicines(self, *, offset: int = 0, limit: int = 50) -> list[Medicine]:
        """One page of the catalogue, in slug order (the API's paging)."""
        statement = (select(_as_text(MedicineRecord.medicine_json)).order_by(MedicineRecord.slug)
                     .offset(offset).limit(limit))
        with self._read_sessions() as session:
            return [Medicine.model_validate_json(document) for document in session.scalars(statement)]

    def change_marker(self) -> tuple[object, ...]:
        """What changes whenever a medicine or a page is added, changed or removed: counts and newest
        times. Caches of what is derived from the catalogue (the app's search) compare it."""
        with self._read_sessions() as session, session.begin():
            medicines = session.execute(select(func.count(), func.max(MedicineRecord.updated_at))).one()
            pages = session.execute(select(func.count(), func.max(PageRecord.updated_at))).one()
        return (*medicines, *pages)

    def medicines_without_generic(self) -> list[Medicine]:
        """The medicines whose names resolved to no generic name (`medpages names`), in slug order."""
        statement = (select(_as_text(MedicineRecord.medicine_json))
                     .where(MedicineRecord.generic_name.is_(None)).order_by(MedicineRecord.slug))
        with self._read_sessions() as session:
            return [Medicine.model_validate_json(document) for document in session.scalars(statement)]

    # ------------------------------------------------------------------ pages

    def save_page(self, slug: str, page: Page, *, author: str, kind: str, message: str = "") -> int:
        """Make `page` the current page of the medicine `slug`; returns its revision number.

        Each change is a new revision (1, 2, …); saving a page identical to the current one
        (the same JSON) adds none and returns the current number. `author` says who wrote it
        (`import:/path/file.md`, `model:gemini-2.0-flash`, `contributor:Jane`), `kind` is an
        AuthorKind (`imported`, `model`, `reference`, `contributor`, `skeleton`, `fixed`).
        """
        return self.save_pages([PageToSave(slug, page, author, kind, message)])[0]

    def save_pages(self, saves: Iterable[PageToSave], *, batch_size: int = PAGE_BATCH_SIZE) -> list[int]:
        """Save many pages as `save_page` does, `batch_size` per transaction; returns their revision numbers.

        Each batch is written whole or not at all; batches before a failing one stay written.
        """
        return self.save_prepared_pages((prepare_page(save) for save in saves), batch_size=batch_size)

    def save_prepared_pages(self, saves: Iterable[PreparedPage], *, batch_size: int = PAGE_BATCH_SIZE) -> list[int]:
        """`save_pages` for pages already checked and serialised by `prepare_page` (an import
        prepares them in its worker processes); returns their revision numbers."""
        numbers: list[int] = []
        for prepared in in_batches(saves, batch_size):
            action = (f"saving the page of {prepared[0].slug!r}" if len(prepared) == 1
                      else f"saving {len(prepared)} pages, {prepared[0].slug!r} to {prepared[-1].slug!r}")
            with self._write_transaction(action) as session:
                numbers.extend(_save_batch(session, prepared))
        return numbers

    def _append_revision(self, session: Session, slug: str, page: Page, *, author: str, kind: str, message: str,
                         base_revision: int | None) -> int:
        """Add `page` as a new revision in the caller's transaction, even when it is unchanged;
        for `CommunityStore`'s compare-and-swap saves, which have checked the current number."""
        prepared = prepare_page(PageToSave(slug, page, author, kind, message))._replace(base_revision=base_revision)
        return _save_batch(session, [prepared], always_new=True)[0]

    def get_page(self, slug: str) -> Page | None:
        statement = (
            select(_as_text(PageRecord.page_json), PageRecord.original_zlib)
            .join(MedicineRecord, PageRecord.medicine_id == MedicineRecord.id)
            .where(MedicineRecord.slug == slug)
        )
        with self._read_sessions() as session:
            row = session.execute(statement).one_or_none()
        return None if row is None else Page.model_validate_json(_whole_page_json(*row, what=slug))

    def iter_pages(self, *, statuses: Iterable[str] | None = None,
                   with_original: bool = True) -> Iterator[tuple[Medicine, Page | None]]:
        """Every medicine with its current page (None when it has none), in slug order, streamed.

        With `statuses`, only medicines whose page has one of them. Without `with_original`, each
        page's `original` (the text it was parsed from, which only writing the page back as
        Markdown needs) is left out: nothing is decompressed and less JSON is parsed.
        """
        original = PageRecord.original_zlib if with_original else literal(None, LargeBinary)
        statement = (
            select(_as_text(MedicineRecord.medicine_json), _as_text(PageRecord.page_json), original)
            .outerjoin(PageRecord, PageRecord.medicine_id == MedicineRecord.id)
            .order_by(MedicineRecord.slug)
        )
        if statuses is not None:
            statement = statement.where(PageRecord.status.in_(list(statuses)))
        with self._read_sessions() as session, session.begin():
            for medicine_json, page_json, original in session.execute(
                statement.execution_options(yield_per=STREAM_CHUNK_SIZE)
            ):
                medicine = Medicine.model_validate_json(medicine_json)
                page = (None if page_json is None
                        else Page.model_validate_json(_whole_page_json(page_json, original, what=medicine.slug)))
                yield medicine, page

    def stored_digests(self, slugs: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """Slug → (its medicine's digest, its current page's digest or None), for the slugs stored.

        What an import compares with a file it read before (see `stages.importing`): one query
        per `STREAM_CHUNK_SIZE` slugs."""
        found: dict[str, tuple[str, str | None]] = {}
        with self._read_sessions() as session, session.begin():
            for chunk in in_batches(set(slugs), STREAM_CHUNK_SIZE):
                statement = (
                    select(MedicineRecord.slug, MedicineRecord.medicine_digest, PageRecord.page_digest)
                    .outerjoin(PageRecord, PageRecord.medicine_id == MedicineRecord.id)
                    .where(MedicineRecord.slug.in_(chunk))
                )
                found.update((slug, (medicine, page)) for slug, medicine, page in session.execute(statement))
        return found

    def content_fingerprints(self) -> dict[str, str]:
        """Slug → `Page.content_fingerprint()` of its current page, for incremental builds."""
        statement = select(MedicineRecord.slug, PageRecord.content_fingerprint).join(
            PageRecord, PageRecord.medicine_id == MedicineRecord.id
        )
        with self._read_sessions() as session:
            return {slug: fingerprint for slug, fingerprint in session.execute(statement)}

    def revisions(self, slug: str) -> list[RevisionSummary]:
        """The page's history, oldest first; empty when the medicine has no page."""
        statement = (
            select(RevisionRecord.number, RevisionRecord.status, RevisionRecord.author, RevisionRecord.kind,
                   RevisionRecord.message, RevisionRecord.content_fingerprint, RevisionRecord.created_at)
            .join(MedicineRecord, RevisionRecord.medicine_id == MedicineRecord.id)
            .where(MedicineRecord.slug == slug)
            .order_by(RevisionRecord.number)
        )
        with self._read_sessions() as session:
            return [RevisionSummary(*row) for row in session.execute(statement)]

    def get_revision(self, slug: str, number: int) -> Page | None:
        """The page as it was at revision `number`, exactly as it was saved."""
        document = self._revision_json(slug, number)
        return None if document is None else Page.model_validate_json(document)

    def _revision_json(self, slug: str, number: int) -> str | None:
        """The JSON of revision `number` as it was saved: kept in `revision_pages` once it was
        replaced, the current page while it is current."""
        statement = (
            select(RevisionPageRecord.page_zlib, _as_text(PageRecord.page_json), PageRecord.original_zlib)
            .select_from(RevisionRecord)
            .join(MedicineRecord, RevisionRecord.medicine_id == MedicineRecord.id)
            .outerjoin(RevisionPageRecord, RevisionPageRecord.revision_id == RevisionRecord.id)
            # By medicine_id, which is indexed: the current page when this revision is its revision.
            .outerjoin(PageRecord, (PageRecord.medicine_id == RevisionRecord.medicine_id)
                       & (PageRecord.current_revision_id == RevisionRecord.id))
            .where(MedicineRecord.slug == slug, RevisionRecord.number == number)
        )
        with self._read_sessions() as session:
            row = session.execute(statement).one_or_none()
        if row is None:
            return None
        kept, page_json, original = row
        what = f"{slug}: revision {number}"
        if kept is not None:
            return _decompressed(kept, what=what)
        if page_json is None:
            raise StoreError(f"{what}: its page is missing from the database (neither current nor kept)")
        return _whole_page_json(page_json, original, what=what)

    # ------------------------------------------------------------------ findings

    def replace_findings(self, slug: str, findings: Iterable[Finding]) -> None:
        """Make `findings` the medicine's findings, tied to its current revision; the old ones go.

        The findings table is the one place findings live (a `Page` carries none): `import`
        stores the seed reader's, `generate` and `check` the checks' (see docs/checks.md).
        """
        findings = list(findings)
        for index, finding in enumerate(findings):
            require_storable(finding.model_dump(mode="json"), what=f"{slug}: finding {index + 1}")
        with self._write_transaction(f"saving the findings of {slug!r}") as session:
            medicine_id = _medicine_id(session, slug)
            revision_id = session.scalars(
                select(PageRecord.current_revision_id).where(PageRecord.medicine_id == medicine_id)
            ).one_or_none()
            session.execute(delete(FindingRecord).where(FindingRecord.medicine_id == medicine_id))
            if findings:
                now = utc_now()
                session.execute(
                    insert(FINDINGS),
                    [
                        {"medicine_id": medicine_id, "revision_id": revision_id, "code": finding.code,
                         "severity": finding.severity, "section": finding.section, "message": finding.message,
                         "line": finding.line, "created_at": now}
                        for finding in findings
                    ],
                )

    def findings(self, slug: str) -> list[Finding]:
        """The medicine's findings, in the order they were stored (see `replace_findings`)."""
        statement = (
            select(FindingRecord.code, FindingRecord.severity, FindingRecord.message, FindingRecord.section,
                   FindingRecord.line)
            .join(MedicineRecord, FindingRecord.medicine_id == MedicineRecord.id)
            .where(MedicineRecord.slug == slug)
            .order_by(FindingRecord.id)
        )
        with self._read_sessions() as session:
            return [Finding.model_validate(row._asdict()) for row in session.execute(statement)]

    # ------------------------------------------------------------------ raw documents

    def keep_raw(self, path: str | Path, content: str | bytes, error: str) -> int:
        """Keep a file that could not be parsed, byte for byte; returns its id.

        Keeping the same content from the same path again returns the first one's id.
        NUL characters and undecodable bytes in the content are kept; in `path` and
        `error` they are escaped (`\\x00`), since those are text columns.
        """
        data = raw_bytes(content)
        digest = _sha256(data)
        path_text = storable_label(str(path))
        with self._write_transaction(f"keeping {path_text}") as session:
            existing = session.scalars(
                select(RawDocumentRecord.id).where(
                    RawDocumentRecord.path == path_text, RawDocumentRecord.content_digest == digest
                )
            ).first()
            if existing is not None:
                return existing
            record = RawDocumentRecord(
                path=path_text, content=data, content_digest=digest, error=storable_label(error),
                created_at=utc_now(),
            )
            session.add(record)
            session.flush()
            return record.id

    def raw_documents(self) -> list[RawDocument]:
        statement = select(
            RawDocumentRecord.id, RawDocumentRecord.path, RawDocumentRecord.content, RawDocumentRecord.error,
            RawDocumentRecord.created_at,
        ).order_by(RawDocumentRecord.id)
        with self._read_sessions() as session:
            return [RawDocument(*row) for row in session.execute(statement)]

    # ------------------------------------------------------------------ reference labels

    def add_label(self, facts: LabelFacts) -> bool:
        """Store one label's facts; True when it is new or replaced the stored one (see `add_labels`).

        Raises InputError when the label cannot be stored.
        """
        outcome = self.add_labels([facts])[0]
        if outcome.status == "refused":
            raise InputError(f"label {facts.source.set_id}: {outcome.reason}")
        return outcome.stored

    def add_labels(self, labels: Iterable[LabelFacts], *, batch_size: int = LABEL_BATCH_SIZE) -> list[LabelOutcome]:
        """Store many labels, `batch_size` per transaction; one outcome per label, in order.

        A set id keeps one label: the newest version wins (then the later effective date, then
        SPL over openFDA). A label that cannot be stored is refused alone; the others are written.
        """
        outcomes: list[LabelOutcome] = []
        for batch in in_batches(labels, batch_size):
            prepared: list[_PreparedLabel] = []
            refused: dict[int, LabelOutcome] = {}
            for index, facts in enumerate(batch):
                try:
                    prepared.append(_prepare_label(facts))
                except InputError as error:
                    refused[index] = LabelOutcome(facts.source.set_id, "refused", str(error))
            written: Iterator[LabelOutcome] = iter(())
            if prepared:
                with self._write_transaction(f"saving {len(prepared)} labels") as session:
                    written = iter(_add_label_batch(session, prepared))
            outcomes += [refused[index] if index in refused else next(written) for index in range(len(batch))]
        return outcomes

    def labels_for(self, ingredients: Iterable[str], *, with_sections: bool = False) -> list[LabelFacts]:
        """The labels for exactly these ingredients, most recent first (effective date, then version).

        The names are canonical, as labels' are stored (`medpages.sources.canonical_ingredients`
        gives them: `Paracetamol` becomes `acetaminophen`); only case and spacing are evened out
        here. A combination's labels need all of its ingredients, and a label for a combination
        is not one for any of its ingredients alone. Sections are read only `with_sections`.
        """
        names = sorted({" ".join(name.split()).lower() for name in ingredients} - {""})
        if not names:
            return []
        matching = (
            select(LabelIngredientRecord.label_id)
            .where(LabelIngredientRecord.ingredient.in_(names))
            .group_by(LabelIngredientRecord.label_id)
            .having(func.count() == len(names))
        )
        columns = [_as_text(LabelRecord.facts_json)]
        if with_sections:
            columns.append(_as_text(LabelRecord.sections_json))
        statement = (
            select(*columns)
            .where(LabelRecord.id.in_(matching), LabelRecord.ingredient_count == len(names))
            .order_by(LabelRecord.effective_date.desc().nulls_last(), LabelRecord.version.desc().nulls_last(),
                      LabelRecord.id.desc())
        )
        with self._read_sessions() as session:
            return [_label_from_row(row) for row in session.execute(statement)]

    def best_label(self, ingredients: Iterable[str], *, with_sections: bool = False) -> LabelFacts | None:
        """The most recent label for exactly these ingredients (see `labels_for`), or None."""
        labels = self.labels_for(ingredients, with_sections=with_sections)
        return labels[0] if labels else None

    def get_label(self, set_id: str, *, with_sections: bool = True) -> LabelFacts | None:
        columns = [_as_text(LabelRecord.facts_json)]
        if with_sections:
            columns.append(_as_text(LabelRecord.sections_json))
        with self._read_sessions() as session:
            row = session.execute(select(*columns).where(LabelRecord.set_id == set_id)).one_or_none()
        return None if row is None else _label_from_row(row)

    def label_counts(self) -> dict[str, int]:
        """Labels stored (`labels`), per source kind (`labels.spl`, `labels.openfda`), and ingredients indexed."""
        with self._read_sessions() as session, session.begin():
            counts = {"labels": session.scalar(select(func.count()).select_from(LabelRecord)) or 0}
            for kind, count in session.execute(
                select(LabelRecord.source_kind, func.count()).group_by(LabelRecord.source_kind)
                .order_by(LabelRecord.source_kind)
            ):
                counts[f"labels.{kind}"] = count
            counts["ingredients"] = session.scalar(
                select(func.count(func.distinct(LabelIngredientRecord.ingredient)))
            ) or 0
        return counts

    # ------------------------------------------------------------------ drafting claims

    def claim_medicine(self, slug: str, worker: str, *, lease_seconds: float = 900.0) -> bool:
        """Claim the medicine `slug` for `worker` for `lease_seconds`; False when another worker holds it.

        One statement (INSERT … ON CONFLICT DO UPDATE … WHERE the claim ran out or is ours),
        atomic on PostgreSQL and SQLite alike: of several processes claiming one medicine,
        exactly one gets it. A claim is released when its page is stored, or runs out when
        its process died.
        """
        now = utc_now()
        with self._write_transaction(f"claiming {slug!r}") as session:
            medicine_id = _medicine_id(session, slug)
            claim = _insert_for(session)(CLAIMS).values(
                medicine_id=medicine_id, worker=worker, claimed_at=now,
                expires_at=now + timedelta(seconds=lease_seconds))
            claim = claim.on_conflict_do_update(
                index_elements=[CLAIMS.c.medicine_id],
                set_={"worker": claim.excluded.worker, "claimed_at": claim.excluded.claimed_at,
                      "expires_at": claim.excluded.expires_at},
                where=(CLAIMS.c.expires_at < now) | (CLAIMS.c.worker == worker),
            ).returning(CLAIMS.c.medicine_id)
            return session.execute(claim).first() is not None

    def release_claim(self, slug: str, worker: str) -> None:
        """Give up `worker`'s claim on `slug` (nothing happens if it holds none)."""
        with self._write_transaction(f"releasing {slug!r}") as session:
            medicine_id = _medicine_id(session, slug)
            session.execute(delete(CLAIMS).where(CLAIMS.c.medicine_id == medicine_id, CLAIMS.c.worker == worker))

    def claim_workers(self) -> list[str]:
        """The workers holding claims, expired or not."""
        with self._read_sessions() as session:
            return list(session.scalars(select(CLAIMS.c.worker).distinct().order_by(CLAIMS.c.worker)))

    def release_worker_claims(self, worker: str) -> int:
        """Drop every claim of `worker` (a process known to be dead); returns how many."""
        with self._write_transaction(f"releasing the claims of {worker!r}") as session:
            return session.execute(delete(CLAIMS).where(CLAIMS.c.worker == worker)).rowcount or 0

    # ------------------------------------------------------------------ overview

    def counts(self) -> dict[str, int]:
        """Rows per table, and pages per status as `pages.<status>`."""
        tables = {
            "medicines": MedicineRecord, "pages": PageRecord, "revisions": RevisionRecord,
            "findings": FindingRecord, "raw_documents": RawDocumentRecord,
        }
        with self._read_sessions() as session, session.begin():
            counts = {name: session.scalar(select(func.count()).select_from(record)) or 0
                      for name, record in tables.items()}
            for status, count in session.execute(
                select(PageRecord.status, func.count()).group_by(PageRecord.status).order_by(PageRecord.status)
            ):
                counts[f"pages.{status}"] = count
        return counts


# ---------------------------------------------------------------------- writing pages


class PreparedPage(NamedTuple):
    """A page checked and serialised for `Store.save_prepared_pages`: plain text and bytes, which
    cross to another process cheaply."""

    slug: str
    page_json: SerializedJSON  # without `Page.original`, which is in `original_zlib`
    original_zlib: bytes | None
    page_digest: str  # of the whole page's JSON
    content_fingerprint: str
    status: str
    author: str
    kind: str
    message: str
    base_revision: int | None = None


def prepare_page(save: PageToSave, *, content_fingerprint: str | None = None) -> PreparedPage:
    """Check and serialise a page before its transaction starts.

    `content_fingerprint`: the page's `content_fingerprint()` when the caller has it already (a
    page just read, whose reader computed it for `Page.original`); computed here otherwise.
    """
    if save.kind not in AUTHOR_KINDS:
        raise InputError(f"{save.slug}: unknown author kind {save.kind!r}; use one of {', '.join(AUTHOR_KINDS)}")
    if not save.author.strip():
        raise InputError(f"{save.slug}: a revision needs an author (e.g. contributor:Jane)")
    for what, value in (("author", save.author), ("message", save.message)):
        problem = unstorable_reason(value)
        if problem:
            raise InputError(f"{save.slug}: revision {what} {problem}")
    page_json, original, page_digest = _serialize_page(save.page, what=f"{save.slug}: page")
    return PreparedPage(
        save.slug, page_json, None if original is None else _compressed(original), page_digest,
        content_fingerprint or save.page.content_fingerprint(), save.page.status, save.author, save.kind,
        save.message,
    )


_WITHOUT_ORIGINAL = frozenset({"original"})


def _serialize_page(page: Page, *, what: str) -> tuple[SerializedJSON, str | None, str]:
    """The page's JSON without `original` (its last field), `original`'s JSON, and the SHA-256 of the
    whole page's JSON (`serialize_model`'s): `_whole_page_json` joins the two into exactly that.

    Each part is serialised once: `original`, the text the page was read from, is most of an
    imported page's bytes. Raises InputError, naming `what` and the field, as `serialize_model`."""
    try:
        rest = page.model_dump_json(exclude=_WITHOUT_ORIGINAL)
        original = None if page.original is None else page.original.model_dump_json()
    except PydanticSerializationError:  # a lone surrogate: the walk names the field
        require_storable(page.model_dump(mode="json"), what=what)
        raise
    if "\\u0000" in rest or (original is not None and "\\u0000" in original):
        require_storable(page.model_dump(mode="json"), what=what)  # a NUL, or a literal backslash: the walk decides
    whole = f'{rest[:-1]},"original":{"null" if original is None else original}}}'
    digest = hashlib.sha256(whole.encode("utf-8")).hexdigest()
    if original is None:
        return SerializedJSON(whole), None, digest
    return SerializedJSON(rest), original, digest


def _whole_page_json(page_json: str, original_zlib: bytes | None, *, what: str) -> str:
    """A stored page's JSON as it was saved (see `_split_original`)."""
    if original_zlib is None:
        return page_json
    return f'{page_json[:-1]},"original":{_decompressed(original_zlib, what=what)}}}'


def _compressed(document: str) -> bytes:
    return zlib.compress(document.encode("utf-8"), ZLIB_LEVEL)


def _decompressed(data: bytes, *, what: str) -> str:
    try:
        return zlib.decompress(data).decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as error:
        raise StoreError(f"{what}: its stored page is damaged and cannot be read ({error})") from None


def _save_batch(session: Session, saves: list[PreparedPage], *, always_new: bool = False) -> list[int]:
    """Write the pages in the caller's transaction; a page identical to the current one adds no
    revision unless `always_new` (a compare-and-swap save promises its caller a new number)."""
    slugs = {save.slug for save in saves}
    medicine_ids: dict[str, int] = {
        slug: medicine_id
        for slug, medicine_id in session.execute(
            # FOR UPDATE makes concurrent writers of one page wait for each other on PostgreSQL
            # (SQLite has one writer at a time anyway); ordered by id so that they cannot deadlock.
            select(MedicineRecord.slug, MedicineRecord.id)
            .where(MedicineRecord.slug.in_(slugs))
            .order_by(MedicineRecord.id)
            .with_for_update()
        )
    }
    missing = sorted(slugs - medicine_ids.keys())
    if missing:
        raise StoreError(f"no medicine with slug {missing[0]!r}: add the medicine before its page")
    current: dict[int, _CurrentPage] = {
        medicine_id: _CurrentPage(page_id, page_digest, number)
        for medicine_id, page_id, page_digest, number in session.execute(
            select(PageRecord.medicine_id, PageRecord.id, PageRecord.page_digest, RevisionRecord.number)
            .join(RevisionRecord, PageRecord.current_revision_id == RevisionRecord.id)
            .where(PageRecord.medicine_id.in_(medicine_ids.values()))
        )
    }
    had_page = set(current)

    numbers: list[int] = []
    new_revisions: list[dict[str, Any]] = []
    new_saves: list[PreparedPage] = []
    now = utc_now()
    for save in saves:
        medicine_id = medicine_ids[save.slug]
        page = current.get(medicine_id)
        if page is not None and page.page_digest == save.page_digest and not always_new:
            numbers.append(page.revision_number)
            continue
        number = (page.revision_number if page else 0) + 1
        new_revisions.append({
            "medicine_id": medicine_id, "number": number, "status": save.status,
            "content_fingerprint": save.content_fingerprint, "author": save.author, "kind": save.kind,
            "message": save.message, "created_at": now, "base_revision": save.base_revision,
        })
        new_saves.append(save)
        current[medicine_id] = _CurrentPage(page.page_id if page else None, save.page_digest, number)
        numbers.append(number)
    if not new_revisions:
        return numbers

    # One executemany, then their ids by (medicine, number), which is unique: SQLite runs an INSERT
    # … RETURNING whose rows must come back in order one row per statement.
    session.execute(insert(REVISIONS), new_revisions)
    made = {(revision["medicine_id"], revision["number"]) for revision in new_revisions}
    ids = {
        (medicine_id, number): revision_id
        for revision_id, medicine_id, number in session.execute(
            select(REVISIONS.c.id, REVISIONS.c.medicine_id, REVISIONS.c.number)
            .where(tuple_(REVISIONS.c.medicine_id, REVISIONS.c.number).in_(sorted(made)))
        )
    }
    revision_ids = [ids[revision["medicine_id"], revision["number"]] for revision in new_revisions]
    # The last new revision of each medicine becomes its current page. Every page replaced is
    # kept first, compressed, in revision_pages (a trigger refuses to move a page on otherwise):
    # the stored current page, and a revision of this batch that a later one replaces.
    latest: dict[int, tuple[int, PreparedPage]] = {}
    kept: list[dict[str, Any]] = []
    for revision_id, revision, save in zip(revision_ids, new_revisions, new_saves, strict=True):
        earlier = latest.get(revision["medicine_id"])
        if earlier is not None:
            whole = _whole_page_json(earlier[1].page_json, earlier[1].original_zlib, what=earlier[1].slug)
            kept.append({"revision_id": earlier[0], "page_zlib": _compressed(whole)})
        latest[revision["medicine_id"]] = (revision_id, save)
    replaced = [medicine_id for medicine_id in latest if medicine_id in had_page]
    if replaced:
        for revision_id, page_json, original_zlib in session.execute(
            select(PageRecord.current_revision_id, _as_text(PageRecord.page_json), PageRecord.original_zlib)
            .outerjoin(RevisionPageRecord, RevisionPageRecord.revision_id == PageRecord.current_revision_id)
            # Already kept: a current page that differed from its revision's when migration 0006 ran.
            .where(PageRecord.medicine_id.in_(replaced), RevisionPageRecord.revision_id.is_(None))
        ):
            whole = _whole_page_json(page_json, original_zlib, what=f"revision id {revision_id}")
            kept.append({"revision_id": revision_id, "page_zlib": _compressed(whole)})
    if kept:
        session.execute(insert(REVISION_PAGES), kept)
    page_inserts: list[dict[str, Any]] = []
    page_updates: list[dict[str, Any]] = []
    for medicine_id, (revision_id, save) in latest.items():
        values = {
            "status": save.status, "page_json": save.page_json, "original_zlib": save.original_zlib,
            "page_digest": save.page_digest, "content_fingerprint": save.content_fingerprint,
            "current_revision_id": revision_id, "updated_at": now,
        }
        page_id = current[medicine_id].page_id
        if page_id is None:
            page_inserts.append({"medicine_id": medicine_id, "created_at": now, **values})
        else:
            page_updates.append({"id": page_id, **values})
    if page_inserts:
        session.execute(insert(PAGES), page_inserts)
    if page_updates:
        session.execute(
            update(PAGES).where(PAGES.c.id == bindparam("page_id")),
            [{"page_id": values.pop("id"), **values} for values in page_updates],
        )
    return numbers


# ---------------------------------------------------------------------- writing labels


class _PreparedLabel(NamedTuple):
    set_id: str
    rank: tuple[int, date, int]
    row: dict[str, Any]
    ingredients: list[str]


def _prepare_label(facts: LabelFacts) -> _PreparedLabel:
    """Check and serialise a label before its transaction starts; raises InputError."""
    source = facts.source
    what = f"label {source.set_id[:80]!r}"
    if not 0 < len(source.set_id) <= MAX_SET_ID_LENGTH:
        raise InputError(f"{what}: a set id has 1 to {MAX_SET_ID_LENGTH} characters, not {len(source.set_id)}")
    if source.kind not in _KIND_RANK:
        raise InputError(f"{what}: unknown source kind {source.kind!r}")
    long_names = [name for name in facts.ingredients if len(name) > MAX_INGREDIENT_LENGTH]
    if long_names:
        raise InputError(f"{what}: an ingredient name of {len(long_names[0]):,} characters "
                         f"(at most {MAX_INGREDIENT_LENGTH})")
    facts_json, sections_json = _serialize_label(facts, what)
    digest = hashlib.sha256(f"{facts_json}\n{sections_json}".encode()).hexdigest()
    ingredients = sorted(set(facts.ingredients))
    return _PreparedLabel(
        set_id=source.set_id,
        rank=_label_rank(source.kind, source.version, source.effective_date),
        row={
            "source_kind": source.kind, "set_id": source.set_id, "version": source.version,
            "effective_date": source.effective_date, "title": source.title,
            "ingredients_key": " + ".join(ingredients), "ingredient_count": len(ingredients),
            "facts_json": facts_json, "sections_json": sections_json, "facts_digest": digest,
        },
        ingredients=ingredients,
    )


def _serialize_label(facts: LabelFacts, what: str) -> tuple[SerializedJSON, SerializedJSON]:
    try:
        facts_text = facts.model_dump_json(exclude={"sections"})
        sections_text = _SECTIONS.dump_json(facts.sections).decode("utf-8")
    except PydanticSerializationError:  # a lone surrogate: the walk names the field
        require_storable(facts.model_dump(mode="json"), what=what)
        raise
    if "\\u0000" in facts_text or "\\u0000" in sections_text:
        require_storable(facts.model_dump(mode="json"), what=what)
    return SerializedJSON(facts_text), SerializedJSON(sections_text)


def _label_rank(kind: str, version: int | None, effective_date: date | None) -> tuple[int, date, int]:
    return (version if version is not None else -1, effective_date or date.min, _KIND_RANK.get(kind, 0))


def _add_label_batch(session: Session, labels: list[_PreparedLabel]) -> list[LabelOutcome]:
    stored: dict[str, tuple[int | None, tuple[int, date, int], str]] = {
        set_id: (label_id, _label_rank(kind, version, effective_date), digest)
        for label_id, set_id, kind, version, effective_date, digest in session.execute(
            select(LabelRecord.id, LabelRecord.set_id, LabelRecord.source_kind, LabelRecord.version,
                   LabelRecord.effective_date, LabelRecord.facts_digest)
            .where(LabelRecord.set_id.in_({label.set_id for label in labels}))
            .order_by(LabelRecord.id)
            .with_for_update()
        )
    }
    # Decide in order (a batch may hold one set id twice), then write each set id once.
    outcomes: list[LabelOutcome] = []
    winners: dict[str, _PreparedLabel] = {}
    for label in labels:
        current = stored.get(label.set_id)
        if current is None:
            status: LabelStatus = "new"
        elif label.rank < current[1]:
            status = "older"
        elif label.rank == current[1] and label.row["facts_digest"] == current[2]:
            status = "unchanged"
        else:
            status = "replaced"
        outcomes.append(LabelOutcome(label.set_id, status))
        if status in ("new", "replaced"):
            winners[label.set_id] = label
            stored[label.set_id] = (current[0] if current else None, label.rank, label.row["facts_digest"])
    if not winners:
        return outcomes

    now = utc_now()
    inserts = [label for set_id, label in winners.items() if stored[set_id][0] is None]
    updates = [(stored[set_id][0], label) for set_id, label in winners.items() if stored[set_id][0] is not None]
    ids: list[tuple[int, _PreparedLabel]] = []
    if inserts:
        new_ids = session.scalars(
            insert(LABELS).returning(LABELS.c.id, sort_by_parameter_order=True),
            [{**label.row, "created_at": now, "updated_at": now} for label in inserts],
        ).all()
        ids += list(zip(new_ids, inserts, strict=True))
    if updates:
        session.execute(
            update(LABELS).where(LABELS.c.id == bindparam("label_id")),
            [{"label_id": label_id, **label.row, "updated_at": now} for label_id, label in updates],
        )
        session.execute(delete(LABEL_INGREDIENTS).where(
            LABEL_INGREDIENTS.c.label_id.in_([label_id for label_id, _ in updates])))
        ids += [(cast(int, label_id), label) for label_id, label in updates]
    ingredient_rows = [
        {"label_id": label_id, "ingredient": name} for label_id, label in ids for name in label.ingredients
    ]
    if ingredient_rows:
        session.execute(insert(LABEL_INGREDIENTS), ingredient_rows)
    return outcomes


def _label_from_row(row: Any) -> LabelFacts:
    facts = LabelFacts.model_validate_json(row[0])
    if len(row) > 1:
        facts.sections = _SECTIONS.validate_json(row[1])
    return facts


# ---------------------------------------------------------------------- helpers


def medicine_row(medicine: Medicine) -> dict[str, Any]:
    """The medicine checked and serialised for `Store.upsert_medicine_rows` (its times are the write's)."""
    if not 0 < len(medicine.slug) <= MAX_SLUG_LENGTH:
        raise InputError(f"medicine {medicine.title[:80]!r}: its slug must have 1 to {MAX_SLUG_LENGTH} "
                         f"characters, not {len(medicine.slug)}")
    if not 0 < len(medicine.letter) <= MAX_LETTER_LENGTH:
        raise InputError(f"medicine {medicine.slug!r}: its letter must have 1 to {MAX_LETTER_LENGTH} "
                         f"characters, not {len(medicine.letter)}")
    medicine_json, digest = serialize_model(medicine, what=f"medicine {medicine.slug!r}")
    return {
        "slug": medicine.slug, "letter": medicine.letter, "title": medicine.title,
        "generic_name": medicine.generic_name, "form": medicine.form, "medicine_json": medicine_json,
        "medicine_digest": digest,
    }


def _as_text(document: Any) -> Any:
    """A JSON column read as its text, which pydantic parses faster than `json.loads` and then pydantic."""
    return cast_to(document, Text)


def _medicine_id(session: Session, slug: str) -> int:
    medicine_id = session.scalars(select(MedicineRecord.id).where(MedicineRecord.slug == slug)).one_or_none()
    if medicine_id is None:
        raise StoreError(f"no medicine with slug {slug!r}")
    return medicine_id


def _insert_for(session: Session) -> Any:
    """The INSERT construct with ON CONFLICT of the session's database (both spell it alike)."""
    dialect = session.get_bind().dialect.name
    return {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


