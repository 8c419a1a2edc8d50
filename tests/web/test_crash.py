"""The server killed with SIGKILL in the middle of a stream of suggestions (form and API) and
acceptances, then started again: every suggestion it acknowledged (a 303 to its link, or a 201 with
its id) is still there, no suggestion is marked accepted without its revision, no contributor
revision exists without the suggestion it came from, and the revision numbers have no gap.

Runs on the shared app of app_server.py (its Amoxicillin page), on SQLite and PostgreSQL; the
server is restarted on the same port for the modules after this one.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from app_server import AMOXICILLIN_SLUG as SLUG  # noqa: I001
from app_server import csrf_token, review_app  # noqa: F401  (a fixture)

from medpages.model import Page
from medpages.review.sections import section_text

CONTRIBUTORS = 8
SECTIONS = ("important_note", "how_it_works")


def test_acknowledged_work_survives_sigkill(review_app):  # noqa: F811
    server = review_app
    acknowledged: dict[str, str] = {}  # public id → its marker
    accepted_by_server: set[int] = set()
    lock = threading.Lock()
    stop = threading.Event()
    enough = threading.Event()

    def contribute(writer: int) -> None:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            n = 0
            # two writers for each end of two sections: some conflicts, many acceptances, some merges
            section, at_start = SECTIONS[writer % 2], bool(writer // 2 % 2)

            def edited(text: str, marker: str) -> str:
                return f"{marker}\n\n{text}" if at_start else f"{text}\n\n{marker}"

            while not stop.is_set():
                n += 1
                marker = f"Crash marker {uuid.uuid4().hex[:10]}."
                try:
                    if writer % 2:  # the form, as a browser sends it
                        form = client.get(f"/a/{SLUG}/suggest/{section}/")
                        text = _textarea(form.text)
                        base = _hidden(form.text, "base_revision")
                        answer = client.post(f"/a/{SLUG}/suggest/{section}/", data={
                            "csrf_token": csrf_token(form.text), "base_revision": base,
                            "text": edited(text, marker), "reason": f"crash test {writer}.{n}", "author_name": "",
                            "author_email": "", "website": ""})
                        if answer.status_code == 303:
                            public_id = answer.headers["location"].rstrip("/").rsplit("/", 1)[1]
                        else:
                            assert answer.status_code >= 500 or answer.status_code == 409, answer.text[:500]
                            continue
                    else:  # the API
                        detail = client.get(f"/api/v1/medicines/{SLUG}").json()
                        revision = detail["current_revision"]
                        page = client.get(f"/api/v1/medicines/{SLUG}/revisions/{revision}").json()["page"]
                        text = section_text(Page.model_validate(page), section)
                        answer = client.post("/api/v1/suggestions", json={
                            "slug": SLUG, "section": section, "base_revision": revision,
                            "text": edited(text, marker), "reason": f"crash test {writer}.{n}"})
                        if answer.status_code != 201:
                            continue
                        public_id = answer.json()["public_id"]
                except (httpx.TransportError, KeyError, ValueError):
                    if stop.is_set():
                        return
                    continue
                with lock:
                    acknowledged[public_id] = marker
                    if len(acknowledged) >= 30 and len(accepted_by_server) >= 4:
                        enough.set()

    def review() -> None:
        headers = {"Authorization": f"Bearer {server.project.tokens['rita']}"}
        with httpx.Client(base_url=server.url, timeout=10, headers=headers) as client:
            while not stop.is_set():
                try:
                    queue = client.get("/api/v1/suggestions", params={"medicine": SLUG, "limit": 20}).json()["items"]
                    for item in queue:
                        answer = client.post(f"/api/v1/suggestions/{item['id']}/accept")
                        if answer.status_code == 200:
                            with lock:
                                accepted_by_server.add(item["id"])
                        elif answer.status_code == 409 and "conflicts" in answer.json():
                            client.post(f"/api/v1/suggestions/{item['id']}/reject", json={"reason": "conflict"})
                except (httpx.TransportError, KeyError, ValueError):
                    if stop.is_set():
                        return

    with ThreadPoolExecutor(CONTRIBUTORS + 1) as pool:
        futures = [pool.submit(contribute, n) for n in range(CONTRIBUTORS)] + [pool.submit(review)]
        try:
            got_going = enough.wait(90)
            server.kill()  # mid-stream: requests are in flight in every thread
        finally:
            stop.set()
        for future in futures:
            future.result()
    assert got_going, f"the stream never got going: {len(acknowledged)} acknowledged, {len(accepted_by_server)} accepted"

    server.start()
    with server.project.store() as store:
        suggestions = {s.public_id: s for s in store.suggestions(status=None, slug=SLUG, limit=100_000)}
        missing = [public_id for public_id in acknowledged if public_id not in suggestions]
        assert missing == [], f"{len(missing)} acknowledged suggestions were lost"
        assert accepted_by_server <= {s.id for s in suggestions.values() if s.status == "accepted"}

        revisions = store.revisions(SLUG)
        numbers = [r.number for r in revisions]
        assert numbers == list(range(1, len(numbers) + 1)), "revision numbers have no gap"
        accepted = [s for s in suggestions.values() if s.status == "accepted"]
        assert all(s.revision in numbers for s in accepted), "an accepted suggestion without its revision"
        contributed = [r.number for r in revisions if r.kind == "contributor"]
        assert sorted(s.revision for s in accepted) == sorted(contributed), \
            "a contributor revision without its suggestion, or one suggestion in two revisions"
        for s in accepted:
            page = store.get_revision(SLUG, s.revision)
            if s.public_id in acknowledged:
                assert acknowledged[s.public_id] in section_text(page, s.section)

    # And the restarted app goes on: a new suggestion is taken and accepted.
    with httpx.Client(base_url=server.url, timeout=30) as client:
        revision = client.get(f"/api/v1/medicines/{SLUG}").json()["current_revision"]
        page = client.get(f"/api/v1/medicines/{SLUG}/revisions/{revision}").json()["page"]
        text = section_text(Page.model_validate(page), "important_note")
        sent = client.post("/api/v1/suggestions", json={
            "slug": SLUG, "section": "important_note", "base_revision": revision, "text": f"{text}\n\nAfter the crash.",
            "reason": "after the restart"})
        assert sent.status_code == 201, sent.text
        decided = client.post(f"/api/v1/suggestions/{sent.json()['id']}/accept",
                              headers={"Authorization": f"Bearer {server.project.tokens['rob']}"})
        assert decided.status_code == 200, decided.text
        assert decided.json()["revision"] == revision + 1


def _textarea(html: str) -> str:
    import html as entities
    import re

    found = re.search(r'<textarea id="text"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, html[:1000]
    return entities.unescape(found.group(1))


def _hidden(html: str, name: str) -> str:
    import re

    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, html[:1000]
    return found.group(1)
