"""The Python searches (`search_query`) give the static site's results: the same queries through
`static/search.js` in real headless Chromium and through `NameSearch` and `TextSearch`, on one site.

The site: the sample catalogue and a medicine for every real FDA label in tests/fixtures/labels
(its ingredients as the title, the file's brand as a brand), so that many names share a shard;
built twice, with one page changed between, so that the full-text index has a delta too.
"""

from __future__ import annotations

import csv
import json
import shutil
from urllib.parse import urlsplit

import pytest
from fixture_files import LABELS_DIR, SEED_PAGE
from site_samples import medicine, sample_entries

from medpages.catalog.slug import slugify
from medpages.publish.site import build_site
from medpages.publish.site.search_index import NAMES_DIR, NameRecord
from medpages.model import TextSection
from medpages.publish.site.search_query import NameSearch, TextSearch, distance
from medpages.publish.site.serve import start_site_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

QUERIES = [
    # exact names and prefixes
    "Paracetamol 500mg", "paracetamol", "para", "p", "ibuprofen", "ibu", "Metformin", "met", "naproxen",
    "napro", "diclofenac sodium", "celecoxib", "ketorolac", "5-fluorouracil", "5", "fluorouracil",
    "amoxicillin clavulanic", "clav", "carvedilol", "ciprofloxacin", "sildenafil",
    # brands and synonyms
    "Calpol", "tylenol", "acetaminophen", "Augmentin", "co-amoxiclav", "Advil", "Nurofen", "Glucophage",
    "viagra", "celebrex", "voltaren", "vimovo",
    # typos in the middle, and while typing
    "paracetmol", "ibuprofn", "augmentn", "metfromin", "naproxne", "diclofenak", "celecoxb", "ketorlac",
    "acetaminophn", "carvedlol", "ciproflox", "sildenafl",
    # typos in the first letters (other shards, through index.json's word list), salts, and ties
    "ubuprofen", "ibuprofen", "kodeine", "etformin", "netformin", "yaproxen", "aproxen", "dclofenac", "bu",
    "ubupro", "levothyroxine sodium", "metformin hydrochloride", "sodium", "ibuprofen tablets",
    # several words, accents, nothing
    "aspirin caffeine", "caffeine aspirin", "butalbital aspirin", "naproxen esomeprazole", "esomeprazole naproxen", "naproxen sodium", "Paracétamol", "xyzzy", "  ",
]
TEXT_QUERIES = [
    "heartburn", "dizziness", "fridge", "pain", "pain fever", "cyclo", "stomach bleeding", "breastfeeding",
    "pregnancy", "headahce", "dose diary", "into", "the", "heart failure", "liver", "trastuzumab",
    "infusion", "ibuprofen", "paracetamol", "zebrafish", "zebrafsh", "poison", "xyzzy",
]


def label_medicines():
    """One medicine per real label: 'Naproxen + Esomeprazole 375 mg', brand from the file name."""
    found, seen = [], set()
    with (LABELS_DIR / "INDEX.tsv").open(encoding="utf-8") as index:
        for row in csv.DictReader(index, delimiter="\t"):
            ingredients = [i.strip().title() for i in row["active_ingredients"].split(";") if i.strip()]
            strength = row["strengths"].split(";")[0].strip()
            title = " + ".join(i.split(" (")[0] for i in ingredients[:3]) + (f" {strength}" if strength else "")
            if slugify(title) in seen:
                continue
            seen.add(slugify(title))
            brand = row["file"].split("-")[0]
            brands = [brand.title()] if brand.isalpha() and brand not in title.lower() and brand != "otc" else []
            found.append(medicine(title, ingredients=ingredients, brands=brands))
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    entries = sample_entries(SEED_PAGE.read_text("utf-8")) + [(m, None) for m in label_medicines()]
    folder = tmp_path_factory.mktemp("parity-site")
    build_site(entries, folder / "site", state_dir=folder / "state")
    ibuprofen = next(i for i, (m, _) in enumerate(entries) if m.slug == "ibuprofen-400mg")
    changed = entries[ibuprofen][1].model_copy(deep=True)
    changed.storage = TextSection(lead="Keep it away from the zebrafish tank, and out of the fridge.")
    entries[ibuprofen] = (entries[ibuprofen][0], changed)
    report = build_site(entries, folder / "site", state_dir=folder / "state")
    assert report.full_text == "delta"
    return folder / "site", entries


def python_results(entries, query):
    search = NameSearch.of(NameRecord.of(m) for m, _ in entries)
    return [(hit.title, hit.path + "/", hit.via) for hit in search.search(query, 10)]


def test_the_python_search_reads_the_files_the_site_serves(site):
    folder, entries = site
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in (folder / NAMES_DIR).glob("*.json")}
    from_files = NameSearch(files)
    for query in QUERIES:
        assert [h.path for h in from_files.search(query)] == [p[:-1] for _, p, _ in python_results(entries, query)]


@pytest.mark.parametrize(("a", "b", "limit", "expected"), [
    ("paracetmol", "paracetamol", 2, 1), ("ab", "ba", 1, 1), ("abc", "abc", 0, 0), ("kitten", "sitting", 1, 2),
    ("ca", "abc", 3, 3), ("", "abc", 3, 3),
])
def test_distance_is_optimal_string_alignment(a, b, limit, expected):
    assert distance(a, b, limit) == expected


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)")
def test_search_js_and_python_give_the_same_first_results(site):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    folder, entries = site
    server, url = start_site_server(folder)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tab = browser.new_page(base_url=url)
            tab.goto("/")
            tab.wait_for_function("window.medpagesSearch !== undefined")
            in_browser = tab.evaluate("""async (queries) => {
                const out = {};
                for (const q of queries) out[q] = await window.medpagesSearch.searchNames(q, 10);
                return out;
            }""", QUERIES)
            text_in_browser = tab.evaluate("""async (queries) => {
                const out = {};
                for (const q of queries) out[q] = await window.medpagesSearch.searchText(q, 20);
                return out;
            }""", TEXT_QUERIES)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    mismatches = []
    found_something = 0
    for query in QUERIES:
        js = [(r["title"], urlsplit(r["url"]).path.lstrip("/"), r["via"]) for r in in_browser[query]]
        py = python_results(entries, query)
        found_something += bool(py)
        if js[:1] != py[:1] or [t for t, _, _ in js] != [t for t, _, _ in py]:
            mismatches.append(f"{query!r}: search.js {json.dumps(js[:3])} python {json.dumps(py[:3])}")
    assert mismatches == []
    assert found_something >= len(QUERIES) - 3  # the queries exercise the search, not only empty results

    text = TextSearch({p.relative_to(folder).as_posix(): p.read_bytes() for p in (folder / "search/ft").rglob("*.json")})
    found_something = 0
    for query in TEXT_QUERIES:
        js = [(r["title"], urlsplit(r["url"]).path.lstrip("/")) for r in text_in_browser[query]]
        py = [(hit.title, hit.path + "/") for hit in text.search(query, 20)]
        found_something += bool(py)
        if js != py:
            mismatches.append(f"{query!r}: search.js {json.dumps(js[:3])} python {json.dumps(py[:3])}")
    assert mismatches == []
    assert found_something >= len(TEXT_QUERIES) - 6  # "the", "xyzzy" and a few others find nothing
