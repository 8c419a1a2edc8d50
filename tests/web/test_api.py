"""The JSON API on a real SQLite project, through Starlette's TestClient: pagination, authentication,
suggestions from anonymous senders and a drafting job's token, accept and reject, every error status,
hostile bodies, and the OpenAPI schema."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from fixture_files import SEED_PAGE

from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.catalog.slug import folder_for, slugify
from medpages.model import Medicine
from medpages.project import Project
from medpages.review.accounts import hash_password, new_token
from medpages.store import StoreError
from medpages.store.community import StaleRevision
from medpages.web.api import _error_response
from medpages.web.app import create_app

SEED_TITLE = "Ado-trastuzumab emtansine 160mg"
SEED_SLUG = slugify(SEED_TITLE)
OTHERS = ["Paracetamol 500mg", "Ibuprofen 400mg", "Metformin 500mg", "Amoxicillin 500mg"]
MAX_BODY_KB = 64


def medicine(title: str, **fields) -> Medicine:
    return Medicine(title=title, slug=slugify(title), letter=folder_for(title), **fields)


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "medpages.toml").write_text(f"[web]\nsuggestions_per_hour = 4\nmax_body_kb = {MAX_BODY_KB}\n")
    project = Project.init(folder)
    store = project.store()
    seed = parse_seed_markdown(SEED_PAGE.read_text("utf-8"))
    store.upsert_medicines([medicine(SEED_TITLE, generic_name="Ado-trastuzumab emtansine"),
                            medicine("Paracetamol 500mg", synonyms=["acetaminophen"], brands=["Tylenol"]),
                            *(medicine(title) for title in OTHERS[1:]),
                            *(medicine(f"Zz Test Medicine {i:03d}") for i in range(60))])
    store.save_page(SEED_SLUG, seed, author="seed.md", kind="imported")
    return project


@pytest.fixture
def client(project):
    with TestClient(create_app(project)) as client:
        yield client


@pytest.fixture
def tokens(project):
    """name → bearer headers: an admin, two reviewers and a contributor (a drafting job's account)."""
    store = project.store()
    headers = {}
    for name, role in [("ada", "admin"), ("rita", "reviewer"), ("rob", "reviewer"), ("drafter", "contributor")]:
        user = store.add_user(name, role, hash_password(f"{name}-password-1234"))
        token, digest = new_token()
        store.add_api_token(digest, user.id, "tests")
        headers[name] = {"Authorization": f"Bearer {token}"}
    return headers


def suggestion_body(**fields):
    body = {"slug": SEED_SLUG, "section": "storage", "text": "Keep it in a fridge at 2 to 8 °C.",
            "base_revision": 1, "reason": "The label says so."}
    body.update(fields)
    return body


# --------------------------------------------------------------------------- reading


def test_medicines_are_paged(client):
    first = client.get("/api/v1/medicines").json()
    assert (first["total"], first["offset"], first["limit"], len(first["items"])) == (65, 0, 50, 50)
    assert first["items"][0] == {"slug": SEED_SLUG, "title": SEED_TITLE, "letter": "a", "path": f"a/{SEED_SLUG}/"}
    rest = client.get("/api/v1/medicines", params={"offset": 50, "limit": 200}).json()
    assert len(rest["items"]) == 15 and rest["items"][-1]["slug"] == "zz-test-medicine-059"
    assert client.get("/api/v1/medicines", params={"offset": 1000}).json()["items"] == []
    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "ten"}):
        response = client.get("/api/v1/medicines", params=bad)
        assert response.status_code == 422, bad
        detail = response.json()["detail"]
        assert isinstance(detail, str) and ("limit" in detail or "offset" in detail), detail


def test_a_medicine_its_page_and_revisions(client):
    detail = client.get(f"/api/v1/medicines/{SEED_SLUG}").json()
    assert detail["medicine"]["generic_name"] == "Ado-trastuzumab emtansine"
    assert (detail["current_revision"], detail["stable_revision"]) == (1, None)
    page = client.get(f"/api/v1/medicines/{SEED_SLUG}/page").json()
    assert (page["revision"], page["reviewed"]) == (1, False)
    assert page["page"]["title"] and page["page"]["original"] is None  # the source text stays in the store
    revisions = client.get(f"/api/v1/medicines/{SEED_SLUG}/revisions").json()
    assert revisions["total"] == 1 and revisions["items"][0]["number"] == 1
    assert client.get(f"/api/v1/medicines/{SEED_SLUG}/revisions/1").json()["page"] == page["page"]


def test_the_page_readers_see_is_the_reviewed_one(client, project, tokens):
    store = project.store()
    rita = store.get_user("rita")
    page = store.get_page(SEED_SLUG)
    reviewed = page.model_copy(update={"status": "reviewed"})
    store.save_revision(SEED_SLUG, reviewed, expected_revision=1, author="rita", kind="contributor", message="checked",
                        review_by=rita.id)
    draft = reviewed.model_copy(update={"status": "draft"})
    store.save_revision(SEED_SLUG, draft, expected_revision=2, author="bot", kind="model", message="redrafted")
    shown = client.get(f"/api/v1/medicines/{SEED_SLUG}/page").json()
    assert (shown["revision"], shown["reviewed"], shown["current_revision"]) == (2, True, 3)
    assert client.get(f"/api/v1/medicines/{SEED_SLUG}").json()["stable_revision"] == 2


def test_unknown_things_are_404(client, tokens):
    for path in ["/api/v1/medicines/no-such-medicine", "/api/v1/medicines/no-such/page",
                 "/api/v1/medicines/no-such/revisions", f"/api/v1/medicines/{SEED_SLUG}/revisions/99",
                 "/api/v1/medicines/paracetamol-500mg/page",  # a medicine without a page
                 "/api/v1/suggestions/by-public-id/not-a-real-id", "/api/v1/medicines/" + "x" * 5000]:
        response = client.get(path, headers=tokens["rita"])
        assert response.status_code == 404, path
        assert isinstance(response.json()["detail"], str)
    assert client.get("/api/v1/suggestions/99999", headers=tokens["rita"]).status_code == 404
    assert client.post("/api/v1/suggestions/99999/accept", headers=tokens["rita"]).status_code == 404
    assert client.get("/api/v1/suggestions/abc", headers=tokens["rita"]).status_code == 422


def test_search_gives_the_sites_first_results(client):
    found = client.get("/api/v1/search", params={"q": "paracetmol"}).json()
    assert found["items"][0]["slug"] == "paracetamol-500mg" and found["items"][0]["skeleton"] is True
    assert client.get("/api/v1/search", params={"q": "tylenol"}).json()["items"][0]["matched"] == "Tylenol"
    assert client.get("/api/v1/search", params={"q": "zz test", "limit": 3}).json()["items"].__len__() == 3
    assert client.get("/api/v1/search").json()["items"] == []
    assert client.get("/api/v1/search", params={"limit": 0, "q": "a"}).status_code == 422
    assert client.get("/api/v1/search", params={"q": "a" * 1000}).status_code == 422


def test_the_openapi_schema_lists_every_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = {path.removeprefix("/api/v1"): set(methods) for path, methods in schema["paths"].items()
             if path.startswith("/api/v1")}
    assert paths == {
        "/medicines": {"get"}, "/medicines/{slug}": {"get"}, "/medicines/{slug}/page": {"get"},
        "/medicines/{slug}/revisions": {"get"}, "/medicines/{slug}/revisions/{number}": {"get"},
        "/suggestions": {"get", "post"}, "/suggestions/{suggestion_id}": {"get"},
        "/suggestions/by-public-id/{public_id}": {"get"}, "/suggestions/{suggestion_id}/accept": {"post"},
        "/suggestions/{suggestion_id}/reject": {"post"}, "/search": {"get"},
    }
    assert "SuggestionIn" in schema["components"]["schemas"]
    assert "Page" in schema["components"]["schemas"]


# --------------------------------------------------------------------------- who may


def test_the_queue_needs_a_reviewers_token(client, tokens):
    response = client.get("/api/v1/suggestions")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert "token" in response.json()["detail"]
    for bad in ("Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer " + "x" * 5000):
        assert client.get("/api/v1/suggestions", headers={"Authorization": bad}).status_code == 401, bad
    assert client.get("/api/v1/suggestions", headers=tokens["drafter"]).status_code == 403
    listed = client.get("/api/v1/suggestions", headers=tokens["rita"]).json()
    assert (listed["total"], listed["items"]) == (0, [])
    assert client.get("/api/v1/suggestions", headers=tokens["rita"], params={"status": "nope"}).status_code == 422


def test_error_statuses_of_the_workflow():
    stale = _error_response(StaleRevision(SEED_SLUG, expected=1, current=3))
    assert stale.status_code == 409 and b'"current_revision":3' in stale.body
    assert _error_response(StoreError("saving: the database is locked")).status_code == 503


# --------------------------------------------------------------------------- suggesting and deciding


def test_a_drafting_job_posts_pages_as_suggestions(client, tokens):
    posted = []
    for section, text in [("storage", "Keep it in a fridge at 2 to 8 °C."),
                          ("missed_dose", "Call your care team to plan the next dose.")]:
        base = client.get(f"/api/v1/medicines/{SEED_SLUG}").json()["current_revision"]
        response = client.post("/api/v1/suggestions", headers=tokens["drafter"],
                               json=suggestion_body(section=section, text=text, base_revision=base,
                                                    reason="drafted from the label"))
        assert response.status_code == 201, response.text
        posted.append(response.json())
        assert "author_email" not in response.json() and response.json()["link"].startswith("/suggestions/")
    mine = client.get(f"/api/v1/suggestions/by-public-id/{posted[0]['public_id']}").json()
    assert mine["status"] == "pending"
    queue = client.get("/api/v1/suggestions", headers=tokens["rita"], params={"medicine": SEED_SLUG}).json()
    assert queue["total"] == 2 and queue["items"][0]["user_id"] is not None
    only = client.get("/api/v1/suggestions", headers=tokens["rita"], params={"section": "missed_dose"}).json()
    assert [s["id"] for s in only["items"]] == [posted[1]["id"]]

    accepted = client.post(f"/api/v1/suggestions/{posted[0]['id']}/accept", headers=tokens["rita"])
    assert accepted.status_code == 200, accepted.text
    number = accepted.json()["revision"]
    assert accepted.json()["suggestion"]["status"] == "accepted"
    revisions = client.get(f"/api/v1/medicines/{SEED_SLUG}/revisions").json()["items"]
    assert revisions[-1]["number"] == number and revisions[-1]["base_revision"] == 1
    page = client.get(f"/api/v1/medicines/{SEED_SLUG}/revisions/{number}").json()["page"]
    assert "fridge" in str(page["storage"])
    # the second, made on the same base, merges onto the new revision with an edit
    edited = client.post(f"/api/v1/suggestions/{posted[1]['id']}/accept", headers=tokens["rob"],
                         json={"edited_text": "Call your care team straight away."})
    assert edited.status_code == 200, edited.text
    assert client.post(f"/api/v1/suggestions/{posted[1]['id']}/accept", headers=tokens["rob"]).status_code == 409


def test_anyone_may_suggest_under_the_forms_limits(client):
    created = client.post("/api/v1/suggestions", json=suggestion_body(author_name="Jo", author_email="jo@example.org"))
    assert created.status_code == 201, created.text
    assert created.json()["author_name"] == "Jo"
    hostile = client.post("/api/v1/suggestions", json=suggestion_body(
        text="Keep it cool.<script>alert(1)</script> [x](javascript:alert(1))", author_name="<img src=x onerror=1>"))
    assert hostile.status_code in (201, 400), hostile.text
    if hostile.status_code == 201:
        shown = client.get(f"/api/v1/suggestions/by-public-id/{hostile.json()['public_id']}")
        assert shown.headers["content-type"] == "application/json"
        assert "<script" not in shown.json()["text"] and "javascript:" not in shown.json()["text"]
    bad = client.post("/api/v1/suggestions", json=suggestion_body(section="no_such_section"))
    assert bad.status_code == 400 and "section" in bad.json()["detail"]
    assert client.post("/api/v1/suggestions", json=suggestion_body(author_email="not an address")).status_code == 400
    assert client.post("/api/v1/suggestions", json=suggestion_body(slug="no-such-medicine")).status_code in (400, 404)
    statuses = [client.post("/api/v1/suggestions", json=suggestion_body()).status_code for _ in range(5)]
    assert 429 in statuses
    limited = client.post("/api/v1/suggestions", json=suggestion_body())
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


def test_four_eyes_reject_and_closed_suggestions(client, tokens):
    own = client.post("/api/v1/suggestions", headers=tokens["rita"], json=suggestion_body()).json()
    refused = client.post(f"/api/v1/suggestions/{own['id']}/accept", headers=tokens["rita"])
    assert refused.status_code == 403
    assert client.post(f"/api/v1/suggestions/{own['id']}/accept", headers=tokens["drafter"]).status_code == 403
    assert client.post(f"/api/v1/suggestions/{own['id']}/reject", headers=tokens["rob"], json={}).status_code == 422
    assert client.post(f"/api/v1/suggestions/{own['id']}/reject", headers=tokens["rob"],
                       json={"reason": "   "}).status_code == 400
    rejected = client.post(f"/api/v1/suggestions/{own['id']}/reject", headers=tokens["rob"],
                           json={"reason": "The label says 25 °C."})
    assert rejected.status_code == 200 and rejected.json()["suggestion"]["status"] == "rejected"
    again = client.post(f"/api/v1/suggestions/{own['id']}/accept", headers=tokens["ada"])
    assert again.status_code == 409
    assert client.get(f"/api/v1/suggestions/{own['id']}", headers=tokens["rob"]).json()["decision_reason"]


def test_overlapping_changes_conflict_with_both_versions(client, tokens):
    first = client.post("/api/v1/suggestions", headers=tokens["drafter"],
                        json=suggestion_body(text="Store below 25 °C.")).json()
    second = client.post("/api/v1/suggestions", headers=tokens["drafter"],
                         json=suggestion_body(text="Store in a fridge.")).json()
    assert client.post(f"/api/v1/suggestions/{first['id']}/accept", headers=tokens["rita"]).status_code == 200
    conflict = client.post(f"/api/v1/suggestions/{second['id']}/accept", headers=tokens["rita"])
    assert conflict.status_code == 409, conflict.text
    parts = conflict.json()["conflicts"]
    assert parts and "25" in parts[0]["current"] and "fridge" in parts[0]["suggested"]


# --------------------------------------------------------------------------- hostile bodies


def test_malformed_hostile_and_huge_bodies(client):
    post = "/api/v1/suggestions"
    broken = client.post(post, content=b'{"slug": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and "not valid JSON" in broken.json()["detail"]
    missing = client.post(post, json={"slug": SEED_SLUG})
    assert missing.status_code == 422 and "body.reason" in missing.json()["detail"]
    assert client.post(post, json=[1, 2, 3]).status_code == 422
    assert client.post(post, json=suggestion_body(base_revision="one")).status_code == 422
    assert client.post(post, json=suggestion_body(is_admin=True)).status_code == 422
    assert client.post(post, json=suggestion_body(base_revision=-1)).status_code == 422
    nested = b'{"slug": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert client.post(post, content=nested, headers={"Content-Type": "application/json"}).status_code in (400, 422)
    huge = client.post(post, json=suggestion_body(text="x" * (MAX_BODY_KB * 1024 + 10)))
    assert huge.status_code == 413
    wrong_type = client.post(post, content=b"slug=a", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert wrong_type.status_code == 422
