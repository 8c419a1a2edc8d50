"""`medpages review`: the queue in the terminal, in process (typer's CliRunner) on a real project."""

from __future__ import annotations

import shutil

import pytest

from medpages.project import Project
from medpages.review.sections import section_text
from medpages.stages.reviewing import review_desk

SLUG = "ado-trastuzumab-emtansine-160mg"
PASSWORD = "correct horse battery"


@pytest.fixture
def project_dir(tmp_path, medpages_cli, seed_path):
    """The seed page, and alice (admin), bob and dan (reviewers), carol (contributor)."""
    assert medpages_cli("init", "proj", cwd=tmp_path).exit_code == 0
    root = tmp_path / "proj"
    shutil.copy(seed_path, root / "seed.md")
    assert medpages_cli("import", "seed.md", cwd=root).exit_code == 0
    for name, role in (("alice", "admin"), ("bob", "reviewer"), ("carol", "contributor"), ("dan", "reviewer")):
        assert medpages_cli("users", "add", name, "--role", role, "--password", PASSWORD, cwd=root).exit_code == 0
    return root


def suggest(root, text_change, *, section="usage", by="carol", reason="plainer words") -> int:
    project = Project.find(root)
    store = project.store()
    current = section_text(store.get_page(SLUG), section)
    return review_desk(project).suggest(SLUG, section, text_change(current), base_revision=store.current_revision(SLUG),
                                        reason=reason, author_name=by, user=store.get_user(by), rate_limit=None).id


def first_line_replaced(new: str):
    return lambda text: "\n".join([new, *text.splitlines()[1:]])


def review(medpages_cli, root, *args, password=PASSWORD):
    return medpages_cli("review", *args, cwd=root, env={"MEDPAGES_PASSWORD": password})


def test_the_queue_lists_pending_suggestions_oldest_first_with_filters(project_dir, medpages_cli):
    first = suggest(project_dir, first_line_replaced("Treats a kind of breast cancer."))
    second = suggest(project_dir, lambda text: text + "\n\nAsk your nurse if unsure.", section="storage",
                     reason="a tip")
    listed = review(medpages_cli, project_dir, "--as", "bob")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split()[0] == str(first) and lines[1].split()[0] == str(second)
    assert "usage  by carol: plainer words" in lines[0]
    assert "2 suggestions wait for review" in listed.stdout
    only = review(medpages_cli, project_dir, "--as", "bob", "--section", "storage")
    assert only.stdout.splitlines()[0].split()[0] == str(second) and "1 suggestion waits" in only.stdout
    assert "0 suggestions wait" in review(medpages_cli, project_dir, "--as", "bob", "--medicine", "no-such").stdout


def test_the_queue_needs_the_right_password_and_a_reviewer(project_dir, medpages_cli):
    wrong = review(medpages_cli, project_dir, "--as", "bob", password="not the password")
    assert wrong.exit_code == 1 and "wrong name or password for 'bob'" in wrong.errors
    contributor = review(medpages_cli, project_dir, "--as", "carol")
    assert contributor.exit_code == 1 and "carol is a contributor" in contributor.errors
    by_option = medpages_cli("review", "--as", "alice", "--password", PASSWORD, cwd=project_dir)
    assert by_option.exit_code == 0, by_option.output


def test_show_prints_the_diff_the_merge_the_findings_and_the_label(project_dir, medpages_cli):
    number = suggest(project_dir, first_line_replaced("Treats a kind of breast cancer."))
    shown = medpages_cli("review", "show", number, cwd=project_dir)
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    assert f"Suggestion {number} (pending) for Ado-trastuzumab emtansine 160mg" in text
    assert "--- current (revision 1)" in text and "+++ suggested" in text
    assert "\n+Treats a kind of breast cancer." in text and "\n-" in text
    assert "Merge: clean; accepting stores the suggested text." in text
    assert "Findings" in text and "Label: none stored for this medicine." in text
    unknown = medpages_cli("review", "show", 999, cwd=project_dir)
    assert unknown.exit_code == 1 and "no suggestion 999" in unknown.errors


def test_accept_makes_a_revision_and_four_eyes_hold(project_dir, medpages_cli):
    theirs = suggest(project_dir, first_line_replaced("Treats a kind of breast cancer."))
    accepted = review(medpages_cli, project_dir, "accept", theirs, "--as", "bob")
    assert accepted.exit_code == 0, accepted.output
    assert f"Accepted suggestion {theirs}: {SLUG} is at revision 2." in accepted.stdout
    store = Project.find(project_dir).store()
    assert section_text(store.get_page(SLUG), "usage").startswith("Treats a kind of breast cancer.")
    again = review(medpages_cli, project_dir, "accept", theirs, "--as", "dan")
    assert again.exit_code == 1 and "already accepted" in again.errors

    own = suggest(project_dir, lambda text: text + "\n\nKeep it cold.", section="storage", by="bob")
    refused = review(medpages_cli, project_dir, "accept", own, "--as", "bob")
    assert refused.exit_code == 1 and "your own" in refused.errors
    assert store.get_suggestion(own).status == "pending"
    assert review(medpages_cli, project_dir, "accept", own, "--as", "dan").exit_code == 0
    as_contributor = review(medpages_cli, project_dir, "accept", theirs, "--as", "carol")
    assert as_contributor.exit_code == 1 and "reviewer or admin role" in as_contributor.errors


def test_a_conflict_is_shown_refused_and_resolved_by_an_edited_text(project_dir, medpages_cli, tmp_path):
    one = suggest(project_dir, first_line_replaced("Treats one kind of breast cancer."))
    other = suggest(project_dir, first_line_replaced("Used for HER2-positive breast cancer."), by="alice")
    assert review(medpages_cli, project_dir, "accept", one, "--as", "bob").exit_code == 0
    shown = medpages_cli("review", "show", other, cwd=project_dir)
    assert "1 conflict with a change" in shown.stdout and "current:   Treats one kind of breast cancer." in shown.stdout
    assert "suggested: Used for HER2-positive breast cancer." in shown.stdout
    refused = review(medpages_cli, project_dir, "accept", other, "--as", "bob")
    assert refused.exit_code == 1 and "overlaps a later change" in refused.errors
    assert "suggested: Used for HER2-positive breast cancer." in refused.stderr
    store = Project.find(project_dir).store()
    resolved = "Used for one kind of HER2-positive breast cancer.\n" + "\n".join(
        section_text(store.get_page(SLUG), "usage").splitlines()[1:])
    (tmp_path / "resolved.md").write_text(resolved, encoding="utf-8")
    done = review(medpages_cli, project_dir, "accept", other, "--as", "bob", "--edited-file", tmp_path / "resolved.md")
    assert done.exit_code == 0, done.output
    assert section_text(store.get_page(SLUG), "usage").startswith("Used for one kind of HER2-positive")


def test_reject_needs_a_reason_and_mark_reviews_the_page(project_dir, medpages_cli):
    number = suggest(project_dir, first_line_replaced("Cures cancer."))
    no_reason = review(medpages_cli, project_dir, "reject", number, "--as", "bob")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.errors
    rejected = review(medpages_cli, project_dir, "reject", number, "--as", "bob", "--reason", "the label does not say so")
    assert rejected.exit_code == 0 and f"Rejected suggestion {number}." in rejected.stdout
    store = Project.find(project_dir).store()
    assert store.get_suggestion(number).decision_reason == "the label does not say so"
    assert review(medpages_cli, project_dir, "reject", 999, "--as", "bob", "--reason", "x").exit_code == 1

    marked = review(medpages_cli, project_dir, "mark", SLUG, "--as", "bob")
    assert marked.exit_code == 0, marked.output
    assert f"Marked {SLUG} reviewed by bob" in marked.stdout
    assert store.get_page(SLUG).status == "reviewed" and store.stable_revision(SLUG) is not None
    unknown = review(medpages_cli, project_dir, "mark", "no-such-medicine", "--as", "bob")
    assert unknown.exit_code == 1 and "no medicine 'no-such-medicine'" in unknown.errors


def test_show_names_the_label_and_quotes_it(tmp_path, medpages_cli):
    from fixture_files import LIPITOR_XML

    assert medpages_cli("init", "proj", cwd=tmp_path).exit_code == 0
    root = tmp_path / "proj"
    (root / "generics.txt").write_text("Atorvastatin 20mg\n", encoding="utf-8")
    label = root / "lipitor.xml"
    label.write_bytes(LIPITOR_XML.read_bytes())
    assert medpages_cli("import", "generics.txt", cwd=root).exit_code == 0
    assert medpages_cli("sources", "add", "lipitor.xml", cwd=root).exit_code == 0
    assert medpages_cli("generate", "--backend", "reference", cwd=root).exit_code in (0, 3)
    project = Project.find(root)
    store = project.store()
    slug = "atorvastatin-20mg"
    current = section_text(store.get_page(slug), "usage")
    number = review_desk(project).suggest(slug, "usage", current + "\n\nTake it at the same time each day.",
                                          base_revision=store.current_revision(slug), reason="a habit that helps",
                                          rate_limit=None).id
    shown = medpages_cli("review", "show", number, cwd=root)
    assert shown.exit_code == 0, shown.output
    label_line = next(line for line in shown.stdout.splitlines() if line.startswith("Label: "))
    assert "LIPITOR" in label_line.upper() and "http" in label_line
    assert "\n  > " in shown.stdout  # the label's words behind the section
    assert "by anonymous" in shown.stdout
