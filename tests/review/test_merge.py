"""Three-way merge of section text: what merges, what conflicts, and nothing dropped."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from medpages.review.merge import Conflict, merge_text

BASE = "* **Fatigue:** tiredness.\n* **Nausea:** feeling sick.\n* **Headache:** mild.\n* **Rash:** itchy skin."


def test_non_overlapping_changes_merge():
    current = BASE.replace("tiredness.", "feeling tired or weak.")
    suggested = BASE.replace("itchy skin.", "itchy, red skin.")
    result = merge_text(BASE, current, suggested)
    assert result.clean and not result.conflicts
    assert result.text == current.replace("itchy skin.", "itchy, red skin.")


def test_an_added_line_merges_with_an_edit_elsewhere():
    current = BASE + "\n* **Dizziness:** light-headed."
    suggested = BASE.replace("tiredness.", "feeling tired.")
    assert merge_text(BASE, current, suggested).text == current.replace("tiredness.", "feeling tired.")


def test_overlapping_changes_conflict_and_show_both_sides():
    current = BASE.replace("feeling sick.", "feeling sick or being sick.")
    suggested = BASE.replace("feeling sick.", "nausea, usually mild.")
    result = merge_text(BASE, current, suggested)
    assert not result.clean and result.text is None
    assert result.conflicts == [Conflict(base="* **Nausea:** feeling sick.",
                                         current="* **Nausea:** feeling sick or being sick.",
                                         suggested="* **Nausea:** nausea, usually mild.")]


def test_identical_changes_merge():
    changed = BASE.replace("mild.", "usually mild.")
    assert merge_text(BASE, changed, changed).text == changed


def test_a_deletion_against_an_edit_of_the_same_line_conflicts():
    current = BASE.replace("* **Headache:** mild.\n", "")
    suggested = BASE.replace("Headache:** mild.", "Headache:** mild, goes away.")
    result = merge_text(BASE, current, suggested)
    assert not result.clean
    assert result.conflicts[0].current == "" and "goes away" in result.conflicts[0].suggested


def test_the_last_line_without_a_newline_merges_like_the_others():
    result = merge_text("a\nb\nc\nd", "A\nb\nc\nd", "a\nb\nc\nD")
    assert result.text == "A\nb\nc\nD"


def test_no_change_in_the_suggestion_keeps_the_current_text():
    assert merge_text(BASE, "something else", BASE).text == "something else"


_lines = st.lists(st.sampled_from(["a", "b", "c", "* **x:** y", "", "d e f"]), max_size=8).map("\n".join)


@settings(deadline=None)
@given(st.text(), st.text())
def test_merging_the_current_text_with_itself_is_the_current_text(base, current):
    assert merge_text(base, current, current).text == current


@settings(deadline=None)
@given(st.text(), st.text())
def test_a_suggestion_on_an_unchanged_base_is_the_suggestion(base, suggested):
    assert merge_text(base, base, suggested).text == suggested


@settings(deadline=None)
@given(_lines, _lines, _lines)
def test_lines_merge_or_conflict_never_lose_a_side(base, current, suggested):
    result = merge_text(base, current, suggested)
    if result.clean:
        assert result.text is not None
    else:
        assert result.conflicts
        for conflict in result.conflicts:  # each side is that text's own lines, nothing invented
            assert conflict.base in base and conflict.current in current and conflict.suggested in suggested
