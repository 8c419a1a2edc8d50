"""Suggesting without an account: the form, the private link, the honeypot, the rate limit."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from web_client import SEED_PATH, SEED_SLUG, client, csrf, make_project, project, suggest  # noqa: F401

from medpages.web.app import create_app


def test_the_form_shows_the_sections_text_and_its_base_revision(client, project):
    form = client.get(f"{SEED_PATH}suggest/side_effects/")
    assert form.status_code == 200
    text = re.search(r'<textarea id="text" name="text"[^>]*>\n(.*?)</textarea>', form.text, re.S).group(1)
    assert "**Fatigue:** Feeling tired or weak." in text  # a list section edits its items, one a line
    revision = project.store().current_revision(SEED_SLUG)
    assert f'name="base_revision" value="{revision}"' in form.text
    assert 'class="hp"' in form.text and 'name="website"' in form.text
    assert 'name="website" type="hidden"' not in form.text
    assert 'name="reason" required' in form.text


def test_a_suggestion_round_trip(client, project):
    sent = suggest(client, "usage", reason="Mention the pharmacist")
    assert sent.status_code == 303
    link = sent.headers["location"]
    assert link.startswith("/suggestions/")
    status = client.get(link)
    assert status.status_code == 200
    assert "Waiting for a reviewer" in status.text
    assert "Mention the pharmacist" in status.text
    pending = project.store().suggestions(status="pending")
    assert [(s.slug, s.section, s.author_name) for s in pending] == [(SEED_SLUG, "usage", "Jane")]
    assert pending[0].client_key and "testclient" not in pending[0].client_key


def test_sections_that_cannot_be_edited_are_not_found(client):
    assert client.get(f"{SEED_PATH}suggest/disclaimer/").status_code == 404
    assert client.get(f"{SEED_PATH}suggest/no_such_section/").status_code == 404
    assert client.get("/a/no-such-medicine/suggest/usage/").status_code == 404


def test_a_missing_reason_reshows_the_form_naming_the_field(client, project):
    answer = suggest(client, "usage", reason="")
    assert answer.status_code == 400
    assert "reason" in answer.text
    assert 'role="alert"' in answer.text
    assert project.store().suggestions(status="pending") == []


def test_a_filled_honeypot_stores_nothing(client, project):
    form = client.get(f"{SEED_PATH}suggest/usage/")
    answer = client.post(f"{SEED_PATH}suggest/usage/", data={
        "csrf_token": csrf(form.text), "base_revision": "1", "text": "Buy pills", "reason": "spam",
        "website": "http://spam.example"})
    assert answer.status_code == 400
    assert project.store().suggestions(status=None) == []


def test_a_post_without_a_csrf_token_is_refused(client, project):
    client.get(f"{SEED_PATH}suggest/usage/")
    answer = client.post(f"{SEED_PATH}suggest/usage/", data={"base_revision": "1", "text": "x", "reason": "y"})
    assert answer.status_code == 403
    forged = client.post(f"{SEED_PATH}suggest/usage/",
                         data={"csrf_token": "forged", "base_revision": "1", "text": "x", "reason": "y"})
    assert forged.status_code == 403
    assert project.store().suggestions(status=None) == []


def test_a_token_from_another_visitor_is_refused(project):
    app = create_app(project)
    with TestClient(app, follow_redirects=False) as alice, TestClient(app, follow_redirects=False) as mallory:
        token = csrf(mallory.get(f"{SEED_PATH}suggest/usage/").text)
        alice.get(f"{SEED_PATH}suggest/usage/")  # alice has a cookie of her own
        answer = alice.post(f"{SEED_PATH}suggest/usage/",
                            data={"csrf_token": token, "base_revision": "1", "text": "x", "reason": "y"})
        assert answer.status_code == 403


def test_too_many_suggestions_get_429_with_retry_after(tmp_path):
    project = make_project(tmp_path / "limited", suggestions_per_hour=2)
    with TestClient(create_app(project), follow_redirects=False) as client:
        assert suggest(client, "usage", reason="one").status_code == 303
        assert suggest(client, "usage", reason="two").status_code == 303
        third = suggest(client, "usage", reason="three")
        assert third.status_code == 429
        assert int(third.headers["retry-after"]) > 0
        assert "too many" in third.text.lower()
    assert len(project.store().suggestions(status=None)) == 2


def test_what_people_type_is_escaped(client, project):
    sent = suggest(client, "usage", reason='<img src=x onerror=alert(1)>',
                   text="Take it <script>alert(1)</script> with water.")
    if sent.status_code == 303:
        status = client.get(sent.headers["location"]).text
        assert "<script>alert(1)" not in status and "<img src=x" not in status
    else:
        assert "<script>alert(1)" not in sent.text and "<img src=x" not in sent.text
