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
from datetime import UTC, date, datetime

from medpages.check import check_page
from medpages.errors import InputError, MedpagesError
from medpages.model import (
    LABEL_NOTE_TEXT,
    NOTE_TEXT,
    REVIEWED_NOTE_PATTERN,
    Finding,
    FrontMatter,
    Medicine,
    Page,
    Provenance,
    reviewed_note,
)
from medpages.model.facts import LabelFacts
from medpages.publish.site.views import is_skeleton
from medpages.review.accounts import can_review
from medpages.review.merge import Conflict, merge_text
from medpages.review.sanitize import (
    MAX_NAME_CHARS,
    MAX_REASON_CHARS,
    MAX_SECTION_CHARS,
    clean_email,
    clean_text,
)
from medpages.review.sections import editable_sections, section_text, with_section_text
from medpages.settings import CheckSettings
from medpages.store import Store
from medpages.store.community import NewSuggestion, StaleRevision, Suggestion, SuggestionClosed, User

# How often `accept` merges again when other writers keep saving the page first.
ACCEPT_ATTEMPTS = 20


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
        medicine = self._medicine(slug)
        current = self.store.current_revision(slug)
        page = self.store.get_revision(slug, current) if current else None
        if section not in editable_sections(page):
            raise InputError(f"section: {section!r} is not a section of {medicine.title} that can be edited")
        text = clean_text(text, field="text", max_chars=MAX_SECTION_CHARS)
        reason = clean_text(reason, field="reason", max_chars=MAX_REASON_CHARS)
        name = clean_text(author_name, field="name", max_chars=MAX_NAME_CHARS, required=False)
        email = clean_email(author_email)
        if not 0 <= base_revision <= current:
            raise InputError(f"base_revision: {base_revision} is not a revision of {slug} (0 to {current})")
        target = page if page is not None else _blank_page(medicine)
        changed, _ = with_section_text(target, section, text)  # InputError when it cannot be that section
        if changed.section_value(section) == target.section_value(section):
            raise InputError(f"text: no change to the {section} section")
        if user is not None and not name:
            name = user.name
        if client_key and rate_limit is not None:
            limit, window = rate_limit
            if not self.store.take_rate(f"suggest:{client_key}", limit, window, _now()):
                raise RateLimited(window)
        return self.store.add_suggestion(NewSuggestion(
            slug=slug, section=section, base_revision=base_revision, text=text, reason=reason,
            author_name=name, author_email=email, user_id=user.id if user is not None else None,
            client_key=client_key,
        ))

    def proposal(self, suggestion_id: int) -> Proposal:
        """The suggestion beside the section now and at its base, what accepting would store, and
        the checks' findings on the page with the change."""
        suggestion = self._suggestion(suggestion_id)
        medicine = self._medicine(suggestion.slug)
        current, page = self._current(suggestion.slug)
        base_page = self._revision(suggestion.slug, suggestion.base_revision)
        base_text = section_text(base_page, suggestion.section)
        current_text = section_text(page, suggestion.section)
        merged = merge_text(base_text, current_text, suggestion.text)
        facts = self.facts_for(medicine)
        target = page if page is not None else _blank_page(medicine)
        try:
            changed, findings = with_section_text(
                target, suggestion.section, merged.text if merged.clean else suggestion.text)
        except InputError as error:
            changed, findings = None, [Finding(code="parse.section_unreadable", severity="error",
                                               section=suggestion.section, message=str(error))]
        if changed is not None:
            findings += [finding for finding in check_page(changed, medicine, facts, self.check_settings)
                         if finding.section in (None, suggestion.section)]
        quotes = [trace.quote for trace in (page.traces if page is not None else [])
                  if trace.section == suggestion.section and trace.quote]
        return Proposal(
            suggestion=suggestion, medicine=medicine, current_revision=current, current_text=current_text,
            base_text=base_text, suggested_text=suggestion.text, merged_text=merged.text,
            conflicts=merged.conflicts, findings=findings, facts=facts, label_quotes=list(dict.fromkeys(quotes)),
        )

    def accept(self, suggestion_id: int, reviewer: User, *, edited_text: str | None = None) -> int:
        """Accept (or, with `edited_text`, edit and accept) a pending suggestion; the new revision's
        number. Merges onto the current revision, retrying when another writer got there first."""
        _require_reviewer(reviewer, "accept suggestions")
        suggestion = self._suggestion(suggestion_id)
        if suggestion.status != "pending":
            raise SuggestionClosed(f"suggestion {suggestion_id} was already {suggestion.status}")
        own = suggestion.user_id is not None and suggestion.user_id == reviewer.id
        if own and reviewer.role != "admin":
            raise PermissionDenied(f"suggestion {suggestion_id} is your own: another reviewer must accept it "
                                   "(four eyes)")
        medicine = self._medicine(suggestion.slug)
        final = None if edited_text is None else clean_text(edited_text, field="text", max_chars=MAX_SECTION_CHARS,
                                                             required=False)
        author = suggestion.author_name or "anonymous contributor"
        stale: StaleRevision | None = None
        for _ in range(ACCEPT_ATTEMPTS):
            current, page = self._current(suggestion.slug)
            text = final if final is not None else self._merged(suggestion, page)
            new_page, _ = with_section_text(page if page is not None else _blank_page(medicine),
                                            suggestion.section, text)
            new_page.provenance.pop(suggestion.section, None)
            if new_page.section_value(suggestion.section) is not None:
                new_page.provenance[suggestion.section] = Provenance(kind="contributor", by=author, at=_now())
            _set_status_after_change(new_page, page)
            message = _acceptance_message(suggestion, reviewer, own=own, edited=final is not None, onto=current)
            try:
                number = self.store.accept_suggestion(
                    suggestion_id, new_page, expected_revision=current, reviewer_id=reviewer.id,
                    author=f"contributor:{author}", message=message)
            except StaleRevision as error:
                stale = error
                continue
            self._refresh_findings(medicine, new_page)
            return number
        assert stale is not None
        raise stale

    def reject(self, suggestion_id: int, reviewer: User, reason: str) -> None:
        _require_reviewer(reviewer, "reject suggestions")
        reason = clean_text(reason, field="reason", max_chars=MAX_REASON_CHARS)
        self._suggestion(suggestion_id)
        self.store.reject_suggestion(suggestion_id, reviewer_id=reviewer.id, reason=reason)

    def mark_reviewed(self, slug: str, reviewer: User, *, expected_revision: int, note: str = "") -> int:
        """A new revision of the page marked reviewed by `reviewer` today; refused (InputError) when the
        page's findings include an error, or when it is a skeleton with nothing written."""
        _require_reviewer(reviewer, "mark pages reviewed")
        self._medicine(slug)
        note = clean_text(note, field="note", max_chars=MAX_REASON_CHARS, required=False)
        current = self.store.current_revision(slug)
        if current != expected_revision:  # the findings below describe the current revision only
            raise StaleRevision(slug, expected_revision, current)
        page = self._revision(slug, expected_revision)
        if page is None:
            raise InputError(f"{slug}: there is no revision {expected_revision} to mark reviewed")
        if is_skeleton(page):
            raise InputError(f"{slug}: nothing is written yet: a skeleton cannot be marked reviewed")
        errors = [finding for finding in self.store.findings(slug) if finding.severity == "error"]
        if errors:
            raise InputError(f"{slug}: not marked reviewed: the checks found {len(errors)} error(s), the first: "
                             f"{errors[0].message} ({errors[0].code}); fix them first")
        day = self.today()
        reviewed = page.model_copy(deep=True)
        reviewed.status, reviewed.reviewed_on = "reviewed", day
        reviewed.note = reviewed_note(reviewer.name, day)
        reviewed.provenance["note"] = Provenance(kind="fixed", by=f"reviewer:{reviewer.name}", at=_now())
        message = f"reviewed by {reviewer.name}" + (f": {note}" if note else "")
        # `fixed`: the reviewer changed none of the page's words, only medpages' own status and Note.
        return self.store.save_revision(
            slug, reviewed, expected_revision=expected_revision, author=f"reviewer:{reviewer.name}", kind="fixed",
            message=message, base_revision=expected_revision, review_by=reviewer.id, review_note=note)

    def restore(self, slug: str, number: int, user: User, *, reason: str, expected_revision: int) -> int:
        """Make revision `number`'s content current again, as a new revision (reviewers and admins)."""
        _require_reviewer(user, "restore revisions")
        medicine = self._medicine(slug)
        reason = clean_text(reason, field="reason", max_chars=MAX_REASON_CHARS)
        old = self.store.get_revision(slug, number) if number > 0 else None
        if old is None:
            raise InputError(f"revision: {slug} has no revision {number}")
        restored = old.model_copy(deep=True)
        _set_status_after_change(restored, None, new_words=False)
        # `contributor`: a person chose this content; StaleRevision reaches the caller, who reads again.
        new_number = self.store.save_revision(
            slug, restored, expected_revision=expected_revision, author=f"reviewer:{user.name}", kind="contributor",
            message=f"restored revision {number}: {reason}", base_revision=expected_revision)
        self._refresh_findings(medicine, restored)
        return new_number

    # ------------------------------------------------------------------ reading

    def _medicine(self, slug: str) -> Medicine:
        medicine = self.store.get_medicine(slug)
        if medicine is None:
            raise InputError(f"medicine: no medicine {slug!r}")
        return medicine

    def _suggestion(self, suggestion_id: int) -> Suggestion:
        suggestion = self.store.get_suggestion(suggestion_id)
        if suggestion is None:
            raise InputError(f"suggestion: no suggestion {suggestion_id}")
        return suggestion

    def _current(self, slug: str) -> tuple[int, Page | None]:
        """The current revision's number and page, read in that order: a page saved in between makes
        the number stale (the compare-and-swap fails and we read again), never the page older than it."""
        number = self.store.current_revision(slug)
        return number, self._revision(slug, number)

    def _revision(self, slug: str, number: int) -> Page | None:
        return self.store.get_revision(slug, number) if number > 0 else None

    def _merged(self, suggestion: Suggestion, page: Page | None) -> str:
        base = section_text(self._revision(suggestion.slug, suggestion.base_revision), suggestion.section)
        merged = merge_text(base, section_text(page, suggestion.section), suggestion.text)
        if not merged.clean:
            raise MergeConflict(suggestion.id, merged.conflicts)
        assert merged.text is not None
        return merged.text

    def _refresh_findings(self, medicine: Medicine, page: Page) -> None:
        """The changed page's check findings replace the stored ones (the reader's `parse.*` stay), so
        marking it reviewed is judged on what it says now, as `medpages check` would judge it."""
        checked = check_page(page, medicine, self.facts_for(medicine), self.check_settings)
        parsed = [finding for finding in self.store.findings(medicine.slug) if finding.code.startswith("parse.")]
        self.store.replace_findings(medicine.slug, parsed + checked)


def _now() -> datetime:
    return datetime.now(UTC)


def _blank_page(medicine: Medicine) -> Page:
    return Page(title=medicine.title, front_matter=FrontMatter(title=medicine.title))


def _require_reviewer(user: User | None, what: str) -> None:
    if not can_review(user):
        raise PermissionDenied(f"only reviewers and admins may {what}")


def _set_status_after_change(page: Page, current: Page | None, *, new_words: bool = True) -> None:
    """A change accepted into a reviewed page keeps it reviewed (the reviewer approved it); any other
    change leaves the page pending review, and its Note stops claiming a review (or, with `new_words`
    from a person, that the page is compiled only from the label)."""
    if current is not None and current.status == "reviewed":
        page.status, page.reviewed_on, page.note = "reviewed", current.reviewed_on, current.note
        return
    page.status, page.reviewed_on = "draft", None
    if page.note is not None and (REVIEWED_NOTE_PATTERN.fullmatch(page.note)
                                  or (new_words and page.note == LABEL_NOTE_TEXT)):
        page.note = NOTE_TEXT


def _acceptance_message(suggestion: Suggestion, reviewer: User, *, own: bool, edited: bool, onto: int) -> str:
    how = "edited and accepted" if edited else "accepted"
    message = f"suggestion {suggestion.id} ({suggestion.section}) {how} by {reviewer.name}: {suggestion.reason}"
    if not edited and onto != suggestion.base_revision:
        message += f" (merged from revision {suggestion.base_revision} onto {onto})"
    if own:
        message += " — accepted by its own author, an admin"
    return message


class RateLimited(MedpagesError):
    """Too many suggestions from one address; `retry_after` seconds until the next is accepted."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many suggestions from this address: try again in {int(retry_after) + 1} s")
