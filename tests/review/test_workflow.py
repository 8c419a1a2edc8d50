"""The review workflow against a real SQLite store: suggest, accept (merging, four eyes), reject,
mark reviewed, restore."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from medpages.errors import InputError
from medpages.model import (
    DISCLAIMER_TEXT,
    LABEL_NOTE_TEXT,
    NOTE_TEXT,
    Finding,
    FrontMatter,
    Medicine,
    Page,
    SideEffect,
    SideEffects,
    TextSection,
    Trace,
)
from medpages.review import MergeConflict, PermissionDenied, ReviewDesk
from medpages.review.sections import section_text
from medpages.review.workflow import RateLimited
from medpages.settings import CheckSettings
from medpages.store import Store
from medpages.store.community import StaleRevision, SuggestionClosed, User

SLUG = "atorvastatin-10mg"
TODAY = date(2026, 3, 1)
SIDE_EFFECTS = SideEffects(lead="Common side effects include:", items=[
    SideEffect(name="Fatigue", explanation="tiredness."),
    SideEffect(name="Nausea", explanation="feeling sick."),
    SideEffect(name="Headache", explanation="mild."),
    SideEffect(name="Muscle pain", explanation="aching muscles."),
])


def medicine() -> Medicine:
    return Medicine(title="Atorvastatin 10mg", slug=SLUG, letter="a", generic_name="atorvastatin")


def page(**fields) -> Page:
    defaults = dict(
        title="Atorvastatin 10mg", front_matter=FrontMatter(title="Atorvastatin 10mg"),
        generic_name="atorvastatin", usage=TextSection(lead="Atorvastatin lowers cholesterol in the blood."),
        side_effects=SIDE_EFFECTS, disclaimer=DISCLAIMER_TEXT, note=NOTE_TEXT,
        traces=[Trace(section="side_effects", text="Fatigue", source="set-1", label_section="adverse_reactions",
                      quote="fatigue (5%)")],
    )
    return Page(**{**defaults, **fields})


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "db.sqlite") as store:
        store.upsert_medicine(medicine())
        store.save_page(SLUG, page(), author="model:test", kind="model")
        yield store


@pytest.fixture
def desk(store) -> ReviewDesk:
    return ReviewDesk(store=store, check_settings=CheckSettings(), facts_for=lambda _m: None, today=lambda: TODAY)


@pytest.fixture
def rita(store) -> User:
    return store.add_user("rita", "reviewer", "not-a-real-hash")


@pytest.fixture
def sam(store) -> User:
    return store.add_user("sam", "reviewer", "not-a-real-hash")


@pytest.fixture
def ada(store) -> User:
    return store.add_user("ada", "admin", "not-a-real-hash")


@pytest.fixture
def carl(store) -> User:
    return store.add_user("carl", "contributor", "not-a-real-hash")


def side_effects_text(*, replace: tuple[str, str] | None = None, page_text: str | None = None) -> str:
    text = page_text if page_text is not None else section_text(page(), "side_effects")
    return text.replace(*replace) if replace else text


def suggest(desk: ReviewDesk, text: str, *, base: int = 1, section: str = "side_effects", **kw):
    kw.setdefault("reason", "clearer wording")
    return desk.suggest(SLUG, section, text, base_revision=base, **kw)


# ------------------------------------------------------------------ suggest


@pytest.mark.parametrize(("change", "field"), [
    (dict(slug="no-such-medicine"), "medicine"),
    (dict(section="nonsense"), "section"),
    (dict(section="disclaimer"), "section"),
    (dict(section="note"), "section"),
    (dict(text=""), "text"),
    (dict(text="x" * 20_001), "text"),
    (dict(reason=""), "reason"),
    (dict(reason="r" * 612), "reason"),
    (dict(author_email="not an address"), "email"),
    (dict(author_name="n" * 101), "name"),
    (dict(base_revision=2), "base_revision"),
    (dict(base_revision=-1), "base_revision"),
    (dict(text=section_text(page(), "side_effects")), "text"),
])
def test_suggest_validation_errors_name_the_field(desk, store, change, field):
    arguments = dict(slug=SLUG, section="side_effects", text=side_effects_text(replace=("mild.", "mild, brief.")),
                     base_revision=1, reason="clearer")
    arguments.update(change)
    slug, section, text = arguments.pop("slug"), arguments.pop("section"), arguments.pop("text")
    with pytest.raises(InputError, match=rf"^{field}: "):
        desk.suggest(slug, section, text, **arguments)
    assert store.suggestions() == []


def test_suggest_says_the_oversized_reason_and_its_limit(desk):
    with pytest.raises(InputError, match="^reason: 612 characters, at most 500$"):
        suggest(desk, "Lowers cholesterol.", section="usage", reason="r" * 612)


def test_suggest_refuses_text_that_is_not_that_section(desk):
    with pytest.raises(InputError, match="safety_advice"):
        suggest(desk, "Avoid alcohol.", section="safety_advice")


def test_suggest_stores_clean_text(desk, store, carl):
    suggestion = suggest(desk, "Lowers <b>cholesterol</b>. [More](javascript:alert(1))<script>x</script>",
                         section="usage", reason=" better  ", author_email="c@example.org", user=carl)
    assert suggestion.text == "Lowers cholesterol. More" and suggestion.reason == "better"
    assert suggestion.author_name == "carl" and suggestion.user_id == carl.id
    assert suggestion.status == "pending" and store.get_suggestion(suggestion.id) == suggestion


def test_a_section_the_page_lacks_can_be_suggested(desk):
    suggestion = suggest(desk, "Call a poison centre at once.", section="overdose")
    assert suggestion.section == "overdose"


def test_suggest_is_rate_limited_per_address(desk):
    for n in range(2):
        suggest(desk, f"Lowers cholesterol ({n}).", section="usage", client_key="addr-1", rate_limit=(2, 3600.0))
    with pytest.raises(RateLimited):
        suggest(desk, "Lowers cholesterol (3).", section="usage", client_key="addr-1", rate_limit=(2, 3600.0))
    suggest(desk, "Lowers cholesterol (4).", section="usage", client_key="addr-2", rate_limit=(2, 3600.0))
    suggest(desk, "Lowers cholesterol (5).", section="usage", client_key="", rate_limit=(2, 3600.0))
    suggest(desk, "Lowers cholesterol (6).", section="usage", client_key="addr-1", rate_limit=None)


# ------------------------------------------------------------------ proposal


def test_proposal_shows_the_merge_the_findings_and_the_label(desk):
    suggestion = suggest(desk, side_effects_text(replace=("mild.", "usually mild.")))
    proposal = desk.proposal(suggestion.id)
    assert proposal.current_revision == 1 and proposal.base_text == proposal.current_text
    assert proposal.merged_text == suggestion.text and proposal.conflicts == []
    assert proposal.label_quotes == ["fatigue (5%)"] and proposal.facts is None
    assert all(finding.section in (None, "side_effects") for finding in proposal.findings)


# ------------------------------------------------------------------ accept


def test_accept_writes_a_contributor_revision(desk, store, rita):
    suggestion = suggest(desk, side_effects_text(replace=("mild.", "usually mild.")), author_name="Jo")
    number = desk.accept(suggestion.id, rita)
    assert number == 2 and store.current_revision(SLUG) == 2
    current = store.get_page(SLUG)
    assert current.side_effects.items[2].explanation == "usually mild."
    assert current.provenance["side_effects"].kind == "contributor"
    assert current.provenance["side_effects"].by == "Jo"
    assert current.status == "draft"
    accepted = store.get_suggestion(suggestion.id)
    assert accepted.status == "accepted" and accepted.revision == 2 and accepted.decided_by == rita.id
    assert "accepted by rita" in store.revisions(SLUG)[-1].message
    with pytest.raises(SuggestionClosed):
        desk.accept(suggestion.id, rita)


def test_an_anonymous_contributor_is_named_so(desk, store, rita):
    desk.accept(suggest(desk, "Lowers cholesterol.", section="usage").id, rita)
    assert store.get_page(SLUG).provenance["usage"].by == "anonymous contributor"


def test_only_reviewers_accept(desk, carl):
    suggestion = suggest(desk, "Lowers cholesterol.", section="usage")
    with pytest.raises(PermissionDenied):
        desk.accept(suggestion.id, carl)


def test_four_eyes_a_reviewer_cannot_accept_their_own(desk, store, rita, sam):
    suggestion = suggest(desk, "Lowers cholesterol.", section="usage", user=rita)
    with pytest.raises(PermissionDenied, match="four eyes"):
        desk.accept(suggestion.id, rita)
    assert store.current_revision(SLUG) == 1
    assert desk.accept(suggestion.id, sam) == 2


def test_an_admin_may_accept_their_own_and_it_is_recorded(desk, store, ada):
    suggestion = suggest(desk, "Lowers cholesterol.", section="usage", user=ada)
    desk.accept(suggestion.id, ada)
    assert "accepted by its own author, an admin" in store.revisions(SLUG)[-1].message


def test_non_overlapping_suggestions_on_one_section_both_merge(desk, store, rita):
    first = suggest(desk, side_effects_text(replace=("tiredness.", "feeling tired.")))
    second = suggest(desk, side_effects_text(replace=("aching muscles.", "aching or weak muscles.")))
    assert desk.accept(first.id, rita) == 2
    assert desk.proposal(second.id).merged_text is not None
    assert desk.accept(second.id, rita) == 3
    items = store.get_page(SLUG).side_effects.items
    assert items[0].explanation == "feeling tired." and items[3].explanation == "aching or weak muscles."
    assert "merged from revision 1 onto 2" in store.revisions(SLUG)[-1].message


def test_overlapping_suggestions_conflict_and_nothing_is_written(desk, store, rita):
    first = suggest(desk, side_effects_text(replace=("feeling sick.", "feeling or being sick.")))
    second = suggest(desk, side_effects_text(replace=("feeling sick.", "nausea.")))
    desk.accept(first.id, rita)
    with pytest.raises(MergeConflict) as raised:
        desk.accept(second.id, rita)
    assert raised.value.conflicts[0].current.endswith("feeling or being sick.")
    assert raised.value.conflicts[0].suggested.endswith("nausea.")
    assert store.current_revision(SLUG) == 2 and store.get_suggestion(second.id).status == "pending"
    proposal = desk.proposal(second.id)
    assert proposal.merged_text is None and proposal.conflicts == raised.value.conflicts

    resolved = side_effects_text(replace=("feeling sick.", "feeling or being sick (nausea)."))
    assert desk.accept(second.id, rita, edited_text=resolved) == 3
    assert store.get_page(SLUG).side_effects.items[1].explanation == "feeling or being sick (nausea)."
    assert "edited and accepted" in store.revisions(SLUG)[-1].message


def test_accept_merges_again_when_another_writer_got_there_first(tmp_path):
    path = tmp_path / "race.sqlite"

    class RacingStore(Store):
        """Between reading the revision number and writing, another process saves the page once."""

        raced = False

        def current_revision(self, slug: str) -> int:
            number = super().current_revision(slug)
            if not RacingStore.raced:
                RacingStore.raced = True
                with Store.open(path) as other:
                    other.save_page(SLUG, page(usage=TextSection(lead="Changed by another writer.")),
                                    author="model:other", kind="model")
            return number

    with Store.open(path) as setup:
        setup.upsert_medicine(medicine())
        setup.save_page(SLUG, page(), author="model:test", kind="model")
        reviewer = setup.add_user("rita", "reviewer", "h")
    with RacingStore.open(path) as store:
        desk = ReviewDesk(store=store, check_settings=CheckSettings(), facts_for=lambda _m: None)
        RacingStore.raced = True  # no race while suggesting
        suggestion = suggest(desk, side_effects_text(replace=("mild.", "usually mild.")))
        RacingStore.raced = False
        assert desk.accept(suggestion.id, reviewer) == 3
        current = store.get_page(SLUG)
        assert current.usage.lead == "Changed by another writer."
        assert current.side_effects.items[2].explanation == "usually mild."


def test_the_first_page_of_a_medicine_can_come_from_a_suggestion(desk, store, rita):
    store.upsert_medicine(Medicine(title="Ibuprofen 200mg", slug="ibuprofen-200mg", letter="i"))
    suggestion = desk.suggest("ibuprofen-200mg", "usage", "Ibuprofen eases pain.", base_revision=0, reason="new")
    assert desk.proposal(suggestion.id).base_text == ""
    assert desk.accept(suggestion.id, rita) == 1
    first = store.get_page("ibuprofen-200mg")
    assert first.title == "Ibuprofen 200mg" and first.usage == TextSection(lead="Ibuprofen eases pain.")
    assert first.status == "draft"


# ------------------------------------------------------------------ reject


def test_reject_records_the_reason(desk, store, rita, carl):
    suggestion = suggest(desk, "Lowers cholesterol.", section="usage")
    with pytest.raises(PermissionDenied):
        desk.reject(suggestion.id, carl, "no")
    with pytest.raises(InputError, match="^reason: "):
        desk.reject(suggestion.id, rita, "  ")
    desk.reject(suggestion.id, rita, "the label says otherwise")
    rejected = store.get_suggestion(suggestion.id)
    assert rejected.status == "rejected" and rejected.decision_reason == "the label says otherwise"
    assert store.current_revision(SLUG) == 1
    with pytest.raises(SuggestionClosed):
        desk.accept(suggestion.id, rita)


# ------------------------------------------------------------------ mark reviewed, stable revision


def test_mark_reviewed_sets_status_note_and_review(desk, store, rita):
    number = desk.mark_reviewed(SLUG, rita, expected_revision=1, note="checked against the label")
    assert number == 2
    reviewed = store.get_page(SLUG)
    assert reviewed.status == "reviewed" and reviewed.reviewed_on == TODAY
    assert reviewed.note == f"Reviewed by rita on {TODAY.isoformat()}. Please consult a medical professional " \
                            "for advice about your own treatment."
    assert reviewed.side_effects == SIDE_EFFECTS
    [review] = store.reviews(SLUG)
    assert review.revision == 2 and review.reviewer_id == rita.id and review.note == "checked against the label"
    assert store.stable_revision(SLUG)[0] == 2


def test_mark_reviewed_needs_a_reviewer_and_the_current_revision(desk, carl, rita):
    with pytest.raises(PermissionDenied):
        desk.mark_reviewed(SLUG, carl, expected_revision=1)
    desk.accept(suggest(desk, "Lowers cholesterol.", section="usage").id, rita)
    with pytest.raises(StaleRevision):
        desk.mark_reviewed(SLUG, rita, expected_revision=1)


def test_mark_reviewed_is_refused_with_an_error_finding(desk, store, rita):
    store.replace_findings(SLUG, [Finding(code="claims.unsupported", severity="error", section="usage",
                                          message="a dose the label does not give")])
    with pytest.raises(InputError, match="error"):
        desk.mark_reviewed(SLUG, rita, expected_revision=1)
    assert store.current_revision(SLUG) == 1 and store.reviews(SLUG) == []


def test_a_skeleton_cannot_be_marked_reviewed(desk, store, rita):
    skeleton = Page(title="Atorvastatin 10mg", front_matter=FrontMatter(title="Atorvastatin 10mg"))
    number = store.save_page(SLUG, skeleton, author="catalogue", kind="skeleton")
    with pytest.raises(InputError, match="skeleton"):
        desk.mark_reviewed(SLUG, rita, expected_revision=number)


def test_the_stable_revision_follows_reviewed_changes(desk, store, rita, sam):
    assert store.stable_revision(SLUG) is None
    desk.mark_reviewed(SLUG, rita, expected_revision=1)
    # A reviewer accepting a change into a reviewed page approves it: the page stays reviewed.
    desk.accept(suggest(desk, "Lowers cholesterol.", section="usage", base=2).id, sam)
    current = store.get_page(SLUG)
    assert current.status == "reviewed" and current.reviewed_on == TODAY and current.note.startswith("Reviewed by rita")
    assert store.stable_revision(SLUG)[0] == 3
    # A restore leaves it pending review again; readers keep the stable revision.
    desk.restore(SLUG, 1, rita, reason="back to the draft", expected_revision=3)
    assert store.get_page(SLUG).status == "draft"
    assert store.stable_revision(SLUG)[0] == 3


def test_a_change_to_a_label_page_says_it_is_no_longer_only_the_label(desk, store, rita):
    store.save_page(SLUG, page(note=LABEL_NOTE_TEXT), author="reference", kind="reference")
    desk.accept(suggest(desk, "Lowers cholesterol.", section="usage", base=2).id, rita)
    assert store.get_page(SLUG).note == NOTE_TEXT


# ------------------------------------------------------------------ restore


def test_restore_makes_an_old_revision_current_as_a_new_one(desk, store, rita, carl):
    desk.accept(suggest(desk, "Lowers cholesterol.", section="usage").id, rita)
    with pytest.raises(PermissionDenied):
        desk.restore(SLUG, 1, carl, reason="vandalism", expected_revision=2)
    with pytest.raises(InputError, match="^reason: "):
        desk.restore(SLUG, 1, rita, reason="", expected_revision=2)
    with pytest.raises(InputError, match="revision"):
        desk.restore(SLUG, 9, rita, reason="vandalism", expected_revision=2)
    with pytest.raises(StaleRevision):
        desk.restore(SLUG, 1, rita, reason="vandalism", expected_revision=1)
    assert desk.restore(SLUG, 1, rita, reason="vandalism", expected_revision=2) == 3
    assert store.get_page(SLUG).usage == page().usage
    last = store.revisions(SLUG)[-1]
    assert last.message == "restored revision 1: vandalism" and last.author == "reviewer:rita"
    assert store.revisions(SLUG)[-1].status == "draft"
