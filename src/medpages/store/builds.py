"""What the builds of a project wrote: the store's half of an incremental build (issue 12).

Each output folder is a build *target* (`site:<key>`, `jekyll:<key>`): a row in `builds` says
which render version (templates, settings) it was last built with, and a row per medicine in
`build_pages` says which version of the medicine and which current revision of its page that
build saw, what it published, and what the builder keeps of it (its output files and the facts
its listings need). A build asks `build_changes` for the medicines whose row no longer matches:
one query comparing small columns, so a build with nothing to do reads no page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from pydantic_core import from_json
from sqlalchemy import (
    JSON,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy import cast as cast_to
from sqlalchemy.orm import Mapped, Session, mapped_column

from medpages.model import Medicine, Page
from medpages.store.schema import Base, MedicineRecord, PageRecord, utc_now

if TYPE_CHECKING:
    from sqlalchemy.orm import sessionmaker

MAX_TARGET_LENGTH = 64
# Manifest rows written per statement, and medicine ids per `IN (...)` when pages are read.
_ROW_BATCH = 1000
_ID_BATCH = 500
# Up to this many medicines to build again are read one by one; more, by going over every page.
_FEW = 200


class BuildRecord(Base):
    """One output folder's last build: what it was built with, and a stamp its state folder keeps too."""

    __tablename__ = "builds"

    target: Mapped[str] = mapped_column(String(MAX_TARGET_LENGTH), primary_key=True)
    out_dir: Mapped[str] = mapped_column(Text)
    render_version: Mapped[str] = mapped_column(String(64))
    # The same random text is in the state folder: a database restored from elsewhere, or a state
    # folder from another database, does not match and means a full build.
    stamp: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime] = mapped_column(default=utc_now)


class BuildPageRecord(Base):
    """What one build target published of one medicine (no foreign key: a medicine removed from the
    catalogue keeps its row until the next build has removed its files)."""

    __tablename__ = "build_pages"

    target: Mapped[str] = mapped_column(String(MAX_TARGET_LENGTH), primary_key=True)
    medicine_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(Text)
    medicine_digest: Mapped[str] = mapped_column(String(64))  # the medicine as the build saw it
    source_revision_id: Mapped[int | None] = mapped_column(Integer)  # pages.current_revision_id then; None: no page
    revision: Mapped[int | None] = mapped_column(Integer)  # the revision number published; None: none
    published: Mapped[str] = mapped_column(String(16))  # a `Published`
    render_version: Mapped[str] = mapped_column(String(64))
    outputs: Mapped[dict[str, Any]] = mapped_column(JSON)  # the builder's own: files, listing facts


# The changes query reads only these columns of the catalogue's two big tables; these covering
# indexes let it do so without reading a page's JSON (in SQLite, a 13 KB page spills onto
# overflow pages that a table scan for a later column would walk).
Index("ix_medicines_id_medicine_digest", MedicineRecord.id, MedicineRecord.medicine_digest)
Index("ix_pages_medicine_id_current_revision_id", PageRecord.medicine_id, PageRecord.current_revision_id)
# And the manifest's own: the changes query and the counts read no row's outputs.
Index("ix_build_pages_changes",
      BuildPageRecord.target, BuildPageRecord.medicine_id, BuildPageRecord.medicine_digest,
      BuildPageRecord.source_revision_id, BuildPageRecord.render_version)
Index("ix_build_pages_target_published_slug", BuildPageRecord.target, BuildPageRecord.published,
      BuildPageRecord.slug)

BUILDS = cast(Table, BuildRecord.__table__)
BUILD_PAGES = cast(Table, BuildPageRecord.__table__)
MEDICINES = cast(Table, MedicineRecord.__table__)
PAGES = cast(Table, PageRecord.__table__)

# How a medicine went out: at its current page, at its newest reviewed revision (a newer draft
# waits), as "not yet written" (no page), or not at all (never reviewed, `only_reviewed`).
PUBLISHED = ("current", "stable", "not_written", "left_out")


@dataclass(frozen=True)
class BuildTarget:
    target: str
    out_dir: str
    render_version: str
    stamp: str
    built_at: datetime


class BuildSource(NamedTuple):
    """A medicine as a build reads it: the version of it and of its page that the manifest records."""

    medicine_id: int
    medicine_digest: str
    current_revision_id: int | None
    medicine: Medicine
    page: Page | None


class BuiltPage(NamedTuple):
    """One `build_pages` row."""

    medicine_id: int
    slug: str
    medicine_digest: str
    source_revision_id: int | None
    revision: int | None
    published: str
    render_version: str
    outputs: dict[str, Any]


@dataclass(frozen=True)
class BuildChanges:
    """What changed since a target's last build: medicines to build again, rows of medicines gone."""

    changed: list[int]  # medicine ids: new, changed, with a new page revision, or built with another render version
    removed: list[BuiltPage]  # built before, no longer in the catalogue

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed)


class BuildStore:
    """Mixed into `Store`: build manifests and the pages changed since a build."""

    if TYPE_CHECKING:
        _read_sessions: sessionmaker[Session]

        def _write_transaction(self, action: str) -> AbstractContextManager[Session]: ...

    def build_target(self, target: str) -> BuildTarget | None:
        """The last build of `target`, or None when it was never built (or its manifest was dropped)."""
        with self._read_sessions() as session:
            row = session.execute(select(BUILDS.c.target, BUILDS.c.out_dir, BUILDS.c.render_version,
                                         BUILDS.c.stamp, BUILDS.c.built_at).where(BUILDS.c.target == target)).first()
        return None if row is None else BuildTarget(*row)

    def build_changes(self, target: str, render_version: str) -> BuildChanges:
        """The medicines whose published output may differ from what `target`'s manifest records: one
        query over the ids, digests and revision ids (covering indexes), none over a page."""
        built = BUILD_PAGES.alias("built")
        # The pages' revision ids, read apart through their covering index: joined directly, SQLite
        # looks each page up by its unique medicine_id index and reads the row, JSON and all, for one
        # integer. OFFSET 0 keeps the subquery apart (SQLite does not flatten a subquery with a limit,
        # and writes it LIMIT -1 OFFSET 0; PostgreSQL keeps it apart too).
        revisions = select(PAGES.c.medicine_id, PAGES.c.current_revision_id).offset(0).subquery("current")
        changed = (
            select(MEDICINES.c.id)
            .select_from(MEDICINES)
            .outerjoin(revisions, revisions.c.medicine_id == MEDICINES.c.id)
            .outerjoin(built, and_(built.c.target == target, built.c.medicine_id == MEDICINES.c.id))
            .where(or_(
                built.c.medicine_id.is_(None),
                built.c.medicine_digest != MEDICINES.c.medicine_digest,
                built.c.source_revision_id.is_distinct_from(revisions.c.current_revision_id),
                built.c.render_version != render_version,
            ))
            .order_by(MEDICINES.c.id)
        )
        removed = (
            _built_columns(select(), BUILD_PAGES)
            .outerjoin(MEDICINES, MEDICINES.c.id == BUILD_PAGES.c.medicine_id)
            .where(BUILD_PAGES.c.target == target, MEDICINES.c.id.is_(None))
        )
        with self._read_sessions() as session, session.begin():
            return BuildChanges(list(session.scalars(changed)),
                                [BuiltPage(*row) for row in session.execute(removed)])

    def built_pages(self, target: str, medicine_ids: Sequence[int] | None = None) -> list[BuiltPage]:
        """The rows of `target`'s manifest (of `medicine_ids` only, when given), in medicine id order."""
        statement = (
            select(BUILD_PAGES.c.medicine_id, BUILD_PAGES.c.slug, BUILD_PAGES.c.medicine_digest,
                   BUILD_PAGES.c.source_revision_id, BUILD_PAGES.c.revision, BUILD_PAGES.c.published,
                   BUILD_PAGES.c.render_version, cast_to(BUILD_PAGES.c.outputs, Text))
            .where(BUILD_PAGES.c.target == target)
            .order_by(BUILD_PAGES.c.medicine_id)
        )
        with self._read_sessions() as session, session.begin():
            if medicine_ids is None:
                rows = session.execute(statement).all()
            else:
                ids = sorted(set(medicine_ids))
                rows = [row for start in range(0, len(ids), _ID_BATCH)
                        for row in session.execute(statement.where(BUILD_PAGES.c.medicine_id.in_(ids[start:start + _ID_BATCH])))]
        # One parse of every row's outputs (pydantic-core's parser, in one call): a one-page rebuild
        # of a big site reads every row, and a JSON parse per row would cost more than the rest.
        outputs = from_json("[" + ",".join(row[7] for row in rows) + "]") if rows else []
        return [BuiltPage(*row[:7], output) for row, output in zip(rows, outputs, strict=True)]

    def build_sources(self, medicine_ids: Sequence[int] | None = None, *,
                      with_original: bool = True) -> Iterator[BuildSource]:
        """The medicines `medicine_ids` (all of them with None) with their current pages, in slug
        order, each with the digest and revision id its manifest row will record. Without
        `with_original`, a pass over every page leaves out the text each was parsed from (the
        HTML site never shows it; the Markdown tree writes an unchanged imported page back with it).

        Those are read first, the pages after (through `iter_pages`/`get_page`, which know how a page
        is stored): a page saved in between goes out newer than its recorded revision id says, which
        only makes the next build look at it again, never miss it."""
        statement = select(MEDICINES.c.slug, MEDICINES.c.id, MEDICINES.c.medicine_digest, PAGES.c.current_revision_id) \
            .outerjoin(PAGES, PAGES.c.medicine_id == MEDICINES.c.id)
        versions: dict[str, tuple[int, str, int | None]] = {}
        with self._read_sessions() as session, session.begin():
            if medicine_ids is None:
                rows: list[Any] = session.execute(statement).all()
            else:
                ids = sorted(set(medicine_ids))
                rows = [row for start in range(0, len(ids), _ID_BATCH)
                        for row in session.execute(statement.where(MEDICINES.c.id.in_(ids[start:start + _ID_BATCH])))]
        for slug, medicine_id, digest, revision_id in rows:
            versions[slug] = (medicine_id, digest, revision_id)
        store = cast(Any, self)
        if medicine_ids is None or len(versions) > _FEW:
            pages: Iterable[tuple[Medicine, Page | None]] = store.iter_pages(with_original=with_original)
        else:
            pages = ((medicine, store.get_page(slug)) for slug in sorted(versions)
                     if (medicine := store.get_medicine(slug)) is not None)
        for medicine, page in pages:
            version = versions.get(medicine.slug)
            if version is not None:  # None: added since the versions were read (the next build has it)
                yield BuildSource(*version, medicine, page)

    def save_build(self, target: str, *, out_dir: str, render_version: str, stamp: str,
                   pages: Iterable[BuiltPage], removed: Iterable[int] = (), full: bool = False) -> None:
        """Record a finished build of `target` in one transaction: its rows for `pages` replaced, the
        rows of `removed` medicines dropped, and with `full` every row not in `pages` dropped too."""
        rows = [page._asdict() | {"target": target} for page in pages]
        with self._write_transaction(f"recording the build of {out_dir}") as session:
            ids = [row["medicine_id"] for row in rows]
            if full:
                session.execute(delete(BUILD_PAGES).where(BUILD_PAGES.c.target == target))
            else:
                for start in range(0, len(ids), _ID_BATCH):
                    session.execute(delete(BUILD_PAGES).where(
                        BUILD_PAGES.c.target == target, BUILD_PAGES.c.medicine_id.in_(ids[start:start + _ID_BATCH])))
                gone = list(removed)
                for start in range(0, len(gone), _ID_BATCH):
                    session.execute(delete(BUILD_PAGES).where(
                        BUILD_PAGES.c.target == target, BUILD_PAGES.c.medicine_id.in_(gone[start:start + _ID_BATCH])))
            for start in range(0, len(rows), _ROW_BATCH):
                session.execute(BUILD_PAGES.insert(), rows[start:start + _ROW_BATCH])
            session.execute(delete(BUILDS).where(BUILDS.c.target == target))
            session.execute(BUILDS.insert().values(target=target, out_dir=out_dir, render_version=render_version,
                                                   stamp=stamp, built_at=utc_now()))

    def forget_build(self, target: str) -> None:
        """Drop `target`'s manifest: its next build is a full one."""
        with self._write_transaction(f"forgetting the build {target}") as session:
            session.execute(delete(BUILD_PAGES).where(BUILD_PAGES.c.target == target))
            session.execute(delete(BUILDS).where(BUILDS.c.target == target))

    def built_counts(self, target: str) -> dict[str, int]:
        """How many medicines `target`'s last build published each way (`current`, `stable`, ...)."""
        statement = (select(BUILD_PAGES.c.published, func.count()).where(BUILD_PAGES.c.target == target)
                     .group_by(BUILD_PAGES.c.published))
        with self._read_sessions() as session:
            return {published: count for published, count in session.execute(statement)}

    def built_slugs(self, target: str, published: str) -> list[str]:
        """The slugs `target`'s last build published as `published` (`stable`, `left_out`), sorted."""
        statement = (select(BUILD_PAGES.c.slug).where(BUILD_PAGES.c.target == target,
                                                      BUILD_PAGES.c.published == published)
                     .order_by(BUILD_PAGES.c.slug))
        with self._read_sessions() as session:
            return list(session.scalars(statement))


def _built_columns(statement: Any, table: Any) -> Any:
    return statement.add_columns(table.c.medicine_id, table.c.slug, table.c.medicine_digest,
                                 table.c.source_revision_id, table.c.revision, table.c.published,
                                 table.c.render_version, table.c.outputs).select_from(table)

