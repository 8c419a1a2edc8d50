"""Suggest, accept, reject, mark reviewed, restore: the rules, with the store keeping the records.

The rules (issue 10, docs/review.md):
- A suggestion names its base revision; if the section changed since, non-overlapping changes
  merge (diff3), overlapping ones are a `MergeConflict` showing both; nothing is overwritten.
- Four eyes: a reviewer cannot accept their own suggestion; an admin can, and it is recorded
  in the revision's message.
- Every accepted change, restore and review is a new revision (who, when, why, base revision).
- Marking a page reviewed sets status `reviewed`, `reviewed_on` and the reviewed Note, and
  records the review. A page whose current revision is reviewed stays reviewed when a reviewer
  accepts a change into it (the reviewer approved that change, as FlaggedRevs auto-reviews a
  reviewer's edit of a stable page); any other change leaves it pending review again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from medpages.errors import MedpagesError
from medpages.model import Finding, Medicine, Page
from medpages.model.facts import LabelFacts
from medpages.review.merge import Conflict
from medpages.settings import CheckSettings
from medpages.store import Store
from medpages.store.community import Suggestion, User


class PermissionDenied(MedpagesError):
    """The user's role does not allow this, or it is their own suggestion (four eyes)."""


class MergeConflict(MedpagesError):
    """The suggestion overlaps a change made since its base revision; `conflicts` shows both sides."""

    def __init__(self, suggestion_id: int, conflicts: list[Conflict]) -> None:
        self.suggestion_id, self.conflicts = suggestion_id, conflicts
        super().__init__(f"suggestion {suggestion_id} overlaps a later change to its section: "
                         f"{len(conflicts)} conflicting part(s); edit and accept to resolve")


@dataclass
class Proposal:
    """What a reviewer sees for one suggestion."""

    suggestion: Suggestion
    medicine: Medicine
    current_revision: int
    current_text: str  # the section now
    base_text: str  # the section at the suggestion's base revision
    suggested_text: str
    merged_text: str | None  # what accepting would store; None when it conflicts
    conflicts: list[Conflict] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # the quality gate on the page with the change
    facts: LabelFacts | None = None  # the medicine's label, for the section's facts and sources
    label_quotes: list[str] = field(default_factory=list)  # label text behind this section (traces, sections)


@dataclass
class ReviewDesk:
    """The review workflow over one store, with the checks' settings and a label lookup."""

    store: Store
    check_settings: CheckSettings
    facts_for: Callable[[Medicine], LabelFacts | None]
    today: Callable[[], date] = date.today

    def suggest(self, slug: str, section: str, text: str, *, base_revision: int, reason: str,
                author_name: str = "", author_email: str = "", user: User | None = None,
                client_key: str = "", rate_limit: tuple[int, float] | None = (10, 3600.0)) -> Suggestion:
        """Validate, sanitise and store a suggestion; InputError names the bad field (unknown
        medicine or section, empty or oversized text or reason, bad e-mail, base revision in the
        future), RateLimited when the sender's address sent too many in the window."""
        raise NotImplementedError

    def proposal(self, suggestion_id: int) -> Proposal:
        raise NotImplementedError

    def accept(self, suggestion_id: int, reviewer: User, *, edited_text: str | None = None) -> int:
        """Accept (or, with `edited_text`, edit and accept) a pending suggestion; the new revision's
        number. Merges onto the current revision, retrying when another writer got there first."""
        raise NotImplementedError

    def reject(self, suggestion_id: int, reviewer: User, reason: str) -> None:
        raise NotImplementedError

    def mark_reviewed(self, slug: str, reviewer: User, *, expected_revision: int, note: str = "") -> int:
        """A new revision of the page marked reviewed by `reviewer` today; refused (InputError) when the
        page's findings include an error, or when it is a skeleton with nothing written."""
        raise NotImplementedError

    def restore(self, slug: str, number: int, user: User, *, reason: str, expected_revision: int) -> int:
        """Make revision `number`'s content current again, as a new revision (reviewers and admins)."""
        raise NotImplementedError


class RateLimited(MedpagesError):
    """Too many suggestions from one address; `retry_after` seconds until the next is accepted."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many suggestions from this address: try again in {int(retry_after) + 1} s")
