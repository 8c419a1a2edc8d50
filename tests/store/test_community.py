"""Accounts, sessions, API tokens, rate limits, suggestions, reviews and compare-and-swap saves,
on a real SQLite file and (when configured) a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from medpages.errors import InputError
from medpages.model import Medicine
from medpages.store import NewSuggestion, StaleRevision, Store, SuggestionClosed

from store_samples import make_medicine, make_page

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def medicine(store: Store) -> Medicine:
    medicine = make_medicine()
    store.upsert_medicine(medicine)
    store.save_page(medicine.slug, make_page(medicine), author="import:seed.md", kind="imported")
    return medicine


def suggestion_for(medicine: Medicine, **fields) -> NewSuggestion:
    values = {"slug": medicine.slug, "section": "usage", "base_revision": 1, "text": "Relieves mild pain.",
              "reason": "plainer words", "author_name": "Jane", "client_key": "c0ffee"}
    return NewSuggestion(**{**values, **fields})


# ---------------------------------------------------------------------- accounts


def test_users_are_found_by_name_in_any_case_and_names_are_unique_ignoring_case(store: Store) -> None:
    bob = store.add_user("Bob", "reviewer", "hash-1")
    assert store.get_user("bOB") == bob == store.get_user_by_id(bob.id)
    assert (bob.name, bob.role, bob.disabled) == ("Bob", "reviewer", False)
    assert bob.created_at.tzinfo is not None
    with pytest.raises(InputError, match="already exists"):
        store.add_user("BOB", "contributor", "hash-2")
    with pytest.raises(InputError, match="unknown role 'owner'"):
        store.add_user("Carol", "owner", "hash")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="at most 100 characters"):
        store.add_user("x" * 101, "admin", "hash")
    with pytest.raises(InputError, match="NUL"):
        store.add_user("nul\x00", "admin", "hash")
    store.add_user("alice", "admin", "hash-3")
    assert [user.name for user in store.users()] == ["alice", "Bob"]
    store.set_password(bob.id, "hash-new")
    assert store.get_user("bob").password_hash == "hash-new"
    assert store.get_user("nobody") is None
    with pytest.raises(InputError, match="no user with id 999"):
        store.set_password(999, "hash")


def test_a_session_lasts_until_it_expires_ends_or_its_user_is_disabled(store: Store) -> None:
    jane = store.add_user("Jane", "contributor", "hash")
    store.create_session("digest-1", jane.id, "csrf-1", NOW + timedelta(hours=1))
    assert store.session("digest-1", NOW) == (jane, "csrf-1")
    assert store.session("digest-1", NOW + timedelta(hours=1)) is None  # expired
    assert store.session("unknown", NOW) is None
    store.set_disabled(jane.id)
    assert store.session("digest-1", NOW) is None
    store.set_disabled(jane.id, False)
    assert store.session("digest-1", NOW) is not None
    store.end_session("digest-1")
    assert store.session("digest-1", NOW) is None
    with pytest.raises(InputError, match="time zone"):
        store.create_session("digest-2", jane.id, "csrf", datetime(2030, 1, 1))
    with pytest.raises(InputError, match="no user"):
        store.create_session("digest-3", 999, "csrf", NOW)


def test_api_tokens_act_for_their_user_until_it_is_disabled(store: Store) -> None:
    jane = store.add_user("Jane", "contributor", "hash")
    store.add_api_token("token-digest", jane.id, "my script")
    assert store.token_user("token-digest") == jane
    assert store.token_user("other") is None
    store.set_disabled(jane.id)
    assert store.token_user("token-digest") is None


# ---------------------------------------------------------------------- rate limits


def test_a_rate_limit_counts_only_what_it_allows_and_its_window_slides(store: Store) -> None:
    assert [store.take_rate("suggest:a", 2, 60, NOW + timedelta(seconds=s)) for s in (0, 10, 20)] == [
        True, True, False]
    assert store.take_rate("suggest:b", 2, 60, NOW + timedelta(seconds=20))  # other keys are apart
    # The refused event at 20 s was not counted: at 61 s only the event at 10 s is in the window.
    assert store.take_rate("suggest:a", 2, 60, NOW + timedelta(seconds=61))
    assert not store.take_rate("suggest:a", 2, 60, NOW + timedelta(seconds=62))
    assert store.take_rate("suggest:a", 2, 60, NOW + timedelta(seconds=71))


def test_concurrent_takers_never_exceed_the_limit(store: Store) -> None:
    results: list[bool] = []
    lock = threading.Lock()

    def take() -> None:
        allowed = store.take_rate("busy", 5, 60, NOW)
        with lock:
            results.append(allowed)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 15 + [True] * 5


# ---------------------------------------------------------------------- suggestions


def test_a_suggestion_is_kept_pending_and_found_by_id_and_public_id(store: Store, medicine: Medicine) -> None:
    jane = store.add_user("Jane", "contributor", "hash")
    added = store.add_suggestion(suggestion_for(medicine, user_id=jane.id, author_email="jane@example.org"))
    assert added.status == "pending" and added.slug == medicine.slug and added.user_id == jane.id
    assert len(added.public_id) >= 22 and added.revision is None and added.decided_by is None
    assert store.get_suggestion(added.id) == added == store.suggestion_by_public_id(added.public_id)
    assert store.get_suggestion(added.id + 1) is None
    assert store.suggestion_by_public_id("guess") is None
    with pytest.raises(InputError, match="no medicine with slug 'nope'"):
        store.add_suggestion(suggestion_for(medicine, slug="nope"))
    with pytest.raises(InputError, match="section key"):
        store.add_suggestion(suggestion_for(medicine, section="s" * 65))


def test_suggestions_are_listed_oldest_first_filtered_and_paged(store: Store, medicine: Medicine) -> None:
    other = make_medicine("Ibuprofen 200mg")
    store.upsert_medicine(other)
    jane = store.add_user("Jane", "contributor", "hash")
    first = store.add_suggestion(suggestion_for(medicine))
    second = store.add_suggestion(suggestion_for(medicine, section="side_effects", user_id=jane.id))
    third = store.add_suggestion(suggestion_for(other, base_revision=0))
    reviewer = store.add_user("Rita", "reviewer", "hash")
    store.reject_suggestion(first.id, reviewer_id=reviewer.id, reason="not better")

    assert [s.id for s in store.suggestions()] == [second.id, third.id]
    assert [s.id for s in store.suggestions(status=None)] == [first.id, second.id, third.id]
    assert [s.id for s in store.suggestions(status="rejected")] == [first.id]
    assert [s.id for s in store.suggestions(status=None, slug=medicine.slug)] == [first.id, second.id]
    assert [s.id for s in store.suggestions(section="side_effects")] == [second.id]
    assert [s.id for s in store.suggestions(user_id=jane.id)] == [second.id]
    assert [s.id for s in store.suggestions(status=None, offset=1, limit=1)] == [second.id]
    assert store.count_suggestions() == 2
    assert store.count_suggestions(status=None) == 3
    assert store.count_suggestions(status=None, slug=medicine.slug, section="usage") == 1


def test_accepting_a_suggestion_makes_a_contributor_revision_with_its_base(store: Store, medicine: Medicine) -> None:
    reviewer = store.add_user("Rita", "reviewer", "hash")
    suggestion = store.add_suggestion(suggestion_for(medicine))
    page = make_page(medicine, usage="Relieves mild pain.")
    number = store.accept_suggestion(suggestion.id, page, expected_revision=1, reviewer_id=reviewer.id,
                                     author="contributor:Jane", message="suggestion 1")
    assert number == 2
    assert store.get_revision(medicine.slug, 2) == page == store.get_page(medicine.slug)
    summary = store.revisions(medicine.slug)[-1]
    assert (summary.author, summary.kind, summary.message) == ("contributor:Jane", "contributor", "suggestion 1")
    assert store.revision_base(medicine.slug, 2) == 1
    assert store.revision_base(medicine.slug, 1) is None
    accepted = store.get_suggestion(suggestion.id)
    assert (accepted.status, accepted.revision, accepted.decided_by) == ("accepted", 2, reviewer.id)
    assert accepted.decided_at is not None
    with pytest.raises(SuggestionClosed):
        store.accept_suggestion(suggestion.id, page, expected_revision=2, reviewer_id=reviewer.id,
                                author="contributor:Jane", message="again")
    with pytest.raises(SuggestionClosed):
        store.reject_suggestion(suggestion.id, reviewer_id=reviewer.id, reason="late")
    assert store.current_revision(medicine.slug) == 2


def test_a_stale_acceptance_writes_nothing(store: Store, medicine: Medicine) -> None:
    reviewer = store.add_user("Rita", "reviewer", "hash")
    suggestion = store.add_suggestion(suggestion_for(medicine))
    store.save_page(medicine.slug, make_page(medicine, usage="Changed meanwhile."), author="model:x", kind="model")
    with pytest.raises(StaleRevision) as raised:
        store.accept_suggestion(suggestion.id, make_page(medicine, usage="Relieves mild pain."),
                                expected_revision=1, reviewer_id=reviewer.id, author="contributor:Jane", message="")
    assert (raised.value.expected, raised.value.current) == (1, 2)
    assert store.current_revision(medicine.slug) == 2
    assert store.get_suggestion(suggestion.id).status == "pending"


def test_rejecting_records_who_and_why(store: Store, medicine: Medicine) -> None:
    reviewer = store.add_user("Rita", "reviewer", "hash")
    suggestion = store.add_suggestion(suggestion_for(medicine))
    store.reject_suggestion(suggestion.id, reviewer_id=reviewer.id, reason="the label says otherwise")
    rejected = store.get_suggestion(suggestion.id)
    assert (rejected.status, rejected.decided_by, rejected.decision_reason) == (
        "rejected", reviewer.id, "the label says otherwise")
    assert store.revisions(medicine.slug)[-1].number == 1


# ---------------------------------------------------------------------- revisions and reviews


def test_save_revision_is_compare_and_swap(store: Store, medicine: Medicine) -> None:
    page = make_page(medicine, usage="Second version.")
    assert store.save_revision(medicine.slug, page, expected_revision=1, author="contributor:Jane",
                               kind="contributor", message="plainer", base_revision=1) == 2
    with pytest.raises(StaleRevision, match="at revision 2, not 1"):
        store.save_revision(medicine.slug, page, expected_revision=1, author="contributor:Jane",
                            kind="contributor", message="")
    # An identical page still makes a new revision: the caller was promised a new number.
    assert store.save_revision(medicine.slug, page, expected_revision=2, author="fixed:Jane",
                               kind="fixed", message="same") == 3
    assert [r.number for r in store.revisions(medicine.slug)] == [1, 2, 3]
    assert store.revision_base(medicine.slug, 2) == 1


def test_a_medicine_without_a_page_is_at_revision_zero(store: Store) -> None:
    medicine = make_medicine("Aspirin 75mg")
    store.upsert_medicine(medicine)
    assert store.current_revision(medicine.slug) == 0
    with pytest.raises(StaleRevision):
        store.save_revision(medicine.slug, make_page(medicine), expected_revision=1, author="contributor:J",
                            kind="contributor", message="")
    assert store.save_revision(medicine.slug, make_page(medicine), expected_revision=0, author="contributor:J",
                               kind="contributor", message="") == 1
    assert store.get_page(medicine.slug) == make_page(medicine)
    with pytest.raises(InputError, match="no medicine"):
        store.current_revision("nope")


def test_a_review_is_recorded_with_its_revision_and_makes_it_stable(store: Store, medicine: Medicine) -> None:
    assert store.stable_revision(medicine.slug) is None
    rita = store.add_user("Rita", "reviewer", "hash")
    reviewed = make_page(medicine, status="reviewed")
    number = store.save_revision(medicine.slug, reviewed, expected_revision=1, author="reviewer:Rita",
                                 kind="fixed", message="reviewed", review_by=rita.id, review_note="checked dose")
    assert number == 2
    [review] = store.reviews(medicine.slug)
    assert (review.slug, review.revision, review.reviewer_id, review.reviewer_name, review.note) == (
        medicine.slug, 2, rita.id, "Rita", "checked dose")
    # A later draft does not replace the stable revision.
    store.save_revision(medicine.slug, make_page(medicine, usage="Draft."), expected_revision=2,
                        author="contributor:Jane", kind="contributor", message="")
    assert store.stable_revision(medicine.slug) == (2, reviewed)
    with pytest.raises(InputError, match="no user with id 999"):
        store.save_revision(medicine.slug, reviewed, expected_revision=3, author="reviewer:x", kind="fixed",
                            message="", review_by=999)
    assert store.current_revision(medicine.slug) == 3


def test_concurrent_compare_and_swap_saves_lose_no_update(store: Store, medicine: Medicine) -> None:
    errors: list[BaseException] = []

    def save(index: int) -> None:
        page = make_page(medicine, usage=f"Written by thread {index}.")
        try:
            while True:
                current = store.current_revision(medicine.slug)
                try:
                    store.save_revision(medicine.slug, page, expected_revision=current,
                                        author=f"contributor:t{index}", kind="contributor", message=str(index),
                                        base_revision=current)
                    return
                except StaleRevision:
                    continue
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=save, args=(index,)) for index in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    history = store.revisions(medicine.slug)
    assert [revision.number for revision in history] == list(range(1, 52))
    assert sorted(int(revision.message) for revision in history[1:]) == list(range(50))
    # Each save was based on the revision just before it: no writer overwrote another unseen.
    assert [store.revision_base(medicine.slug, n) for n in range(2, 52)] == list(range(1, 51))


