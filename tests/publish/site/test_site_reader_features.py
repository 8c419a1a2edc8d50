"""What a reader gets beyond the text (issue 13): a page that prints on few sheets with its
date and source, "On this page" links on a long page, who reviewed it, when it was last checked
against its official label, and a home page that leads with the pages there are to read.

The HTML checks run everywhere; the print and jump-link checks run in headless Chromium (see
test_site_browser.py for what it needs) and are skipped with the reason when it is missing.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from fixture_files import SEED_PAGE
from site_samples import full_page, medicine, sample_entries
from test_site_browser import CHROMIUM, browser  # noqa: F401 (a fixture: one Chromium launch, as the browser tests)

from medpages.model import (
    Provenance,
    SideEffect,
    SideEffects,
    Source,
    TextSection,
    reviewed_note,
)
from medpages.publish.site import build_site
from medpages.publish.site.render import FEATURED_ON_HOME, SiteRenderer
from medpages.publish.site.serve import start_site_server
from medpages.publish.site.views import CONTENTS_AFTER, Badge, FeaturedPage, SiteConfig

html5lib = pytest.importorskip("html5lib", reason="html5lib is not installed (pip install -e '.[test]')")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)")

LONG = "i/ibuprofen-400mg/index.html"  # every section (site_samples.full_page)
SHORT = "n/naproxen-250mg/index.html"  # three written sections
SKELETON = "p/paracetamol-500mg/index.html"


def reader_entries(seed_text: str):
    entries = sample_entries(seed_text)
    _, long_page = entries[1]
    long_page.note = reviewed_note("Jane Doe, PharmD", date(2026, 3, 1))
    naproxen = medicine("Naproxen 250mg", generic_name="Naproxen")
    short_page = full_page(naproxen).model_copy(deep=True)
    for key in list(short_page.present_sections()):
        if key not in ("usage", "dosage", "side_effects"):
            if key.startswith("extra:"):
                short_page.extra_sections = []
            else:
                setattr(short_page, key, None)
    short_page.usage = TextSection(lead="Naproxen relieves pain.")
    short_page.side_effects = SideEffects(items=[SideEffect(name="Heartburn")])
    short_page.status, short_page.reviewed_on = "draft", None
    short_page.provenance = {key: Provenance(kind="model", by="test-model") for key in short_page.present_sections()}
    # Drafted with its label at hand: the draft's Sources name the label and when it was used.
    short_page.sources = [Source(title="NAPROXEN tablet", publisher="DailyMed", effective_date=date(2025, 10, 15))]
    short_page.provenance["sources"] = Provenance(kind="model", by="test-model",
                                                  at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    return [*entries, (naproxen, short_page)]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reader-site")
    build_site(reader_entries(SEED_PAGE.read_text("utf-8")), folder / "site", state_dir=folder / "state",
               base_url="https://medicines.example.org", edit_url="https://app.example.org/suggest")
    return folder / "site"


def parse(path):
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    document = parser.parse(path.read_bytes())
    assert parser.errors == [], parser.errors[:3]
    return document


def contents_links(document) -> list[str]:
    nav = document.find(".//nav[@class='contents']")
    return [] if nav is None else [a.get("href") for a in nav.iter("a")]


def test_a_long_page_lists_its_written_sections_and_each_link_has_a_target(site):
    document = parse(site / LONG)
    links = contents_links(document)
    ids = {element.get("id") for element in document.iter() if element.get("id")}
    assert links[:4] == ["#generic_name", "#usage", "#dosage", "#side_effects"]
    assert "#extra-0" in links and "#sources" in links
    assert "#disclaimer" not in links and "#note" not in links  # the fixed texts are not jumped to
    assert all(link[1:] in ids for link in links)


def test_short_and_skeleton_pages_have_no_contents_list(site):
    short = parse(site / SHORT)
    assert short.find(".//section[@id='usage']") is not None
    assert contents_links(short) == []
    assert contents_links(parse(site / SKELETON)) == []  # its absent sections are not "written"
    assert CONTENTS_AFTER == 5


def test_the_reviewer_named_in_the_note_is_shown(site):
    html = (site / LONG).read_text("utf-8")
    assert '<span class="badge badge-reviewed">Reviewed on 1 March 2026 by Jane Doe, PharmD</span>' in html
    seed = next(site.glob("*/ado-*/index.html")).read_text("utf-8")
    assert 'class="badge badge-imported">Imported, not yet reviewed' in seed  # the seed's Note names nobody


def test_a_printed_page_says_where_and_when_it_is_from(site):
    html = (site / LONG).read_text("utf-8")
    line = re.search(r'<p class="print-only">(.*?)</p>', html).group(1)
    assert line == ("Printed from Medicine information, https://medicines.example.org/i/ibuprofen-400mg/; "
                    "page updated 14 March 2026; checked against its label on 14 March 2026.")


def test_a_page_drafted_from_its_label_says_when_it_was_checked_against_it(site):
    html = (site / SHORT).read_text("utf-8")
    line = re.search(r'<p class="label-check small">(.*?)</p>', html).group(1)
    assert re.sub(r"<[^>]+>", "", line) == ("Checked against its official label (dated 15 October 2025) "
                                           "on 30 November 2026.")
    assert 'datetime="2026-11-30"' in line
    printed = re.search(r'<p class="print-only">(.*?)</p>', html).group(1)
    assert printed.endswith("; checked against its label on 30 November 2026.")
    assert "2 January 2025</time>) on" in (site / LONG).read_text("utf-8")  # reviewed since, drafted from its label
    # No label was used for these: nothing claimed.
    for path in (SKELETON, next(site.glob("*/ado-*/index.html")).relative_to(site).as_posix()):
        assert "label-check" not in (site / path).read_text("utf-8"), path


def featured_on_home(site) -> list[tuple[str, str]]:
    document = parse(site / "index.html")
    listing = document.find(".//ul[@class='featured']")
    return [(li.find("a").get("href"), li.find("span").text) for li in listing.iter("li")]


def test_the_home_page_leads_with_the_written_pages_reviewed_first(site):
    assert featured_on_home(site) == [
        ("i/ibuprofen-400mg/", "Reviewed on 1 March 2026 by Jane Doe, PharmD"),
        ("a/ado-trastuzumab-emtansine-160mg/", "Imported, not yet reviewed by a pharmacist"),
        ("n/naproxen-250mg/", "AI-drafted, not yet reviewed by a pharmacist"),
    ]
    html = (site / "index.html").read_text("utf-8")
    assert html.index('class="featured"') < html.index('id="a-z"')  # before the A to Z
    assert "The pages to read" in html and "more page" not in html  # every written page is listed


def test_a_home_page_with_many_written_pages_shows_the_first_and_counts_the_rest():
    def badge(kind):
        return Badge(kind, kind)

    pages = [FeaturedPage(f"Medicine {n:02d}", f"m/medicine-{n:02d}", badge("ai")) for n in range(24)]
    pages.append(FeaturedPage("Zopiclone", "z/zopiclone", badge("reviewed")))
    pages.append(FeaturedPage("Warfarin", "w/warfarin", badge("reference")))
    html = SiteRenderer(SiteConfig()).home({"m": 24, "w": 1, "z": 1, "p": 3}, 3, pages).decode()
    listing = html[html.index('<ul class="featured">'):]
    hrefs = re.findall(r'<li><a href="([^"]+)/">', listing[:listing.index("</ul>")])
    assert len(hrefs) == FEATURED_ON_HOME == 16
    assert hrefs[:3] == ["z/zopiclone", "w/warfarin", "m/medicine-00"]
    assert "Pages to read" in html
    assert "10 more pages have something to read" in html
    assert "about 26 medicines" in html and "3 more are listed, not yet written" in html


def test_a_site_with_nothing_written_has_no_pages_to_read_list():
    html = SiteRenderer(SiteConfig()).home({"p": 2}, 2, []).decode()
    assert 'class="featured"' not in html and "to read" not in html


# In the browser -------------------------------------------------------------------------------

HIDDEN_IN_PRINT = [".site-header", ".site-nav", ".search", ".breadcrumb", ".edit a", ".site-footer", ".contents"]


@pytest.fixture(scope="module")
def site_url(site):
    server, url = start_site_server(site)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def tab(browser, site_url):  # noqa: F811 (the imported fixture)
    context = browser.new_context(viewport={"width": 390, "height": 800}, base_url=site_url)  # a phone
    page = context.new_page()
    yield page
    context.close()


def path_of(relative: str) -> str:
    return "/" + relative.removesuffix("index.html")


@needs_chromium
def test_print_drops_the_navigation_and_shows_date_and_sources(tab):
    tab.goto(path_of(LONG))
    assert not tab.locator(".print-only").is_visible()
    assert tab.locator(".contents").is_visible()
    tab.emulate_media(media="print")
    for selector in HIDDEN_IN_PRINT:
        assert tab.locator(selector).count(), selector
        assert all(not element.is_visible() for element in tab.locator(selector).all()), selector
    assert tab.locator(".print-only").is_visible()
    assert "page updated 14 March 2026" in tab.locator(".print-only").inner_text()
    assert tab.locator("#sources").is_visible()
    after = tab.evaluate("getComputedStyle(document.querySelector('.sources a'), '::after').content")
    assert "https://dailymed.nlm.nih.gov/x" in after
    size = tab.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size < 15  # compact: 10.5pt, against 17 px on a phone's screen
    heading = tab.evaluate("getComputedStyle(document.querySelector('.section h2')).breakAfter")
    assert heading == "avoid"


@needs_chromium
def test_a_page_with_every_section_prints_on_two_sheets(tab):
    tab.goto(path_of(LONG))
    pdf = tab.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) <= 2


@needs_chromium
def test_on_a_phone_the_pages_to_read_come_before_the_a_to_z_and_lead_to_them(tab):
    tab.goto("/")
    first = tab.locator(".featured a").first
    assert first.is_visible()
    assert first.bounding_box()["y"] < tab.locator("#a-z").bounding_box()["y"]
    assert first.bounding_box()["y"] < 800  # on the first screen, under the search box
    first.click()
    tab.wait_for_url("**/i/ibuprofen-400mg/")
    assert tab.locator("h1").inner_text() == "Ibuprofen 400mg"


@needs_chromium
def test_jump_links_land_on_their_sections(tab):
    tab.goto(path_of(LONG))
    links = tab.locator(".contents a")
    assert links.count() > CONTENTS_AFTER
    for name, target in (("FAQs", "faqs"), ("Pharmacist tip", "extra-0"), ("Storage", "storage")):
        tab.locator(".contents a", has_text=name).click()
        tab.wait_for_url(re.compile(f"#{target}$"))
        top, at_bottom, height = tab.evaluate(
            f"[document.getElementById('{target}').getBoundingClientRect().top,"
            " window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1, window.innerHeight]")
        assert -1 <= top < 20 or (at_bottom and top < height), (target, top)  # at the top, or as near as the end allows
        assert tab.locator(f"#{target} h2").is_visible()
        tab.evaluate("window.scrollTo(0, 0)")
    tab.goto(path_of(SHORT))
    assert tab.locator(".contents").count() == 0
