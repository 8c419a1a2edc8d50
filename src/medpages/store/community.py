"""People and their work on pages: accounts, sessions, API tokens, suggestions, reviews, rate limits.

`CommunityStore` is mixed into `Store`: the same engine, the same one-transaction-per-write rule.
What a suggestion, an acceptance or a review *means* lives in `medpages.review`; here is only how
it is kept. Everything a web app process needs to share with its siblings (sessions, rate
limits) lives here, in the database, never in one process's memory.

Concurrency: a page changes only by compare-and-swap (`expected_revision`): the write fails with
`StaleRevision` when another writer saved a revision since the caller read the page, and the
caller merges again. Nothing is ever overwritten silently.
"""

from __future__ import annotations

import base64
import json
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO, TYPE_CHECKING, Any, Literal, cast, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    Engine,
    Integer,
    LargeBinary,
    Select,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from medpages.errors import InputError, MedpagesError
from medpages.model import Page
from medpages.store.database import schema_revision
from medpages.store.schema import (
    MAX_CLIENT_KEY_LENGTH,
    MAX_RATE_KEY_LENGTH,
    MAX_SECTION_KEY_LENGTH,
    MAX_TOKEN_LENGTH,
    MAX_USER_NAME_LENGTH,
    ApiTokenRecord,
    Base,
    MedicineRecord,
    PageRecord,
    RateEventRecord,
    ReviewRecord,
    RevisionRecord,
    SuggestionRecord,
    UserRecord,
    UserSessionRecord,
    UTCDateTime,
    utc_now,
)
from medpages.store.storable import unstorable_reason

Role = Literal["contributor", "reviewer", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
SuggestionStatus = Literal["pending", "accepted", "rejected"]


class StaleRevision(MedpagesError):
    """The page changed since the caller read it (`expected` is not the current revision)."""

    def __init__(self, slug: str, expected: int, current: int) -> None:
        self.slug, self.expected, self.current = slug, expected, current
        super().__init__(f"{slug}: the page is at revision {current}, not {expected}: read it again and merge")


class SuggestionClosed(MedpagesError):
    """The suggestion was already accepted or rejected."""


@dataclass(frozen=True)
class User:
    id: int
    name: str  # unique, the login name and the name shown on reviews
    role: Role
    password_hash: str
    created_at: datetime
    disabled: bool = False


@dataclass(frozen=True)
class NewSuggestion:
    """What a contributor sends (already sanitised and validated by `medpages.review`)."""

    slug: str
    section: str  # a key of SECTION_TITLES, or `extra:N`
    base_revision: int  # the revision number the text was edited from (0: the medicine had no page)
    text: str  # the section's new body in the seed Markdown layout (see `medpages.review.sections`)
    reason: str
    author_name: str = ""  # optional, shown to reviewers
    author_email: str = ""  # optional, shown to reviewers only
    user_id: int | None = None  # when a logged-in user or an API token sent it
    client_key: str = ""  # a digest of the sender's address, for rate limits and abuse review


@dataclass(frozen=True)
class Suggestion:
    id: int
    public_id: str  # an unguessable token: the contributor's link to follow it
    slug: str
    section: str
    base_revision: int
    text: str
    reason: str
    author_name: str
    author_email: str
    user_id: int | None
    client_key: str
    status: SuggestionStatus
    created_at: datetime
    decided_by: int | None = None  # user id
    decided_at: datetime | None = None
    decision_reason: str = ""
    revision: int | None = None  # the revision its acceptance created


@dataclass(frozen=True)
class Review:
    id: int
    slug: str
    revision: int  # the revision number the reviewer read and approved
    reviewer_id: int
    reviewer_name: str
    note: str
    created_at: datetime


BACKUP_FORMAT = 1
# Statuses a person gave a page: the newest revision with one of them is the stable one.
STABLE_STATUSES = ("reviewed", "published")
# Rows fetched at a time while dumping, and inserted per statement while restoring.
BACKUP_CHUNK_SIZE = 500
# A restore reads its file once to check every line, keeping it here (on disk past this size)
# to write it in a second pass.
_SPOOL_BYTES = 64 * 1024 * 1024
# The first key of PostgreSQL's two-key advisory locks taken by `take_rate` (the second is the
# key's hash); the schema upgrade's one-key lock lives in another key space.
_RATE_LOCK_SPACE = 0x6D70  # "mp"


class CommunityStore:
    """The community half of `Store` (a mixin: `Store` provides the engine and sessions)."""

    if TYPE_CHECKING:  # provided by `Store`
        engine: Engine
        _read_sessions: sessionmaker[Session]

        def _write_transaction(self, action: str) -> AbstractContextManager[Session]: ...

        def _append_revision(self, session: Session, slug: str, page: Page, *, author: str, kind: str,
                             message: str, base_revision: int | None) -> int: ...

        def _revision_json(self, slug: str, number: int) -> str | None: ...

    # ------------------------------------------------------------------ accounts

    def add_user(self, name: str, role: Role, password_hash: str) -> User:
        """Create an account; InputError when the name is taken (case-insensitively) or the role unknown."""
        key = _name_key(name)
        if role not in ROLES:
            raise InputError(f"user {name!r}: unknown role {role!r}; use one of {', '.join(ROLES)}")
        _require_text(password_hash, f"user {name!r}: password hash")
        with self._write_transaction(f"adding the user {name!r}") as session:
            # ON CONFLICT: two processes adding one name at once get InputError too, not a refused write.
            dialect_insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[
                session.get_bind().dialect.name]
            user_id = session.scalar(
                dialect_insert(UserRecord)
                .values(name=name, name_key=key, role=role, password_hash=password_hash, disabled=False,
                        created_at=utc_now())
                .on_conflict_do_nothing(index_elements=[UserRecord.name_key])
                .returning(UserRecord.id)
            )
            if user_id is None:
                raise InputError(f"a user named {name!r} already exists (names are compared ignoring case)")
            return _user(session.get_one(UserRecord, user_id))

    def get_user(self, name: str) -> User | None:
        """The account by login name, case-insensitively."""
        with self._read_sessions() as session:
            record = session.scalars(select(UserRecord).where(UserRecord.name_key == name.casefold())).first()
            return None if record is None else _user(record)

    def get_user_by_id(self, user_id: int) -> User | None:
        with self._read_sessions() as session:
            record = session.get(UserRecord, user_id)
            return None if record is None else _user(record)

    def users(self) -> list[User]:
        with self._read_sessions() as session:
            return [_user(record) for record in session.scalars(select(UserRecord).order_by(UserRecord.name_key))]

    def set_password(self, user_id: int, password_hash: str) -> None:
        _require_text(password_hash, f"user {user_id}: password hash")
        self._update_user(user_id, password_hash=password_hash)

    def set_disabled(self, user_id: int, disabled: bool = True) -> None:
        """Disable (or enable again) an account: its sessions and API tokens stop working."""
        self._update_user(user_id, disabled=disabled)

    def _update_user(self, user_id: int, **values: Any) -> None:
        with self._write_transaction(f"changing user {user_id}") as session:
            changed = session.execute(update(UserRecord).where(UserRecord.id == user_id).values(**values)).rowcount
            if not changed:
                raise InputError(f"no user with id {user_id}")

    # ------------------------------------------------------------------ sessions (shared by every app process)

    def create_session(self, token_hash: str, user_id: int, csrf_token: str, expires_at: datetime) -> None:
        """A login session; the cookie holds the token, the database only its digest."""
        _require_token(token_hash, "session token digest")
        _require_token(csrf_token, "CSRF token")
        _require_aware(expires_at, "session expiry")
        now = utc_now()
        with self._write_transaction("starting a session") as session:
            _require_user(session, user_id)
            # Expired sessions are of no use to anyone: each login sweeps them away.
            session.execute(delete(UserSessionRecord).where(UserSessionRecord.expires_at <= now))
            session.add(UserSessionRecord(token_hash=token_hash, user_id=user_id, csrf_token=csrf_token,
                                          created_at=now, expires_at=expires_at))

    def session(self, token_hash: str, now: datetime) -> tuple[User, str] | None:
        """The session's user and CSRF token, or None when unknown, expired or the user is disabled."""
        _require_aware(now, "time")
        statement = (
            select(UserRecord, UserSessionRecord.csrf_token)
            .join(UserSessionRecord, UserSessionRecord.user_id == UserRecord.id)
            .where(UserSessionRecord.token_hash == token_hash, UserSessionRecord.expires_at > now,
                   UserRecord.disabled.is_(False))
        )
        with self._read_sessions() as session:
            row = session.execute(statement).first()
            return None if row is None else (_user(row[0]), row[1])

    def end_session(self, token_hash: str) -> None:
        with self._write_transaction("ending a session") as session:
            session.execute(delete(UserSessionRecord).where(UserSessionRecord.token_hash == token_hash))

    # ------------------------------------------------------------------ API tokens

    def add_api_token(self, token_hash: str, user_id: int, label: str) -> None:
        _require_token(token_hash, "API token digest")
        _require_text(label, "API token label")
        with self._write_transaction("adding an API token") as session:
            _require_user(session, user_id)
            session.add(ApiTokenRecord(token_hash=token_hash, user_id=user_id, label=label, created_at=utc_now()))

    def token_user(self, token_hash: str) -> User | None:
        """The user an API token acts for, or None (unknown token, disabled user)."""
        statement = (
            select(UserRecord)
            .join(ApiTokenRecord, ApiTokenRecord.user_id == UserRecord.id)
            .where(ApiTokenRecord.token_hash == token_hash, UserRecord.disabled.is_(False))
        )
        with self._read_sessions() as session:
            record = session.scalars(statement).first()
            return None if record is None else _user(record)

    # ------------------------------------------------------------------ rate limits (shared by every app process)

    def take_rate(self, key: str, limit: int, window_seconds: float, now: datetime) -> bool:
        """Count one event for `key`; False (and nothing counted) when `limit` events already
        happened in the last `window_seconds`. Atomic across processes and machines."""
        if not 0 < len(key) <= MAX_RATE_KEY_LENGTH:
            raise InputError(f"a rate limit key has 1 to {MAX_RATE_KEY_LENGTH} characters, not {len(key)}")
        _require_text(key, "rate limit key")
        _require_aware(now, "time")
        since = now - timedelta(seconds=window_seconds)
        with self._write_transaction(f"counting {key!r}") as session:
            # SQLite: the write transaction already holds the database's one write lock.
            # PostgreSQL: writers of one key queue here, so two cannot both see room for one more.
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text(f"SELECT pg_advisory_xact_lock({_RATE_LOCK_SPACE}, hashtext(:key))"),
                                {"key": key})
            session.execute(delete(RateEventRecord).where(RateEventRecord.key == key,
                                                          RateEventRecord.happened_at <= since))
            taken = session.scalar(select(func.count()).where(RateEventRecord.key == key,
                                                             RateEventRecord.happened_at > since)) or 0
            if taken >= limit:
                return False
            session.add(RateEventRecord(key=key, happened_at=now))
            return True

    # ------------------------------------------------------------------ suggestions

    def add_suggestion(self, suggestion: NewSuggestion) -> Suggestion:
        """Store a pending suggestion (committed before this returns: an acknowledged suggestion
        survives a crash); InputError when the medicine is unknown."""
        what = f"suggestion for {suggestion.slug[:80]!r}"
        if not 0 < len(suggestion.section) <= MAX_SECTION_KEY_LENGTH:
            raise InputError(f"{what}: a section key has 1 to {MAX_SECTION_KEY_LENGTH} characters")
        if len(suggestion.client_key) > MAX_CLIENT_KEY_LENGTH:
            raise InputError(f"{what}: a client key has at most {MAX_CLIENT_KEY_LENGTH} characters")
        if suggestion.base_revision < 0:
            raise InputError(f"{what}: base revision {suggestion.base_revision} is not a revision number")
        for field in ("section", "text", "reason", "author_name", "author_email", "client_key"):
            _require_text(getattr(suggestion, field), f"{what}: {field.replace('_', ' ')}")
        with self._write_transaction(f"saving a {what}") as session:
            medicine_id = _require_medicine(session, suggestion.slug)
            if suggestion.user_id is not None:
                _require_user(session, suggestion.user_id)
            record = SuggestionRecord(
                public_id=secrets.token_urlsafe(16), medicine_id=medicine_id, section=suggestion.section,
                base_revision=suggestion.base_revision, text=suggestion.text, reason=suggestion.reason,
                author_name=suggestion.author_name, author_email=suggestion.author_email,
                user_id=suggestion.user_id, client_key=suggestion.client_key, status="pending",
                created_at=utc_now(), decision_reason="",
            )
            session.add(record)
            session.flush()
            return _suggestion(record, suggestion.slug)

    def get_suggestion(self, suggestion_id: int) -> Suggestion | None:
        return self._one_suggestion(_SUGGESTIONS.where(SuggestionRecord.id == suggestion_id))

    def suggestion_by_public_id(self, public_id: str) -> Suggestion | None:
        return self._one_suggestion(_SUGGESTIONS.where(SuggestionRecord.public_id == public_id))

    def _one_suggestion(self, statement: Select[tuple[SuggestionRecord, str]]) -> Suggestion | None:
        with self._read_sessions() as session:
            row = session.execute(statement).first()
            return None if row is None else _suggestion(*row)

    def suggestions(
        self, *, status: SuggestionStatus | None = "pending", slug: str | None = None, section: str | None = None,
        user_id: int | None = None, offset: int = 0, limit: int = 50,
    ) -> list[Suggestion]:
        """Suggestions oldest first, filtered; `status=None` gives every status."""
        statement = _filter_suggestions(_SUGGESTIONS, status, slug, section, user_id)
        statement = statement.order_by(SuggestionRecord.created_at, SuggestionRecord.id)
        with self._read_sessions() as session:
            rows = session.execute(statement.offset(max(offset, 0)).limit(max(limit, 0))).all()
            return [_suggestion(*row) for row in rows]

    def count_suggestions(self, *, status: SuggestionStatus | None = "pending", slug: str | None = None,
                          section: str | None = None) -> int:
        statement = select(func.count()).select_from(SuggestionRecord).join(
            MedicineRecord, SuggestionRecord.medicine_id == MedicineRecord.id)
        with self._read_sessions() as session:
            return session.scalar(_filter_suggestions(statement, status, slug, section, None)) or 0

    def accept_suggestion(
        self, suggestion_id: int, page: Page, *, expected_revision: int, reviewer_id: int, author: str,
        message: str,
    ) -> int:
        """In one transaction: save `page` as the medicine's new revision (kind `contributor`,
        its base revision recorded) if the current revision is still `expected_revision`, and
        mark the suggestion accepted by `reviewer_id` with that revision. Returns the new
        revision number. StaleRevision when the page moved on, SuggestionClosed when the
        suggestion is no longer pending; in both cases nothing is written."""
        with self._write_transaction(f"accepting suggestion {suggestion_id}") as session:
            record, slug = self._pending_suggestion(session, suggestion_id)
            _require_user(session, reviewer_id)
            _check_revision(session, slug, expected_revision)
            number = self._append_revision(session, slug, page, author=author, kind="contributor",
                                           message=message, base_revision=record.base_revision)
            record.status, record.revision = "accepted", number
            record.decided_by, record.decided_at = reviewer_id, utc_now()
            return number

    def reject_suggestion(self, suggestion_id: int, *, reviewer_id: int, reason: str) -> None:
        """Mark a pending suggestion rejected with its reason; SuggestionClosed when it is not pending."""
        _require_text(reason, f"suggestion {suggestion_id}: reason")
        with self._write_transaction(f"rejecting suggestion {suggestion_id}") as session:
            record, _slug = self._pending_suggestion(session, suggestion_id)
            _require_user(session, reviewer_id)
            record.status, record.decision_reason = "rejected", reason
            record.decided_by, record.decided_at = reviewer_id, utc_now()

    @staticmethod
    def _pending_suggestion(session: Session, suggestion_id: int) -> tuple[SuggestionRecord, str]:
        """The suggestion, locked until the transaction ends (two reviewers cannot both decide it)."""
        row = session.execute(
            _SUGGESTIONS.where(SuggestionRecord.id == suggestion_id).with_for_update(of=SuggestionRecord)
        ).first()
        if row is None:
            raise InputError(f"no suggestion with id {suggestion_id}")
        record, slug = row
        if record.status != "pending":
            raise SuggestionClosed(f"suggestion {suggestion_id} was already {record.status}")
        return record, slug

    # ------------------------------------------------------------------ revisions people make

    def save_revision(
        self, slug: str, page: Page, *, expected_revision: int, author: str, kind: str, message: str,
        base_revision: int | None = None, review_by: int | None = None, review_note: str = "",
    ) -> int:
        """Compare-and-swap save: a new revision when the current one is `expected_revision`
        (StaleRevision otherwise). With `review_by` (a user id), a `Review` of the new revision
        is recorded in the same transaction. Returns the new revision number."""
        _require_text(review_note, f"{slug}: review note")
        with self._write_transaction(f"saving the page of {slug!r}") as session:
            medicine_id = _check_revision(session, slug, expected_revision)
            if review_by is not None:
                _require_user(session, review_by)
            number = self._append_revision(session, slug, page, author=author, kind=kind, message=message,
                                           base_revision=base_revision)
            if review_by is not None:
                session.add(ReviewRecord(medicine_id=medicine_id, revision=number, reviewer_id=review_by,
                                         note=review_note, created_at=utc_now()))
            return number

    def current_revision(self, slug: str) -> int:
        """The medicine's current revision number; 0 when it has no page."""
        with self._read_sessions() as session:
            return _current_number(session, _require_medicine(session, slug))

    def revision_base(self, slug: str, number: int) -> int | None:
        """The base revision a revision recorded (None for pipeline revisions)."""
        statement = (
            select(RevisionRecord.base_revision)
            .join(MedicineRecord, RevisionRecord.medicine_id == MedicineRecord.id)
            .where(MedicineRecord.slug == slug, RevisionRecord.number == number)
        )
        with self._read_sessions() as session:
            return session.scalars(statement).first()

    def reviews(self, slug: str) -> list[Review]:
        """The page's reviews, oldest first."""
        statement = (
            select(ReviewRecord.id, MedicineRecord.slug, ReviewRecord.revision, ReviewRecord.reviewer_id,
                   UserRecord.name, ReviewRecord.note, ReviewRecord.created_at)
            .join(MedicineRecord, ReviewRecord.medicine_id == MedicineRecord.id)
            .join(UserRecord, ReviewRecord.reviewer_id == UserRecord.id)
            .where(MedicineRecord.slug == slug)
            .order_by(ReviewRecord.created_at, ReviewRecord.id)
        )
        with self._read_sessions() as session:
            return [Review(*row) for row in session.execute(statement)]

    def reviewed_slugs(self) -> set[str]:
        """The medicines whose page a person has reviewed at least once (only they can have a stable revision)."""
        statement = select(MedicineRecord.slug).join(ReviewRecord, ReviewRecord.medicine_id == MedicineRecord.id)
        with self._read_sessions() as session:
            return set(session.scalars(statement.distinct()))

    def stable_revision(self, slug: str) -> tuple[int, Page] | None:
        """The newest revision a person reviewed (status `reviewed`), as FlaggedRevs' stable version."""
        statement = (
            select(RevisionRecord.number)
            .join(MedicineRecord, RevisionRecord.medicine_id == MedicineRecord.id)
            .where(MedicineRecord.slug == slug, RevisionRecord.status.in_(STABLE_STATUSES))
            .order_by(RevisionRecord.number.desc())
            .limit(1)
        )
        with self._read_sessions() as session:
            number = session.scalars(statement).first()
        # A revision never changes once written, so reading its page in a second query is safe.
        document = None if number is None else self._revision_json(slug, number)
        return None if number is None or document is None else (number, Page.model_validate_json(document))

    # ------------------------------------------------------------------ backup

    def dump(self, out: IO[bytes]) -> dict[str, int]:
        """Write every row of every table to `out` (JSON lines, one consistent snapshot); rows per table."""
        counts: dict[str, int] = {}
        with _snapshot(self.engine) as connection:
            _write_line(out, {"medpages_backup": BACKUP_FORMAT, "schema": schema_revision(connection)})
            for table in Base.metadata.sorted_tables:
                counts[table.name] = 0
                for row in _table_rows(connection, table):
                    _write_line(out, {"table": table.name, "row": {name: _encode(value) for name, value in row.items()}})
                    counts[table.name] += 1
        return counts

    def restore(self, source: IO[bytes]) -> dict[str, int]:
        """Load a `dump` into this store, which must hold no medicines; rows per table. Ids, times and
        bytes come back exactly; InputError names the line of a bad file and nothing is written."""
        with self._read_sessions() as session:
            _require_empty(session)
            schema = schema_revision(session.connection())
        tables = {table.name: table for table in Base.metadata.sorted_tables}
        counts = dict.fromkeys(tables, 0)
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            # First pass: every line is checked before anything is written.
            for number, line in _backup_lines(source, schema):
                table, row = _decode_line(line, number, tables)
                counts[table.name] += 1
                spool.write(line.rstrip(b"\r\n") + b"\n")
            spool.seek(0)
            with self._write_transaction("restoring a backup") as session:
                _require_empty(session)
                batch: list[dict[str, Any]] = []
                batch_table: Table | None = None
                for number, line in enumerate(spool, start=2):
                    table, row = _decode_line(line, number, tables)
                    if batch and (table is not batch_table or len(batch) >= BACKUP_CHUNK_SIZE):
                        session.execute(insert(batch_table), batch)  # type: ignore[arg-type]
                        batch = []
                    batch_table = table
                    batch.append(row)
                if batch:
                    session.execute(insert(batch_table), batch)  # type: ignore[arg-type]
                if session.get_bind().dialect.name == "postgresql":
                    _reset_sequences(session)
        return counts

    def iter_table_rows(self, table: str) -> Iterator[dict[str, object]]:
        """Every row of one table, by primary key (for tests comparing two databases)."""
        found = Base.metadata.tables.get(table)
        if found is None:
            raise InputError(f"no table named {table!r}")
        with _snapshot(self.engine) as connection:
            yield from _table_rows(connection, found)


# ---------------------------------------------------------------------- rows to objects

_SUGGESTIONS = select(SuggestionRecord, MedicineRecord.slug).join(
    MedicineRecord, SuggestionRecord.medicine_id == MedicineRecord.id)


def _user(record: UserRecord) -> User:
    return User(id=record.id, name=record.name, role=cast(Role, record.role), password_hash=record.password_hash,
                created_at=record.created_at, disabled=record.disabled)


def _suggestion(record: SuggestionRecord, slug: str) -> Suggestion:
    return Suggestion(
        id=record.id, public_id=record.public_id, slug=slug, section=record.section,
        base_revision=record.base_revision, text=record.text, reason=record.reason,
        author_name=record.author_name, author_email=record.author_email, user_id=record.user_id,
        client_key=record.client_key, status=cast(SuggestionStatus, record.status), created_at=record.created_at,
        decided_by=record.decided_by, decided_at=record.decided_at, decision_reason=record.decision_reason,
        revision=record.revision,
    )


def _filter_suggestions(statement: Any, status: str | None, slug: str | None, section: str | None,
                        user_id: int | None) -> Any:
    if status is not None:
        statement = statement.where(SuggestionRecord.status == status)
    if slug is not None:
        statement = statement.where(MedicineRecord.slug == slug)
    if section is not None:
        statement = statement.where(SuggestionRecord.section == section)
    if user_id is not None:
        statement = statement.where(SuggestionRecord.user_id == user_id)
    return statement


# ---------------------------------------------------------------------- checks inside a transaction


def _check_revision(session: Session, slug: str, expected: int) -> int:
    """Lock the medicine and raise StaleRevision unless its current revision is `expected`; its id.

    Every page writer (`Store.save_pages` too) locks the medicine row first on PostgreSQL, so the
    number read here cannot change before this transaction commits; SQLite has one writer anyway.
    """
    medicine_id = session.scalars(
        select(MedicineRecord.id).where(MedicineRecord.slug == slug).with_for_update()
    ).first()
    if medicine_id is None:
        raise InputError(f"no medicine with slug {slug!r}")
    current = _current_number(session, medicine_id)
    if current != expected:
        raise StaleRevision(slug, expected, current)
    return medicine_id


def _current_number(session: Session, medicine_id: int) -> int:
    number = session.scalar(
        select(RevisionRecord.number)
        .join(PageRecord, PageRecord.current_revision_id == RevisionRecord.id)
        .where(PageRecord.medicine_id == medicine_id)
    )
    return number or 0


def _require_medicine(session: Session, slug: str) -> int:
    medicine_id = session.scalars(select(MedicineRecord.id).where(MedicineRecord.slug == slug)).first()
    if medicine_id is None:
        raise InputError(f"no medicine with slug {slug!r}")
    return medicine_id


def _require_user(session: Session, user_id: int) -> None:
    if session.scalars(select(UserRecord.id).where(UserRecord.id == user_id)).first() is None:
        raise InputError(f"no user with id {user_id}")


def _name_key(name: str) -> str:
    key = name.casefold()
    if not name.strip() or name != name.strip():
        raise InputError(f"user name {name[:80]!r}: a name is not empty and has no spaces around it")
    if max(len(name), len(key)) > MAX_USER_NAME_LENGTH:
        raise InputError(f"user name {name[:80]!r}…: at most {MAX_USER_NAME_LENGTH} characters")
    _require_text(name, "user name")
    return key


def _require_text(value: str, what: str) -> None:
    problem = unstorable_reason(value)
    if problem:
        raise InputError(f"{what} {problem}")


def _require_token(value: str, what: str) -> None:
    if not 0 < len(value) <= MAX_TOKEN_LENGTH:
        raise InputError(f"a {what} has 1 to {MAX_TOKEN_LENGTH} characters, not {len(value)}")
    _require_text(value, what)


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None:
        raise InputError(f"{what} {value.isoformat()} has no time zone; the store keeps only timezone-aware times")


# ---------------------------------------------------------------------- backup


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A read transaction that sees one moment of the database from its first statement to its last.

    SQLite in WAL mode gives that to any transaction; PostgreSQL's default (READ COMMITTED) takes
    a new snapshot per statement, so the dump asks for REPEATABLE READ.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def _table_rows(connection: Connection, table: Table) -> Iterator[dict[str, Any]]:
    statement = select(table).order_by(*table.primary_key.columns)
    for row in connection.execute(statement.execution_options(yield_per=BACKUP_CHUNK_SIZE)):
        yield dict(row._mapping)


def _encode(value: Any) -> Any:
    """A column's value as JSON; `_decode` reads it back by the column's type."""
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _write_line(out: IO[bytes], document: dict[str, Any]) -> None:
    out.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")


def _backup_lines(source: IO[bytes], schema: str | None) -> Iterator[tuple[int, bytes]]:
    """The row lines of a backup with their numbers, after checking its header line."""
    lines = enumerate(source, start=1)
    first = next(lines, None)
    header = _parse_json(first[1], 1) if first else None
    if not isinstance(header, dict) or header.get("medpages_backup") != BACKUP_FORMAT:
        raise InputError(f"line 1: not a medpages backup (format {BACKUP_FORMAT}): "
                         'expected {"medpages_backup": 1, "schema": ...}')
    if header.get("schema") != schema:
        raise InputError(f"line 1: the backup has schema {header.get('schema')!r}, this database {schema!r}; "
                         "restore it into a new database with the medpages version that wrote it, then open "
                         "that database with this version, which upgrades it, and back it up again")
    for number, line in lines:
        if line.strip():
            yield number, line


def _parse_json(line: bytes, number: int) -> Any:
    try:
        return json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"line {number}: not JSON ({error})") from None


def _decode_line(line: bytes, number: int, tables: dict[str, Table]) -> tuple[Table, dict[str, Any]]:
    document = _parse_json(line, number)
    if not isinstance(document, dict) or set(document) != {"table", "row"} or not isinstance(document["row"], dict):
        raise InputError(f'line {number}: expected {{"table": ..., "row": {{...}}}}')
    table = tables.get(document["table"]) if isinstance(document["table"], str) else None
    if table is None:
        raise InputError(f"line {number}: unknown table {document['table']!r}")
    row: dict[str, Any] = document["row"]
    unknown = sorted(set(row) - set(table.columns.keys()))
    missing = sorted(set(table.columns.keys()) - set(row))
    if unknown or missing:
        problem = f"unknown column {unknown[0]!r}" if unknown else f"missing column {missing[0]!r}"
        raise InputError(f"line {number}: {table.name}: {problem}")
    return table, {name: _decode(table, name, value, number) for name, value in row.items()}


def _decode(table: Table, name: str, value: Any, number: int) -> Any:
    column = table.columns[name]
    where = f"line {number}: {table.name}.{name}"
    if value is None:
        if not column.nullable:
            raise InputError(f"{where}: may not be empty (null)")
        return None
    kind = column.type
    try:
        if isinstance(kind, JSON):
            return value
        if isinstance(kind, LargeBinary):
            if not isinstance(value, dict) or set(value) != {"base64"}:
                raise ValueError('expected {"base64": "..."}')
            return base64.b64decode(value["base64"], validate=True)
        if isinstance(kind, UTCDateTime):
            moment = datetime.fromisoformat(_string(value))
            if moment.tzinfo is None:
                raise ValueError("a time without a time zone")
            return moment.astimezone(UTC)
        if isinstance(kind, Date):
            return date.fromisoformat(_string(value))
        if isinstance(kind, Boolean):
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            return value
        if isinstance(kind, Integer):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError("expected a whole number")
            return value
        if isinstance(kind, String):  # Text too
            text_value = _string(value)
            if kind.length is not None and len(text_value) > kind.length:
                raise ValueError(f"longer than {kind.length} characters")
            problem = unstorable_reason(text_value)
            if problem:
                raise ValueError(problem)
            return text_value
    except (ValueError, TypeError) as error:
        raise InputError(f"{where}: {error}") from None
    raise InputError(f"{where}: the column's type {kind} cannot be restored")


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _require_empty(session: Session) -> None:
    for table in Base.metadata.sorted_tables:
        if session.scalar(select(func.count()).select_from(table)):
            raise InputError(f"a backup is restored only into an empty database; this one has {table.name}")


def _reset_sequences(session: Session) -> None:
    """Point each table's id sequence past the restored ids, so new rows do not collide with them."""
    for table in Base.metadata.sorted_tables:
        if table.primary_key.columns.keys() == ["id"]:
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE(MAX(id), 0) + 1, false) "
                f"FROM {table.name}"
            ))
