"""Reading without an account: the static site's pages served from the database, search without
JavaScript, history and old revisions, and the site's not-found page for anything else."""

from __future__ import annotations

from web_client import SEED_PATH, SEED_SLUG, client, project  # noqa: F401 (fixtures)


def test_home_letter_about_and_medicine_pages(client):
    home = client.get("/")
    assert home.status_code == 200
    assert 'href="a/"' in home.text
    letter = client.get("/a/")
    assert letter.status_code == 200 and f'href="{SEED_SLUG}/"' in letter.text
    assert client.get("/about/").status_code == 200
    page = client.get(SEED_PATH)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "not yet reviewed by a pharmacist" in page.text
    assert f'href="/a/{SEED_SLUG}/suggest/usage/"' in page.text
    assert "<script" in page.text and "application/ld+json" not in page.text  # only search.js, no JSON-LD


def test_a_medicine_without_a_page_is_shown_as_not_yet_written(client):
    page = client.get("/p/paracetamol-500mg/")
    assert page.status_code == 200
    assert "Not yet written." in page.text


def test_unknown_addresses_get_the_sites_not_found_page(client):
    for path in ("/nope/", "/a/no-such-medicine/", "/p/" + SEED_SLUG + "/", "/zz/", "/static/nothing.css",
                 "/static/../app.py", "/a/x/revisions/1/", f"{SEED_PATH}revisions/999/", "/suggestions/unknown/"):
        answer = client.get(path, follow_redirects=True)
        assert answer.status_code == 404, path
        assert "Page not found" in answer.text, path


def test_junk_in_a_path_is_refused_without_a_traceback(client):
    for path in ("/a/x%00y/", "/%00/", "/a/%01/"):
        answer = client.get(path)
        assert answer.status_code in (400, 404), path
        assert "Traceback" not in answer.text


def test_static_files_and_search_index(client):
    css = client.get("/static/site.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/app-static/app.css").status_code == 200
    index = client.get("/search/names/index.json")
    assert index.status_code == 200


def test_search_works_without_javascript(client):
    answer = client.get("/search/", params={"q": "paracetamol"})
    assert answer.status_code == 200
    assert 'href="../p/paracetamol-500mg/"' in answer.text
    assert 'value="paracetamol"' in answer.text
    assert "static/search.js" in answer.text  # as-you-type when JavaScript is on
    empty = client.get("/search/", params={"q": "zzzzqqq"})
    assert "Nothing found" in empty.text


def test_search_query_is_escaped(client):
    answer = client.get("/search/", params={"q": '<script>alert(1)</script>"'})
    assert "<script>alert(1)" not in answer.text
    assert "&lt;script&gt;" in answer.text


def test_history_and_revision_pages(client):
    history = client.get(f"{SEED_PATH}history/")
    assert history.status_code == 200
    assert "revisions/1/" in history.text
    assert "No pharmacist or doctor has reviewed this page yet." in history.text
    revision = client.get(f"{SEED_PATH}revisions/1/")
    assert revision.status_code == 200
    assert "This is revision 1" in revision.text
    assert 'name="robots" content="noindex"' in revision.text


def test_medicine_page_is_served_from_the_cache_until_the_page_changes(client, project):
    first = client.get(SEED_PATH).text
    assert client.get(SEED_PATH).text == first
    store = project.store()
    page = store.get_page(SEED_SLUG)
    page = page.model_copy(update={"usage": page.usage.model_copy(update={"lead": "A brand new lead sentence."})})
    store.save_revision(SEED_SLUG, page, expected_revision=store.current_revision(SEED_SLUG), author="test",
                        kind="contributor", message="test")
    assert "A brand new lead sentence." in client.get(SEED_PATH).text


def test_letter_page_follows_a_new_medicine(client, project):
    assert "Aspirin" not in client.get("/a/").text
    (project.root / "more.txt").write_text("Aspirin 75mg\n", "utf-8")
    from medpages.stages import import_paths

    import_paths(project, [project.root / "more.txt"])
    assert "Aspirin 75mg" in client.get("/a/").text
    assert client.get("/a/aspirin-75mg/").status_code == 200


def test_every_suggest_link_opens_a_form(client):
    import re

    for path in (SEED_PATH, "/p/paracetamol-500mg/"):
        links = re.findall(r'href="([^"]*/suggest/[^"]*)"', client.get(path).text)
        assert links, path
        for link in links:
            assert client.get(link).status_code == 200, link


def test_head_requests_answer_like_get_without_a_body(client):
    for path in ("/", "/about/", f"/{SEED_SLUG[0]}/", f"/{SEED_SLUG[0]}/{SEED_SLUG}/", "/robots.txt"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"], path


def test_the_home_page_counts_only_pages_with_something_to_read(client):
    home = client.get("/").text
    assert "not yet written" in home  # the catalogue's empty pages are listed as such, not as information


def test_readers_asking_at_once_for_a_page_that_changed_wait_for_one_rendering(client, monkeypatch):
    import threading
    import time

    pages, renderer = client.app.state.pages, client.app.state.context.renderer
    rendered, original = [], renderer.medicine

    def slow_render(*args, **kwargs):
        rendered.append(args[0].slug)
        time.sleep(0.2)  # long enough for every reader to arrive while it runs
        return original(*args, **kwargs)

    monkeypatch.setattr(renderer, "medicine", slow_render)
    body, marker = pages.cached_medicine("a", SEED_SLUG)
    assert body is None and marker is not None  # not rendered yet
    bodies = []
    readers = [threading.Thread(target=lambda: bodies.append(pages.render_medicine(SEED_SLUG, marker)))
               for _ in range(12)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert rendered == [SEED_SLUG]
    assert len(bodies) == 12 and len(set(bodies)) == 1 and b"<h1>" in bodies[0]
    assert client.get(SEED_PATH).content == bodies[0]  # and kept for the next reader
