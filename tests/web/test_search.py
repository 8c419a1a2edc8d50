"""SiteSearch: the static site's name search over a real SQLite store, its index files, and its rebuild
when the catalogue or a page changes."""

from __future__ import annotations

import json
import threading

import pytest

from medpages.catalog.slug import folder_for, slugify
from medpages.model import Medicine, Page, TextSection
from medpages.project import Project
from medpages.publish.site import build_site
from medpages.web.search import SearchHit, SiteSearch


def medicine(title: str, **fields) -> Medicine:
    return Medicine(title=title, slug=slugify(title), letter=folder_for(title), **fields)


def written_page(title: str) -> Page:
    page = Page(title=title, front_matter={"title": title})
    page.usage = TextSection(lead="It relieves pain and fever.")
    return page


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path):
    store = Project.init(tmp_path / "project").store()
    store.upsert_medicines([
        medicine("Paracetamol 500mg", generic_name="Paracetamol", synonyms=["acetaminophen"], brands=["Tylenol"]),
        medicine("Ibuprofen 400mg", generic_name="Ibuprofen", brands=["Advil"]),
        medicine("Metformin 500mg", brands=["Glucophage"]),
    ])
    store.save_page("paracetamol-500mg", written_page("Paracetamol 500mg"), author="test", kind="imported")
    yield store
    store.close()


def test_names_brands_synonyms_and_typos(store):
    search = SiteSearch(store)
    assert search.query("paracetmol")[0] == SearchHit(
        title="Paracetamol 500mg", path="p/paracetamol-500mg/", letter="p", slug="paracetamol-500mg",
        matched="Paracetamol 500mg", skeleton=False)
    assert search.query("tylenol")[0].matched == "Tylenol"
    assert search.query("acetaminophen")[0].slug == "paracetamol-500mg"
    hit = search.query("glucophage")[0]
    assert (hit.slug, hit.skeleton) == ("metformin-500mg", True)
    assert search.query("") == [] and search.query("zzzz") == []
    assert len(search.query("m", limit=1)) == 1


def test_full_text_finds_words_of_written_pages(store):
    search = SiteSearch(store)
    hits = search.query_text("fevr")
    assert [(h.slug, h.matched, h.skeleton) for h in hits] == [("paracetamol-500mg", "", False)]
    assert search.query_text("the") == [] and search.query_text("") == []


def test_index_files_are_those_of_the_static_build(store, tmp_path):
    search = SiteSearch(store)
    build_site(store.iter_pages(), tmp_path / "site", state_dir=tmp_path / "state")
    built = {p.relative_to(tmp_path / "site").as_posix(): p.read_bytes()
             for p in (tmp_path / "site" / "search").rglob("*.json")}
    assert built
    for relative, data in built.items():
        assert search.index_file(relative) == data, relative
    assert search.index_file("search/names/q.json") is None
    assert search.index_file("../site.db") is None and search.index_file("index.html") is None


def test_a_new_medicine_is_found_after_the_next_check(store):
    clock = Clock()
    search = SiteSearch(store, clock=clock)
    assert search.query("aspirin") == []
    store.upsert_medicine(medicine("Aspirin 75mg", brands=["Disprin"]))
    assert search.query("aspirin") == []  # checked at most once a second
    clock.now += 1.5
    assert search.query("disprin")[0].slug == "aspirin-75mg"
    store.save_page("aspirin-75mg", written_page("Aspirin 75mg"), author="test", kind="imported")
    clock.now += 1.5
    assert search.query("aspirin")[0].skeleton is False
    assert json.loads(search.index_file("search/names/a.json"))["p"][0][0] == "Aspirin 75mg"


def test_threads_share_one_index(store):
    search = SiteSearch(store)
    results: list[list[SearchHit]] = []
    threads = [threading.Thread(target=lambda: results.append(search.query("ibuprofn"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [hits[0].slug for hits in results] == ["ibuprofen-400mg"] * 8
