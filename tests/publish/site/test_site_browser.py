"""The built site in real headless Chromium: typo-tolerant search, brands, keyboard use,
screenshots at phone and desktop widths, and axe-core's accessibility check.

Needs Debian's `chromium` (driven by Playwright's Python package through `executable_path`;
Playwright never downloads a browser here) and, for the axe check, axe-core installed with
`npm ci --prefix tests/publish/site`. Each is skipped with the reason when missing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fixture_files import SEED_PAGE
from site_samples import sample_entries

from medpages.publish.site import build_site
from medpages.publish.site.serve import start_site_server

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "screenshots"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)")


@pytest.fixture(scope="module")
def site_url(tmp_path_factory, request):
    seed_text = SEED_PAGE.read_text("utf-8")
    folder = tmp_path_factory.mktemp("browser-site")
    build_site(sample_entries(seed_text), folder / "site", state_dir=folder / "state",
               base_url="https://medicines.example.org", edit_url="https://app.example.org/suggest")
    server, url = start_site_server(folder / "site")
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site_url)
    tab = context.new_page()
    tab.errors = []  # type: ignore[attr-defined]
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    requested = []
    tab.on("request", lambda request: requested.append(request.url))
    tab.requested = requested  # type: ignore[attr-defined]
    yield tab
    assert tab.errors == []
    outside = [u for u in requested if not u.startswith(site_url) and not u.startswith("data:")]
    assert outside == [], f"requests left the site: {outside}"
    context.close()


def suggestions(page, field: str, text: str) -> list[str]:
    page.fill(field, text)
    options = page.locator(f"{field}-list [role=option]")
    options.last.wait_for()  # "Search all pages for …" is always last
    return [o.inner_text() for o in options.all()]


def test_a_misspelled_name_finds_the_page(page):
    page.goto("/")
    found = suggestions(page, "#q-home", "paracetmol")
    assert found[0].startswith("Paracetamol 500mg")
    page.locator("#q-home-list [role=option]").first.click()
    page.wait_for_url(re.compile(r"/p/paracetamol-500mg/$"))
    assert page.locator("h1").inner_text() == "Paracetamol 500mg"


@pytest.mark.parametrize(("typed", "via"), [("Calpol", "brand name: Calpol"), ("tylenol", "brand name: Tylenol"),
                                            ("acetaminophen", "also known as: acetaminophen"),
                                            ("augmentn", "brand name: Augmentin")])
def test_brands_and_synonyms_lead_to_the_generic(page, typed, via):
    page.goto("/a/")  # the header's search box, on a letter page
    found = suggestions(page, "#q-header", typed)
    assert via in found[0]
    expected = "Amoxicillin" if typed == "augmentn" else "Paracetamol 500mg"
    assert found[0].startswith(expected)


def test_the_keyboard_alone_reaches_a_result(page):
    page.goto("/")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q-home":
            break
    else:
        pytest.fail("Tab never reached the search box")
    page.keyboard.type("ibuprofn", delay=20)
    page.locator("#q-home-list [role=option]").first.wait_for()
    assert page.get_attribute("#q-home", "aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    active = page.get_attribute("#q-home", "aria-activedescendant")
    assert active and page.get_attribute(f"#{active}", "aria-selected") == "true"
    assert page.locator(f"#{active}").inner_text().startswith("Ibuprofen 400mg")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/i/ibuprofen-400mg/$"))
    page.keyboard.press("Tab")  # the skip link comes first on every page
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"


def test_escape_closes_the_suggestions(page):
    page.goto("/")
    suggestions(page, "#q-home", "metf")
    page.keyboard.press("Escape")
    assert page.get_attribute("#q-home", "aria-expanded") == "false"
    assert page.locator("#q-home-list").is_hidden()


def test_search_page_finds_names_and_words_in_pages(page):
    page.goto("/search/?q=heartburn")
    page.locator("[data-text-results] li a").first.wait_for()
    assert "Ibuprofen 400mg" in page.locator("[data-text-results]").inner_text()
    assert "result" in page.locator("#search-status").inner_text()
    page.fill("#q-page", "trastuzumab emtansine")  # two words, both on the seed page
    page.wait_for_function("document.querySelector('[data-name-results]').innerText.includes('Ado-trastuzumab')")
    page.fill("#q-page", "paracetmol")
    page.wait_for_function("document.querySelector('[data-name-results]').innerText.includes('Paracetamol 500mg')")
    assert "q=paracetmol" in page.url
    page.fill("#q-page", "zzzzqqq")
    page.wait_for_function("document.getElementById('search-status').innerText.startsWith('Nothing found')")


def test_enter_without_a_choice_searches_all_pages(page):
    page.goto("/")
    page.fill("#q-home", "cancer")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=cancer$"))
    page.locator("[data-text-results] li a").first.wait_for()
    assert "Ado-trastuzumab emtansine 160mg" in page.locator("[data-text-results]").inner_text()


def test_missing_page_gets_the_404_page(page):
    response = page.goto("/x/no-such-medicine/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    found = suggestions(page, "#q-notfound", "ibuprofen")
    assert found[0].startswith("Ibuprofen 400mg")


PAGES = {"home": "/", "letter": "/p/", "medicine": "/i/ibuprofen-400mg/", "skeleton": "/p/paracetamol-500mg/",
         "seed": "/a/ado-trastuzumab-emtansine-160mg/", "search": "/search/?q=heart", "about": "/about/"}


@pytest.mark.parametrize("width", [360, 1280])
def test_screenshots_and_no_sideways_scrolling(browser, site_url, width):
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 800}, base_url=site_url)
    tab = context.new_page()
    for name, path in PAGES.items():
        tab.goto(path)
        if name == "search":
            tab.locator("[data-text-results] li").first.wait_for()
        assert tab.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width}px"
        tab.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    tab.goto("/")
    tab.fill("#q-home", "paracetmol")
    tab.locator("#q-home-list [role=option]").first.wait_for()
    tab.screenshot(path=str(SCREENSHOTS / f"suggestions-{width}.png"))
    context.close()
    assert (SCREENSHOTS / f"medicine-{width}.png").stat().st_size > 10_000


def test_narrowest_phone_and_text_size(browser, site_url):
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=site_url)
    tab = context.new_page()
    tab.goto("/i/ibuprofen-400mg/")
    assert tab.evaluate("document.documentElement.scrollWidth") <= 320
    sizes = tab.evaluate("""[...document.querySelectorAll('main p, main li, main td, main dd')]
        .map(e => parseFloat(getComputedStyle(e).fontSize))""")
    assert min(sizes) >= 16
    context.close()


@pytest.mark.parametrize("width", [320, 360])
def test_the_breadcrumb_stays_on_one_line_on_a_phone(browser, site_url, width):
    context = browser.new_context(viewport={"width": width, "height": 640}, base_url=site_url)
    tab = context.new_page()
    for path in ("/a/ado-trastuzumab-emtansine-160mg/", "/0-9/5-fluorouracil-500mg/", "/p/"):
        tab.goto(path)
        crumb = tab.evaluate("""(() => {
            const items = [...document.querySelectorAll('.breadcrumb li')].map(li => li.getBoundingClientRect());
            const last = document.querySelector('.breadcrumb li:last-child');
            return {tops: items.map(r => Math.round(r.top)), height: document.querySelector('.breadcrumb ol')
                    .getBoundingClientRect().height, line: parseFloat(getComputedStyle(last).lineHeight),
                    cut: last.scrollWidth > last.clientWidth, right: Math.max(...items.map(r => r.right))};
        })()""")
        assert len(set(crumb["tops"])) == 1 and crumb["height"] < 1.5 * crumb["line"], (path, crumb)
        assert crumb["right"] <= width and tab.evaluate("document.documentElement.scrollWidth") <= width, path
        if path.startswith("/a/"):
            assert crumb["cut"]  # the long name is cut short ("…"); the links before it are whole
            assert tab.locator(".breadcrumb a").all_inner_texts() == ["Home", "A"]
    context.close()


def test_an_empty_page_is_noindex_and_names_brands_as_brands(page):
    page.goto("/p/paracetamol-500mg/")
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"
    assert page.locator(".badge").inner_text() == "Not yet written"
    assert page.locator(".identity").inner_text().count("Calpol") == 1
    page.goto("/i/ibuprofen-400mg/")
    assert page.locator('meta[name="robots"]').count() == 0
    page.goto("/")
    assert "4 more are listed, not yet written" in page.locator(".lead").inner_text()


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed: npm ci --prefix tests/publish/site")
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(browser, site_url, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site_url, color_scheme=scheme)
    tab = context.new_page()
    problems = []
    for name, path in PAGES.items():
        tab.goto(path)
        if name == "search":
            tab.locator("[data-text-results] li").first.wait_for()
        if name == "home":  # the open suggestion list, too
            tab.fill("#q-home", "paracetmol")
            tab.locator("#q-home-list [role=option]").first.wait_for()
            tab.keyboard.press("ArrowDown")
        tab.add_script_tag(path=str(AXE))
        violations = tab.evaluate("""async () => (await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))""")
        problems += [(name, v) for v in violations if v["impact"] in ("serious", "critical")]
    context.close()
    assert problems == []


@pytest.fixture(scope="module")
def catalogue_site_url(tmp_path_factory):
    """A small site from a wholesaler's titles, named as the catalogue names them (dictionary and table)."""
    from medpages.catalog.builder import medicine_from_title

    titles = ["Ibuprofen 200mg Tablets", "Paracetamol 500mg Tablets", "Codeine Phosphate 30mg Tablets",
              "Co-codamol 30/500mg Tablets", "Fluticasone 50mcg Nasal Spray", "Salmeterol 25mcg Inhaler",
              "Fluticasone + Salmeterol 250mcg/25mcg Inhaler", "Glyceryl Trinitrate 400mcg Spray",
              "Metformin 500mg Tablets", "Metoprolol 50mg Tablets", "Methotrexate 2.5mg Tablets"]
    from medpages.publish.site.search_index import NameRecord, name_shards

    folder = tmp_path_factory.mktemp("catalogue-site")
    medicines = [medicine_from_title(t) for t in titles]
    build_site([(m, None) for m in medicines], folder / "site", state_dir=folder / "state")
    # The name index as it is when the builder marks a page not yet written (here Metoprolol's).
    for relative, data in name_shards(NameRecord.of(m, empty=m.title.startswith("Metoprolol")) for m in medicines).items():
        (folder / "site" / relative).write_bytes(data)
    server, url = start_site_server(folder / "site")
    yield url
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("typed", "first", "via"), [
    ("ubuprofen", "Ibuprofen 200mg Tablets", None),  # a typo in the first letter: another shard
    ("kodeine", "Codeine Phosphate 30mg Tablets", None),
    ("Seretide", "Fluticasone + Salmeterol 250mcg/25mcg Inhaler", "brand name: Seretide"),  # a combination's brand
    ("nitroglycerin", "Glyceryl Trinitrate 400mcg Spray", "generic name: Nitroglycerin"),  # the US name
    ("gtn", "Glyceryl Trinitrate 400mcg Spray", "also known as: GTN"),
    ("paracetamol codeine", "Co-codamol 30/500mg Tablets", None),  # both ingredients, any order
    ("codeine paracetamol", "Co-codamol 30/500mg Tablets", None),
    ("salmeterol fluticasone", "Fluticasone + Salmeterol 250mcg/25mcg Inhaler", None),
    ("paracetamol", "Paracetamol 500mg Tablets", None),  # one ingredient: the generic before the combination
])
def test_the_catalogue_search_finds_what_a_patient_means(browser, catalogue_site_url, typed, first, via):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=catalogue_site_url)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto("/")
    found = suggestions(tab, "#q-home", typed)
    assert found[0].startswith(first), found
    if via:
        assert via.lower() in found[0].lower()
    assert errors == []
    context.close()


def test_search_results_say_a_page_is_not_yet_written(browser, catalogue_site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=catalogue_site_url)
    tab = context.new_page()
    tab.goto("/")
    found = suggestions(tab, "#q-home", "metoprolol")
    assert found[0].startswith("Metoprolol 50mg Tablets") and "not yet written" in found[0]
    assert not any("not yet written" in option for option in suggestions(tab, "#q-home", "metformin"))
    tab.goto("/search/?q=metoprolol")
    tab.locator("[data-name-results] [data-list] li").first.wait_for()
    assert "not yet written" in tab.locator("[data-name-results] [data-list] li").first.inner_text()
    context.close()
