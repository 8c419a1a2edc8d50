"""A hostile list through the Jekyll export and real Jekyll: nothing runs, no setting leaks.

Names from a generics.txt list and brands from a CSV, each carrying an HTML or Liquid payload,
are imported with the real catalogue importers, exported, built by `jekyll build` with a
minimal layout that prints `page.title` raw (as many themes do), and every page is loaded in
headless Chromium. Needs Debian's `jekyll` and `chromium` (skipped with the reason otherwise).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import stat
import subprocess

import pytest

from medpages.catalog.importers import import_catalog
from medpages.draft.skeleton import skeleton_page
from medpages.model import FAQ, ExtraSection, FAQs, ListItem, SideEffect, SideEffects, TextSection
from medpages.publish.jekyll import export_jekyll, jekyll_markdown
from medpages.publish.site.serve import start_site_server

html5lib = pytest.importorskip("html5lib", reason="html5lib is not installed (pip install -e '.[test]')")

JEKYLL = shutil.which("jekyll")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SECRET = "mp-secret-5c1e9a77d2f04b3b"  # in _config.yml only: it must never reach _site

# Each payload either calls alert() (counted as a dialog) or sets window.__pwned, or reaches
# into Liquid: the site's settings, includes, or the end of a raw block.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=alert(2)>",
    '<img src="x" onerror="window.__pwned=2">',
    "<svg onload=alert(3)>",
    "<svg><script>alert(4)</script></svg>",
    "<iframe src=javascript:alert(5)></iframe>",
    "<body onload=alert(6)>",
    "<details open ontoggle=alert(7)>",
    "<a href=javascript:alert(8)>click</a>",
    '"><script>alert(9)</script>',
    "</title><script>alert(10)</script>",
    "<style>@import 'javascript:alert(11)'</style>",
    "<object data=javascript:alert(12)></object>",
    "<!--<script>alert(13)//-->",
    "{{ site.secret_token }}",
    "{{ site }}",
    "{{site.secret_token|upcase}}",
    "{% include secret.html %}",
    "{% include_relative _config.yml %}",
    "{% raw %}{{ site.secret_token }}{% endraw %}{{ site.secret_token }}",
    "{% endraw %}{{ site.secret_token }}",
    "{%- assign x = site.secret_token -%}{{ x }}",
    "{% for p in site.pages %}{{ p.content }}{% endfor %}",
    "{::nomarkdown}<script>alert(14)</script>{:/}",
    "*x*{: onmouseover=alert(15)}",
    "[click](javascript:alert(16))",
    "[click](JaVaScRiPt&#58;alert(17))",
    "&#60;script&#62;alert(18)&#60;/script&#62;",
    "[x]: javascript:alert(19)",
    "`<script>alert(20)</script>`",
]

LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ page.title }}</title>
<meta name="description" content="{{ page.title }}"></head>
<body><h1 class="from-layout">{{ page.title }}</h1><main>{{ content }}</main></body></html>
"""
UNSAFE_URL = re.compile(r"^\s*(javascript|vbscript|data|file):", re.IGNORECASE)


def hostile_catalogue(folder):
    """A generics.txt with a payload in each name, a CSV with one in each brand column."""
    names = folder / "generics.txt"
    names.write_text("".join(f"Aspirin {payload} {n}mg\n" for n, payload in enumerate(PAYLOADS, 1)),
                     encoding="utf-8")
    brands = folder / "brands.csv"
    with brands.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["name", "brand"])
        for n, payload in enumerate(PAYLOADS, 1):
            writer.writerow([f"Ibuprofen {n * 10}mg", f"Brufen {payload}"])
    return [names, brands]


def hostile_pages(medicines):
    """Each medicine's skeleton page, and for every other one drafted sections carrying payloads."""
    entries = []
    for number, medicine in enumerate(medicines):
        page = skeleton_page(medicine)
        payload = PAYLOADS[number % len(PAYLOADS)]
        if number % 2:
            page.usage = TextSection(lead=f"Used for pain. {payload}", items=[ListItem(label=payload, text=payload)])
            page.side_effects = SideEffects(lead=payload, items=[SideEffect(name="Nausea", explanation=payload)])
            page.faqs = FAQs(items=[FAQ(question=f"Is {payload} safe?", answer=payload)])
            page.extra_sections = [ExtraSection(heading=f"More {payload}", body=payload)]
        entries.append((medicine, page))
    return entries


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    if JEKYLL is None:
        pytest.skip("jekyll is not installed (Debian: apt-get install jekyll)")
    folder = tmp_path_factory.mktemp("hostile")
    imported = import_catalog(hostile_catalogue(folder), resolve_names=False)
    medicines = imported.medicines
    # The importer tidies names (brackets, quotes) but lets markup through: that is the export's job.
    titled = [m for m in medicines if re.search(r"[<{]", m.title)]
    branded = [m for m in medicines if any(re.search(r"[<{]", b) for b in m.brands)]
    assert len(titled) >= 20 and len(branded) >= 20, imported.report
    entries = hostile_pages(medicines)
    source = folder / "source"
    previous = os.umask(0o022)
    try:
        export_jekyll(entries, source, folder / "manifest.json")
    finally:
        os.umask(previous)
    exported = sorted(source.rglob("*.md"))
    (source / "_layouts").mkdir()
    (source / "_layouts" / "minimal-medicine.html").write_text(LAYOUT)
    (source / "_includes").mkdir()
    (source / "_includes" / "secret.html").write_text(f"included {SECRET}")
    (source / "_config.yml").write_text(
        f"title: hostile export check\nsecret_token: {SECRET}\nmarkdown: kramdown\n"
        "defaults:\n  - scope: {path: ''}\n    values: {layout: minimal-medicine}\n")
    out = folder / "_site"
    finished = subprocess.run([JEKYLL, "build", "--quiet", "-s", str(source), "-d", str(out)],
                              capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    return entries, exported, out


def test_exported_files_are_readable_by_others(hostile_site):
    _, exported, _ = hostile_site
    assert exported and {stat.S_IMODE(p.stat().st_mode) for p in exported} == {0o644}


def test_every_page_is_built_and_no_setting_leaks(hostile_site):
    entries, _, out = hostile_site
    for medicine, _ in entries:
        built = out / medicine.letter / f"{medicine.slug}.html"
        assert built.is_file(), f"{medicine.path} did not become HTML"
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text("utf-8", errors="replace"), f"{path} shows _config.yml"


def test_the_built_html_has_no_script_handler_or_unsafe_link(hostile_site):
    entries, _, out = hostile_site
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    for medicine, _ in entries:
        document = parser.parse((out / medicine.letter / f"{medicine.slug}.html").read_text("utf-8"))
        tags = {element.tag for element in document.iter()}
        assert not tags & {"script", "iframe", "object", "embed", "svg", "style", "img"}, medicine.path
        for element in document.iter():
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (medicine.path, element.tag, name)
                if name in ("href", "src", "action", "data"):
                    assert not UNSAFE_URL.match(value), (medicine.path, value)
        shown = document.find("body/h1").text
        assert shown == medicine.title  # the name is shown as text, whatever it holds


def test_the_payloads_show_as_text_in_the_page(hostile_site):
    entries, _, out = hostile_site
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    medicine, _ = next((m, p) for m, p in entries if "{{ site.secret_token }}" in m.title)
    document = parser.parse((out / medicine.letter / f"{medicine.slug}.html").read_text("utf-8"))
    text = "".join(document.find("body/main").itertext())
    assert "{{ site.secret_token }}" in text  # Liquid shown, not run


def test_nothing_runs_in_a_browser(hostile_site):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    entries, _, out = hostile_site
    server, url = start_site_server(out)
    dialogs: list[str] = []
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tab = browser.new_page()
            tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            for medicine, _ in entries:
                tab.goto(f"{url}{medicine.letter}/{medicine.slug}.html")
                tab.wait_for_load_state("load")
                for details in tab.query_selector_all("details"):
                    details.evaluate("d => d.open = !d.open")
                tab.mouse.move(10, 10)
                assert tab.evaluate("() => window.__pwned") is None, medicine.path
                assert tab.title() == medicine.title
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert dialogs == []


def test_an_unchanged_imported_page_is_still_written_byte_for_byte(seed_text):
    from medpages.catalog.seed_reader import parse_seed_markdown

    page = parse_seed_markdown(seed_text)
    assert jekyll_markdown(page) == seed_text
