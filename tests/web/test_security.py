"""What every response carries and what every request is held to: security headers, the body
limit, the app's secret."""

from __future__ import annotations

import stat

from web_client import SEED_PATH, client, csrf, project  # noqa: F401

from medpages.web.security import CONTENT_SECURITY_POLICY


def test_every_response_has_the_security_headers(client):
    for path in ("/", SEED_PATH, "/nope/", "/static/site.css", "/login/", f"{SEED_PATH}suggest/usage/",
                 "/search/?q=x", "/a/x%00/"):
        answer = client.get(path)
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "same-origin", path
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY


def test_pages_hold_no_inline_script_or_style(client):
    import re

    for path in ("/", "/a/", SEED_PATH, f"{SEED_PATH}history/", f"{SEED_PATH}suggest/usage/", "/login/",
                 "/search/?q=para"):
        text = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert " style=" not in text and "<style" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path


def test_a_body_over_the_limit_is_413(client, project):
    limit = project.settings.web.max_body_kb * 1024
    form = client.get(f"{SEED_PATH}suggest/usage/")
    big = {"csrf_token": csrf(form.text), "base_revision": "1", "reason": "r", "text": "x" * (limit + 10)}
    assert client.post(f"{SEED_PATH}suggest/usage/", data=big).status_code == 413

    def chunks():  # no Content-Length: the bytes are counted as they arrive
        yield b"text="
        for _ in range(limit // 4096 + 2):
            yield b"y" * 4096

    streamed = client.post(f"{SEED_PATH}suggest/usage/", content=chunks(),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413
    assert project.store().suggestions(status=None) == []


def test_the_secret_is_made_once_and_private(client, project):
    path = project.state_dir / "web-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    from medpages.web.app import create_app

    create_app(project)
    assert path.read_bytes() == first


def test_the_api_is_served_under_api_v1(client):
    answer = client.get("/api/v1/medicines")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_processes_starting_at_once_share_one_secret(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from medpages.web.security import load_secret

    with ThreadPoolExecutor(8) as pool:
        secrets = set(pool.map(lambda _: load_secret(tmp_path), range(16)))
    assert len(secrets) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["web-secret"]  # no candidates left behind


def test_the_server_options():
    from medpages.web.server import server_options

    options = server_options("127.0.0.1", 8000, 2)
    assert options["backlog"] == 2048 and options["workers"] == 2
    assert 0 < options["timeout_keep_alive"] <= 10 and options["limit_concurrency"] >= 100
    assert options["proxy_headers"] is False  # X-Forwarded-* only with [web] trusted_proxy
