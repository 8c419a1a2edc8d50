"""Signing in and reviewing: sessions, the queue, accept, reject, four eyes, conflicts, marking a
page reviewed, restoring, and the statuses each refusal gets."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from web_client import SEED_PATH, SEED_SLUG, client, csrf, login, project, suggest  # noqa: F401

from medpages.review import accounts
from medpages.web.app import create_app


def _pending(project):
    return project.store().suggestions(status="pending")


def _usage_with(project, sentence: str) -> str:
    """The Usage section's current text with its first line replaced by `sentence`."""
    from medpages.review.sections import section_text

    text = section_text(project.store().get_page(SEED_SLUG), "usage")
    lines = text.split("\n")
    lines[0] = sentence
    return "\n".join(lines)


# --------------------------------------------------------------------------- sessions


def test_login_sets_a_safe_session_cookie_and_logout_ends_it(client):
    assert client.get("/review/").status_code == 303
    form = client.get("/login/")
    answer = client.post("/login/", data={"name": "rita", "password": "reviewer-pass-1234",
                                          "csrf_token": csrf(form.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/review/"
    cookie = next(value for value in answer.headers.get_list("set-cookie") if value.startswith("medpages_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Secure" not in cookie
    queue = client.get("/review/")
    assert queue.status_code == 200 and "Review queue" in queue.text
    token = csrf(queue.text)
    assert client.post("/logout/", data={"csrf_token": token}).status_code == 303
    client.cookies.set("medpages_session", cookie.split(";")[0].split("=", 1)[1])  # the old cookie is dead
    assert client.get("/review/").status_code == 303


def test_session_cookie_is_secure_over_https(project):
    with TestClient(create_app(project), base_url="https://testserver", follow_redirects=False) as secure:
        form = secure.get("/login/")
        assert "Secure" in form.headers["set-cookie"]  # the anonymous CSRF cookie too
        answer = secure.post("/login/", data={"name": "rita", "password": "reviewer-pass-1234",
                                              "csrf_token": csrf(form.text)})
        assert "Secure" in answer.headers["set-cookie"]


def test_a_wrong_password_is_refused_and_sign_ins_are_limited(tmp_path):
    from web_client import make_project

    project = make_project(tmp_path / "p", logins_per_hour=2)
    with TestClient(create_app(project), follow_redirects=False) as client:
        statuses = []
        for password in ("wrong-password-1", "wrong-password-2", "reviewer-pass-1234"):
            form = client.get("/login/")
            statuses.append(client.post("/login/", data={"name": "rita", "password": password,
                                                         "csrf_token": csrf(form.text)}).status_code)
        assert statuses == [400, 400, 429]  # the right password too, once the limit is reached
        assert "medpages_session" not in client.cookies


def test_an_expired_session_is_signed_out(client, project):
    store = project.store()
    token, digest = accounts.new_token()
    user = store.get_user("rita")
    store.create_session(digest, user.id, "csrf-of-the-old-session", datetime.now(UTC) - timedelta(minutes=1))
    client.cookies.set("medpages_session", token)
    assert client.get("/review/").status_code == 303
    answer = client.post("/review/1/reject/", data={"csrf_token": "csrf-of-the-old-session", "reason": "x"})
    assert answer.status_code == 401


def test_a_contributor_may_not_see_the_queue(client):
    login(client, "carl")
    assert client.get("/review/").status_code == 403


# --------------------------------------------------------------------------- the queue and decisions


def test_the_queue_lists_pending_suggestions_oldest_first_with_filters(client, project):
    suggest(client, "usage", reason="reason-one")
    suggest(client, "how_it_works", reason="reason-two")
    login(client, "rita")
    queue = client.get("/review/").text
    assert queue.index("reason-one") < queue.index("reason-two")
    only = client.get("/review/", params={"section": "how_it_works"}).text
    assert "reason-two" in only and "reason-one" not in only
    assert "2 pending suggestions" in queue


def test_the_review_page_shows_the_diff_findings_and_forms(client, project):
    suggest(client, "usage", _usage_with(project, "Used to treat <b>breast</b> cancer."), reason="Simpler")
    suggestion = _pending(project)[0]
    login(client, "rita")
    page = client.get(f"/review/{suggestion.id}/")
    assert page.status_code == 200
    assert "<ins>Used to treat breast cancer.</ins>" in page.text  # the tags were sanitised away
    assert "<b>breast" not in page.text
    assert "<del>" in page.text
    assert "Quality checks" in page.text and "What the label says" in page.text
    assert 'action="accept/"' in page.text and 'action="reject/"' in page.text
    assert client.get("/review/999999/").status_code == 404
    assert client.get("/review/abc/").status_code == 404


def test_accept_makes_a_new_revision_and_the_contributor_sees_it(client, project):
    sent = suggest(client, "usage", _usage_with(project, "Used to treat a kind of breast cancer."), reason="Plainer")
    link = sent.headers["location"]
    suggestion = _pending(project)[0]
    before = project.store().current_revision(SEED_SLUG)
    login(client, "rita")
    token = csrf(client.get(f"/review/{suggestion.id}/").text)
    answer = client.post(f"/review/{suggestion.id}/accept/", data={"csrf_token": token})
    assert answer.status_code == 303, answer.text
    assert project.store().current_revision(SEED_SLUG) == before + 1
    assert "Used to treat a kind of breast cancer." in client.get(SEED_PATH).text
    status = client.get(link).text
    assert "Accepted" in status and f"revision {before + 1}" in status


def test_edit_and_accept_stores_the_reviewers_text(client, project):
    suggest(client, "usage", _usage_with(project, "Used for cancer."), reason="Shorter")
    suggestion = _pending(project)[0]
    login(client, "rita")
    token = csrf(client.get(f"/review/{suggestion.id}/").text)
    edited = _usage_with(project, "Used to treat HER2-positive breast cancer.")
    answer = client.post(f"/review/{suggestion.id}/accept/", data={"csrf_token": token, "edited_text": edited})
    assert answer.status_code == 303, answer.text
    assert "Used to treat HER2-positive breast cancer." in client.get(SEED_PATH).text


def test_reject_needs_a_reason_and_the_contributor_reads_it(client, project):
    link = suggest(client, "usage", reason="Because").headers["location"]
    suggestion = _pending(project)[0]
    login(client, "rita")
    token = csrf(client.get(f"/review/{suggestion.id}/").text)
    assert client.post(f"/review/{suggestion.id}/reject/", data={"csrf_token": token, "reason": " "}).status_code == 400
    answer = client.post(f"/review/{suggestion.id}/reject/", data={"csrf_token": token, "reason": "Not supported"})
    assert answer.status_code == 303
    assert _pending(project) == []
    assert "Not supported" in client.get(link).text


def test_a_decision_without_the_sessions_token_changes_nothing(client, project):
    suggest(client, "usage", reason="Because")
    suggestion = _pending(project)[0]
    login(client, "rita")
    assert client.post(f"/review/{suggestion.id}/accept/", data={}).status_code == 403
    assert client.post(f"/review/{suggestion.id}/reject/", data={"csrf_token": "x", "reason": "r"}).status_code == 403
    assert len(_pending(project)) == 1


def test_a_post_without_a_session_is_401(client, project):
    suggest(client, "usage", reason="Because")
    suggestion = _pending(project)[0]
    assert client.post(f"/review/{suggestion.id}/accept/", data={"csrf_token": "x"}).status_code == 401
    assert client.post(f"{SEED_PATH}reviewed/", data={"expected_revision": "1"}).status_code == 401


def test_four_eyes_a_reviewer_cannot_accept_their_own_suggestion(client, project):
    login(client, "rita")
    suggest(client, "usage", _usage_with(project, "Rita's own wording."), reason="Mine")
    suggestion = _pending(project)[0]
    token = csrf(client.get(f"/review/{suggestion.id}/").text)
    refused = client.post(f"/review/{suggestion.id}/accept/", data={"csrf_token": token})
    assert refused.status_code == 403
    assert len(_pending(project)) == 1
    with TestClient(create_app(project), follow_redirects=False) as rob:
        login(rob, "rob")
        token = csrf(rob.get(f"/review/{suggestion.id}/").text)
        assert rob.post(f"/review/{suggestion.id}/accept/", data={"csrf_token": token}).status_code == 303


def test_overlapping_suggestions_conflict_with_409_showing_both(client, project):
    suggest(client, "usage", _usage_with(project, "First version of the line."), reason="one")
    suggest(client, "usage", _usage_with(project, "Second version of the line."), reason="two")
    first, second = _pending(project)
    login(client, "rita")
    token = csrf(client.get(f"/review/{first.id}/").text)
    assert client.post(f"/review/{first.id}/accept/", data={"csrf_token": token}).status_code == 303
    page = client.get(f"/review/{second.id}/")
    assert "overlaps a later change" in page.text
    answer = client.post(f"/review/{second.id}/accept/", data={"csrf_token": token})
    assert answer.status_code == 409
    assert "First version of the line." in answer.text and "Second version of the line." in answer.text


def test_mark_reviewed_shows_the_reviewed_badge_and_the_history(client, project):
    assert "not yet reviewed by a pharmacist" in client.get(SEED_PATH).text
    login(client, "rita")
    history = client.get(f"{SEED_PATH}history/")
    token = csrf(history.text)
    current = project.store().current_revision(SEED_SLUG)
    stale = client.post(f"{SEED_PATH}reviewed/", data={"csrf_token": token, "expected_revision": str(current - 1)})
    assert stale.status_code in (409, 400)
    answer = client.post(f"{SEED_PATH}reviewed/", data={"csrf_token": token, "expected_revision": str(current),
                                                        "note": "Checked against the label"})
    assert answer.status_code == 303, answer.text
    page = client.get(SEED_PATH).text
    assert "badge-reviewed" in page and "Reviewed on" in page
    history = client.get(f"{SEED_PATH}history/").text
    assert "reviewed by rita" in history and "Checked against the label" in history
    assert history.count('href="../revisions/') == current + 1


def mark_reviewed(client, project) -> None:
    """Rita marks the seed page reviewed through the app."""
    login(client, "rita")
    token = csrf(client.get(f"{SEED_PATH}history/").text)
    current = project.store().current_revision(SEED_SLUG)
    client.post(f"{SEED_PATH}reviewed/", data={"csrf_token": token, "expected_revision": str(current)})


def save_unreviewed_draft(project) -> None:
    """The pipeline saves a newer draft of the seed page, not reviewed."""
    store = project.store()
    page = store.get_page(SEED_SLUG)
    changed = page.model_copy(update={"status": "draft", "reviewed_on": None,
                                      "usage": page.usage.model_copy(update={"lead": "An unreviewed lead."})})
    store.save_revision(SEED_SLUG, changed, expected_revision=store.current_revision(SEED_SLUG), author="pipeline",
                        kind="model", message="redrafted")


def test_a_pending_change_does_not_replace_the_reviewed_page_readers_see(client, project):
    mark_reviewed(client, project)
    save_unreviewed_draft(project)
    reader = client.get(SEED_PATH).text
    assert "An unreviewed lead." not in reader and "badge-reviewed" in reader


def test_restore_makes_an_old_revision_current_again(client, project):
    suggest(client, "usage", _usage_with(project, "A line to undo."), reason="r")
    suggestion = _pending(project)[0]
    login(client, "rita")
    token = csrf(client.get(f"/review/{suggestion.id}/").text)
    client.post(f"/review/{suggestion.id}/accept/", data={"csrf_token": token})
    store = project.store()
    current = store.current_revision(SEED_SLUG)
    assert "A line to undo." in client.get(SEED_PATH).text
    answer = client.post(f"{SEED_PATH}restore/{current - 1}/",
                         data={"csrf_token": token, "expected_revision": str(current), "reason": "Undo"})
    assert answer.status_code == 303, answer.text
    assert store.current_revision(SEED_SLUG) == current + 1
    assert "A line to undo." not in client.get(SEED_PATH).text


def test_rebuild_is_for_admins(client):
    login(client, "rita")
    token = csrf(client.get("/review/").text)
    assert client.post("/admin/rebuild/", data={"csrf_token": token}).status_code == 403


def test_an_admin_rebuilds_the_site_in_the_background(client, project):
    import time

    login(client, "admin")
    token = csrf(client.get("/review/").text)
    answer = client.post("/admin/rebuild/", data={"csrf_token": token})
    assert answer.status_code == 202
    rebuilder = client.app.state.rebuilder
    deadline = time.monotonic() + 120
    while rebuilder.running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert rebuilder.last.startswith("finished"), rebuilder.last
    assert (project.site_dir / "a" / SEED_SLUG / "index.html").is_file()


def test_the_home_page_leads_with_the_reviewed_version_readers_see(client, project):
    import re

    def featured() -> list[tuple[str, str]]:
        home = client.get("/").text
        listing = home[home.index('<ul class="featured">'):]
        return re.findall(r'<a href="([^"]+)">[^<]*</a> <span class="badge badge-(\w+)"', listing[:listing.index("</ul>")])

    assert featured() == [(SEED_PATH.lstrip("/"), "imported")]  # the one written page; empty ones are not listed
    mark_reviewed(client, project)
    assert featured() == [(SEED_PATH.lstrip("/"), "reviewed")]
    save_unreviewed_draft(project)
    assert featured() == [(SEED_PATH.lstrip("/"), "reviewed")]  # readers still get the reviewed version
