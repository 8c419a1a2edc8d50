"""The database tables as SQLAlchemy ORM models; Alembic migrations create them, never `create_all`.

Each model and page is kept whole as JSON, beside the few columns that are searched or sorted on.
A page is stored once: the current one in `pages`, each one it replaced compressed in
`revision_pages` (see `PageRecord`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so later migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


MAX_SLUG_LENGTH = 255  # a slug is also a file name, `<slug>.md`
MAX_LETTER_LENGTH = 8
MAX_SET_ID_LENGTH = 64  # an SPL set id is a UUID (36 characters)
MAX_INGREDIENT_LENGTH = 255
MAX_WORKER_LENGTH = 200  # `host:pid:random`
MAX_USER_NAME_LENGTH = 100
MAX_ROLE_LENGTH = 16
MAX_TOKEN_LENGTH = 128  # a token's digest (sessions, API tokens) or a CSRF token
MAX_PUBLIC_ID_LENGTH = 64  # `secrets.token_urlsafe(16)` has 22 characters
MAX_SECTION_KEY_LENGTH = 64  # a key of SECTION_TITLES, or `extra:N`
MAX_CLIENT_KEY_LENGTH = 128  # a digest of the sender's address
MAX_RATE_KEY_LENGTH = 200  # `suggest:<client key>`


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC; SQLite's naive values are read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps only timezone-aware times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class MedicineRecord(Base):
    """A catalogue entry: the `Medicine` model as JSON, and its searchable columns."""

    __tablename__ = "medicines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Bounded (and checked before writing) because they are indexed: PostgreSQL refuses index
    # entries over about 2,700 bytes, so long free text is never indexed.
    slug: Mapped[str] = mapped_column(String(MAX_SLUG_LENGTH), unique=True)
    letter: Mapped[str] = mapped_column(String(MAX_LETTER_LENGTH), index=True)
    title: Mapped[str] = mapped_column(Text)
    generic_name: Mapped[str | None] = mapped_column(Text)
    form: Mapped[str | None] = mapped_column(Text)
    medicine_json: Mapped[dict[str, Any]]
    # Digest of `medicine_json`: an unchanged medicine is not rewritten and keeps its updated_at.
    medicine_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class PageRecord(Base):
    """The current page of a medicine (one at most), which is also the page of its current revision.

    Its history is in `revisions`; the page of a revision that is no longer current is in
    `revision_pages`. Triggers (migration 0006) refuse to change the page without making
    another revision current, or to move on without keeping the replaced page there.
    """

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    medicine_id: Mapped[int] = mapped_column(ForeignKey("medicines.id"), unique=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    # The page without `Page.original`, which is kept apart, zlib-compressed: the text a page was
    # parsed from is most of an imported page's bytes, and readers of the site never need it.
    page_json: Mapped[dict[str, Any]]
    original_zlib: Mapped[bytes | None] = mapped_column(LargeBinary)
    # SHA-256 of the whole page's JSON: a save compares it, without reading the page.
    page_digest: Mapped[str] = mapped_column(String(64))
    # `Page.content_fingerprint()`: changes only when the rendered page would change.
    content_fingerprint: Mapped[str] = mapped_column(String(64))
    current_revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class RevisionRecord(Base):
    """One saved version of a page. Append-only: never updated or deleted (triggers enforce it).

    Its page is the current page (`pages`) while it is current, then in `revision_pages`.
    """

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("medicine_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    medicine_id: Mapped[int] = mapped_column(ForeignKey("medicines.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1..n per medicine
    status: Mapped[str] = mapped_column(String(32))
    content_fingerprint: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(Text)  # import:/path/file.md, model:gemini-2.0-flash, contributor:Jane
    kind: Mapped[str] = mapped_column(String(32))  # an `AuthorKind`
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # The revision a person edited from (see `CommunityStore.save_revision`); None for the pipeline's.
    base_revision: Mapped[int | None] = mapped_column(Integer)


class RevisionPageRecord(Base):
    """The page of a revision that is no longer current: its JSON as saved, zlib-compressed.

    Written when the revision is replaced, in the same transaction; append-only like `revisions`.
    """

    __tablename__ = "revision_pages"

    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), primary_key=True)
    page_zlib: Mapped[bytes] = mapped_column(LargeBinary)


class FindingRecord(Base):
    """A check finding about a medicine's page, tied to the revision that was checked."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    medicine_id: Mapped[int] = mapped_column(ForeignKey("medicines.id"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    code: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))  # a `Severity`
    section: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class RawDocumentRecord(Base):
    """A file that could not be parsed, kept byte for byte so no input is ever lost."""

    __tablename__ = "raw_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    # Bytes, not text: a file may hold NUL bytes or invalid UTF-8, which text columns refuse.
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_digest: Mapped[str] = mapped_column(String(64), index=True)
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class LabelRecord(Base):
    """A reference label (DailyMed SPL or openFDA): its facts and sections as JSON, one row per set id.

    A set id keeps only its newest version (see `Store.add_labels`); `ingredients_key` and the
    `label_ingredients` rows say which medicines it is for.
    """

    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_kind: Mapped[str] = mapped_column(String(16))  # a `SourceKind`: spl, openfda
    set_id: Mapped[str] = mapped_column(String(MAX_SET_ID_LENGTH), unique=True)
    version: Mapped[int | None] = mapped_column(Integer)
    effective_date: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    ingredients_key: Mapped[str] = mapped_column(Text)  # `amoxicillin + clavulanic acid`
    ingredient_count: Mapped[int] = mapped_column(Integer)
    facts_json: Mapped[dict[str, Any]]  # `LabelFacts` without its sections
    sections_json: Mapped[list[Any]] = mapped_column(JSON)  # `LabelFacts.sections`
    facts_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class LabelIngredientRecord(Base):
    """One canonical ingredient of a label: the index that finds the labels of a medicine."""

    __tablename__ = "label_ingredients"

    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True)
    ingredient: Mapped[str] = mapped_column(String(MAX_INGREDIENT_LENGTH), primary_key=True, index=True)


class DraftClaimRecord(Base):
    """A medicine one drafting process is working on, until `expires_at` (see `Store.claim_medicine`)."""

    __tablename__ = "draft_claims"

    medicine_id: Mapped[int] = mapped_column(ForeignKey("medicines.id", ondelete="CASCADE"), primary_key=True)
    worker: Mapped[str] = mapped_column(String(MAX_WORKER_LENGTH))
    claimed_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class UserRecord(Base):
    """An account of a contributor, reviewer or admin (see docs/review.md)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_USER_NAME_LENGTH))
    # `name` case-folded: names are unique whatever their case.
    name_key: Mapped[str] = mapped_column(String(MAX_USER_NAME_LENGTH), unique=True)
    role: Mapped[str] = mapped_column(String(MAX_ROLE_LENGTH))  # a `Role`
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class UserSessionRecord(Base):
    """A login session, shared by every app process; the cookie holds the token, this row its digest."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(MAX_TOKEN_LENGTH), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(MAX_TOKEN_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ApiTokenRecord(Base):
    """An API token (its digest) and the user it acts for."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(MAX_TOKEN_LENGTH), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class SuggestionRecord(Base):
    """A suggested edit of one section of a page, pending until a reviewer decides."""

    __tablename__ = "suggestions"
    __table_args__ = (Index("ix_suggestions_status_medicine_id", "status", "medicine_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(MAX_PUBLIC_ID_LENGTH), unique=True)
    medicine_id: Mapped[int] = mapped_column(ForeignKey("medicines.id"))
    section: Mapped[str] = mapped_column(String(MAX_SECTION_KEY_LENGTH))
    base_revision: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(Text)
    author_email: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    client_key: Mapped[str] = mapped_column(String(MAX_CLIENT_KEY_LENGTH))
    status: Mapped[str] = mapped_column(String(16))  # a `SuggestionStatus`
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int | None] = mapped_column(Integer)  # the revision number its acceptance made


class ReviewRecord(Base):
    """A person's approval of one revision of a page (the revision's number, not its id)."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    medicine_id: Mapped[int] = mapped_column(ForeignKey("medicines.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class RateEventRecord(Base):
    """One counted event of a rate limit key (see `CommunityStore.take_rate`)."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_key_happened_at", "key", "happened_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_RATE_KEY_LENGTH))
    happened_at: Mapped[datetime]


@event.listens_for(RevisionRecord, "before_update")
@event.listens_for(RevisionRecord, "before_delete")
def _refuse_revision_change(_mapper: Any, _connection: Any, revision: RevisionRecord) -> None:
    """The ORM side of the append-only history; database triggers guard raw SQL."""
    raise ValueError(f"revision {revision.number} is append-only: it is never updated or deleted")


@event.listens_for(RevisionPageRecord, "before_update")
@event.listens_for(RevisionPageRecord, "before_delete")
def _refuse_revision_page_change(_mapper: Any, _connection: Any, page: RevisionPageRecord) -> None:
    raise ValueError(f"the page of revision id {page.revision_id} is append-only: it is never updated or deleted")
