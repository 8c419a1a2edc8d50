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

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Literal, get_args

from medpages.errors import MedpagesError
from medpages.model import Page

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


class CommunityStore:
    """The community half of `Store` (a mixin: `Store` provides the engine and sessions)."""

    # ------------------------------------------------------------------ accounts

    def add_user(self, name: str, role: Role, password_hash: str) -> User:
        """Create an account; InputError when the name is taken (case-insensitively) or the role unknown."""
        raise NotImplementedError

    def get_user(self, name: str) -> User | None:
        """The account by login name, case-insensitively."""
        raise NotImplementedError

    def get_user_by_id(self, user_id: int) -> User | None:
        raise NotImplementedError

    def users(self) -> list[User]:
        raise NotImplementedError

    def set_password(self, user_id: int, password_hash: str) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ sessions (shared by every app process)

    def create_session(self, token_hash: str, user_id: int, csrf_token: str, expires_at: datetime) -> None:
        """A login session; the cookie holds the token, the database only its digest."""
        raise NotImplementedError

    def session(self, token_hash: str, now: datetime) -> tuple[User, str] | None:
        """The session's user and CSRF token, or None when unknown, expired or the user is disabled."""
        raise NotImplementedError

    def end_session(self, token_hash: str) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ API tokens

    def add_api_token(self, token_hash: str, user_id: int, label: str) -> None:
        raise NotImplementedError

    def token_user(self, token_hash: str) -> User | None:
        """The user an API token acts for, or None (unknown token, disabled user)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ rate limits (shared by every app process)

    def take_rate(self, key: str, limit: int, window_seconds: float, now: datetime) -> bool:
        """Count one event for `key`; False (and nothing counted) when `limit` events already
        happened in the last `window_seconds`. Atomic across processes and machines."""
        raise NotImplementedError

    # ------------------------------------------------------------------ suggestions

    def add_suggestion(self, suggestion: NewSuggestion) -> Suggestion:
        """Store a pending suggestion (committed before this returns: an acknowledged suggestion
        survives a crash); InputError when the medicine is unknown."""
        raise NotImplementedError

    def get_suggestion(self, suggestion_id: int) -> Suggestion | None:
        raise NotImplementedError

    def suggestion_by_public_id(self, public_id: str) -> Suggestion | None:
        raise NotImplementedError

    def suggestions(
        self, *, status: SuggestionStatus | None = "pending", slug: str | None = None, section: str | None = None,
        user_id: int | None = None, offset: int = 0, limit: int = 50,
    ) -> list[Suggestion]:
        """Suggestions oldest first, filtered; `status=None` gives every status."""
        raise NotImplementedError

    def count_suggestions(self, *, status: SuggestionStatus | None = "pending", slug: str | None = None,
                          section: str | None = None) -> int:
        raise NotImplementedError

    def accept_suggestion(
        self, suggestion_id: int, page: Page, *, expected_revision: int, reviewer_id: int, author: str,
        message: str,
    ) -> int:
        """In one transaction: save `page` as the medicine's new revision (kind `contributor`,
        its base revision recorded) if the current revision is still `expected_revision`, and
        mark the suggestion accepted by `reviewer_id` with that revision. Returns the new
        revision number. StaleRevision when the page moved on, SuggestionClosed when the
        suggestion is no longer pending; in both cases nothing is written."""
        raise NotImplementedError

    def reject_suggestion(self, suggestion_id: int, *, reviewer_id: int, reason: str) -> None:
        """Mark a pending suggestion rejected with its reason; SuggestionClosed when it is not pending."""
        raise NotImplementedError

    # ------------------------------------------------------------------ revisions people make

    def save_revision(
        self, slug: str, page: Page, *, expected_revision: int, author: str, kind: str, message: str,
        base_revision: int | None = None, review_by: int | None = None, review_note: str = "",
    ) -> int:
        """Compare-and-swap save: a new revision when the current one is `expected_revision`
        (StaleRevision otherwise). With `review_by` (a user id), a `Review` of the new revision
        is recorded in the same transaction. Returns the new revision number."""
        raise NotImplementedError

    def current_revision(self, slug: str) -> int:
        """The medicine's current revision number; 0 when it has no page."""
        raise NotImplementedError

    def revision_base(self, slug: str, number: int) -> int | None:
        """The base revision a revision recorded (None for pipeline revisions)."""
        raise NotImplementedError

    def reviews(self, slug: str) -> list[Review]:
        """The page's reviews, oldest first."""
        raise NotImplementedError

    def stable_revision(self, slug: str) -> tuple[int, Page] | None:
        """The newest revision a person reviewed (status `reviewed`), as FlaggedRevs' stable version."""
        raise NotImplementedError

    # ------------------------------------------------------------------ backup

    def dump(self, out: IO[bytes]) -> dict[str, int]:
        """Write every row of every table to `out` (JSON lines, one consistent snapshot); rows per table."""
        raise NotImplementedError

    def restore(self, source: IO[bytes]) -> dict[str, int]:
        """Load a `dump` into this store, which must hold no medicines; rows per table. Ids, times and
        bytes come back exactly; InputError names the line of a bad file and nothing is written."""
        raise NotImplementedError

    def iter_table_rows(self, table: str) -> Iterator[dict[str, object]]:
        """Every row of one table, by primary key (for tests comparing two databases)."""
        raise NotImplementedError
