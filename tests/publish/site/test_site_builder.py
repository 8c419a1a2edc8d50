"""build_site: every page there and valid, the web's metadata, incremental rebuilds, hostile text."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from site_samples import full_page, medicine, page_paths, seed_entry, skeleton

from medpages.model import ExtraSection, Link, ListItem, Page, Provenance, Source, TextSection
from medpages.publish.site import build_site

html5lib = pytest.importorskip("html5lib", reason="html5lib is not installed (pip install -e '.[test]')")

MEDICINE_PAGES = [
    "0-9/5-fluorouracil-500mg/index.html",
    "a/ado-trastuzumab-emtansine-160mg/index.html",
    "a/amoxicillin-clavulanic-acid-625mg/index.html",
    "i/ibuprofen-400mg/index.html",
    "m/metformin-500mg/index.html",
    "p/paracetamol-500mg/index.html",
]
OTHER_PAGES = ["0-9/index.html", "404.html", "a/index.html", "about/index.html", "i/index.html", "index.html",
               "m/index.html", "p/index.html", "search/index.html"]

NOT_WRITTEN = {"paracetamol-500mg", "amoxicillin-clavulanic-acid-625mg", "5-fluorouracil-500mg",
               "metformin-500mg"}  # skeletons and a medicine without a page


def parse_strict(html: bytes):
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    document = parser.parse(html)
    return document, parser.errors


def test_every_page_exists_and_is_valid_html(entries, build):
    report, site = build(entries)
    assert report.medicines == 6
    assert page_paths(site) == sorted(MEDICINE_PAGES + OTHER_PAGES)
    for relative in page_paths(site):
        document, errors = parse_strict((site / relative).read_bytes())
        assert errors == [], f"{relative}: {errors[:3]}"
        assert document.find("head/title").text.strip()
        assert document.get("lang") == "en"
    for other in ("sitemap.xml", "robots.txt", "static/site.css", "static/search.js", "search/ft/meta.json",
                  "search/names/p.json"):
        assert (site / other).is_file(), other


def test_ids_are_unique_and_labels_point_at_fields(entries, build):
    _, site = build(entries)
    for relative in page_paths(site):
        html = (site / relative).read_text("utf-8")
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), relative
        for target in re.findall(r'<label for="([^"]+)"', html):
            assert target in ids


def test_medicine_page_shows_every_present_section_and_its_provenance(entries, build):
    _, site = build(entries, edit_url="https://app.example.org/suggest/{slug}/{section}")
    html = (site / "i/ibuprofen-400mg/index.html").read_text("utf-8")
    for heading in ("Generic Name", "Usage", "Dosage", "Side Effects", "Serious Side Effects", "Important Note",
                    "Precautions", "How it Works", "Safety Advice", "Interactions", "Missed Dose", "Overdose",
                    "Storage", "FAQs", "Sources", "Disclaimer", "Note", "Pharmacist tip"):
        assert f">{heading}</h2>" in html, heading
    assert "Reviewed on 1 February 2026" in html
    assert 'datetime="2026-03-14"' in html  # last updated
    assert "<strong>pain</strong>" in html  # inline Markdown
    assert '<th scope="row">Alcohol</th><td class="verdict">Caution</td>' in html
    assert '<a href="https://dailymed.nlm.nih.gov/x" rel="nofollow noopener">Ibuprofen label</a>' in html
    assert 'href="https://app.example.org/suggest/ibuprofen-400mg/side_effects"' in html
    assert "Not yet written" not in html
    # Each written section says who or what wrote it; the fixed texts and the sources do not.
    for heading in ("Usage", "Side Effects", "Pharmacist tip"):
        section = re.search(rf">{heading}</h2>(.*?)</section>", html, re.S).group(1)
        assert '<p class="small written-by">Drafted by AI (test-model)</p>' in section, heading
    for heading in ("Sources", "Disclaimer", "Note"):
        assert "written-by" not in re.search(rf">{heading}</h2>(.*?)</section>", html, re.S).group(1), heading


@pytest.mark.parametrize(("provenance", "expected"), [
    (Provenance(kind="reference", by="medpages reference composer from spl:abc"),
     "Written from the medicine&#39;s official label (see Sources)"),
    (Provenance(kind="contributor", by="<b>Jane</b>, pharmacist"), "Written by &lt;b&gt;Jane&lt;/b&gt;, pharmacist"),
    (Provenance(kind="imported", by="a/aspirin.md"), "Imported from an earlier version of this site"),
    (Provenance(kind="skeleton"), None),
])
def test_each_section_names_its_author(build, provenance, expected):
    med = medicine("Aspirin 75mg")
    page = Page(title=med.title, front_matter={"title": med.title}, usage=TextSection(lead="Pain."),
                provenance={"usage": provenance})
    _, site = build([(med, page)])
    usage = re.search(r">Usage</h2>(.*?)</section>", (site / "a/aspirin-75mg/index.html").read_text("utf-8"), re.S)
    if expected is None:
        assert "written-by" not in usage.group(1)
    else:
        assert f'<p class="small written-by">{expected}</p>' in usage.group(1)


def test_skeleton_pages_say_what_is_not_yet_written(entries, build):
    _, site = build(entries)
    html = (site / "p/paracetamol-500mg/index.html").read_text("utf-8")
    assert '<span class="badge badge-skeleton">Not yet written</span>' in html and "Skeleton" not in html
    for heading in ("Usage", "Side Effects", "Important Note", "How it Works", "FAQs"):
        section = re.search(rf">{heading}</h2>(.*?)</section>", html, re.S).group(1)
        assert "Not yet written." in section, heading
    assert "Dosage" not in html  # extended sections are never shown empty
    none_page = (site / "m/metformin-500mg/index.html").read_text("utf-8")
    assert none_page.count("Not yet written.") == 6  # every seed section but Disclaimer and Note
    assert "Suggest an edit" not in none_page  # no web app configured


@pytest.mark.parametrize(("kind", "status", "expected"), [
    ("model", "draft", "AI-drafted, not yet reviewed by a pharmacist"),
    ("imported", "checked", "Imported, not yet reviewed by a pharmacist"),
    ("contributor", "draft", "Written by contributors, not yet reviewed by a pharmacist"),
])
def test_provenance_badge(build, kind, status, expected):
    med = medicine("Aspirin 75mg")
    page = Page(title=med.title, front_matter={"title": med.title}, usage=TextSection(lead="Pain."), status=status,
                provenance={"usage": Provenance(kind=kind)})
    _, site = build([(med, page)])
    assert expected in (site / "a/aspirin-75mg/index.html").read_text("utf-8")


def test_json_ld_canonical_and_open_graph(entries, build):
    _, site = build(entries)
    html = (site / "p/paracetamol-500mg/index.html").read_text("utf-8")
    document, _ = parse_strict(html.encode())
    blocks = [s.text for s in document.iter("script") if s.get("type") == "application/ld+json"]
    data = json.loads(blocks[0])
    assert data["@type"] == "MedicalWebPage"
    assert data["url"] == "https://medicines.example.org/p/paracetamol-500mg/"
    assert data["about"]["@type"] == "Drug"
    assert data["about"]["nonProprietaryName"] == "Paracetamol"
    assert set(data["about"]["alternateName"]) == {"acetaminophen", "Calpol", "Tylenol"}
    assert '<link rel="canonical" href="https://medicines.example.org/p/paracetamol-500mg/">' in html
    assert '<meta property="og:url" content="https://medicines.example.org/p/paracetamol-500mg/">' in html
    assert 'property="og:title"' in html and 'property="og:description"' in html


def test_sitemap_and_robots(entries, build):
    _, site = build(entries)
    tree = ET.parse(site / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in tree.getroot().findall("s:url/s:loc", ns)]
    assert "https://medicines.example.org/" in locs
    # Only pages with something to read; the empty ones are also marked noindex.
    written = {path.split("/")[1] for path in MEDICINE_PAGES} - NOT_WRITTEN
    assert {u.split("/")[4] for u in locs if u.count("/") == 5} == written
    for path in MEDICINE_PAGES:
        html = (site / path).read_text("utf-8")
        noindex = '<meta name="robots" content="noindex">' in html
        assert noindex == (path.split("/")[1] in NOT_WRITTEN), path
    robots = (site / "robots.txt").read_text()
    assert "Sitemap: https://medicines.example.org/sitemap.xml" in robots


def test_no_request_leaves_the_site(entries, build):
    """src and href point inside the site, except links that the page content itself has."""
    _, site = build(entries, edit_url="https://app.example.org/suggest")
    content_links = {"https://dailymed.nlm.nih.gov/x", "https://medlineplus.gov/druginfo/meds/a681004.html"}
    for relative in page_paths(site):
        html = (site / relative).read_text("utf-8")
        assert "@import" not in html and "url(http" not in html
        for attribute, url in re.findall(r'\s(src|href)="([^"]*)"', html):
            if url.startswith(("https://app.example.org/suggest", "https://medicines.example.org/")):
                assert attribute == "href"  # the web app, and the site's own canonical address
                continue
            if url == "data:,":
                continue  # the empty favicon, which spares browsers a request for /favicon.ico
            if re.match(r"^[a-z]+:|^//", url):
                assert attribute == "href" and url in content_links, f"{relative}: {attribute}={url}"
    css = (site / "static/site.css").read_text()
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    js = (site / "static/search.js").read_text()
    assert "http://" not in js and "https://" not in js


def test_hostile_content_is_escaped(build):
    evil_title = "<script>alert(1)</script>" + "x" * 10_000
    med = medicine(evil_title, synonyms=["</script><script>alert(2)</script>"], brands=['"><img src=x onerror=alert(3)>'])
    page = Page(title=evil_title, front_matter={"title": evil_title})
    page.usage = TextSection(lead="<img src=x onerror=alert(4)> [click](javascript:alert(5)) ![t](https://evil.example/t.png)",
                             items=[ListItem(label="<b>bold</b>", text="[x](vbscript:msgbox) <iframe src=//evil>")])
    page.sources = [Source(title="<script>s</script>", url="javascript:alert(6)")]
    page.extra_sections = [ExtraSection(heading="<h1>Hi</h1>", body="<script>alert(7)</script>\n\n[a](data:text/html,x)")]
    med = med.model_copy(update={"links": [Link(title="x", url="javascript:alert(8)")]})
    report, site = build([(med, page)])
    assert report.warnings == []
    relative = f"{med.letter}/{med.slug}/index.html"
    html = (site / relative).read_text("utf-8")
    _, errors = parse_strict(html.encode())
    assert errors == []
    assert "<script>alert" not in html and "</script><script>" not in html
    assert "<img" not in html and "<iframe" not in html and "<h1>Hi" not in html
    assert "javascript:" not in html.lower().replace("javascript:alert(5)", "")  # kept only as escaped text
    assert 'href="javascript:' not in html and 'href="vbscript:' not in html and 'href="data:text' not in html
    assert 'src="https://evil' not in html
    assert html.count("<script") == 2  # search.js and the JSON-LD
    jsonld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(jsonld)["about"]["alternateName"][0] == "</script><script>alert(2)</script>"
    for other in ("index.html", f"{med.letter}/index.html"):
        assert "<script>alert" not in (site / other).read_text("utf-8")
    names = json.loads((site / "search/names/s.json").read_text())
    assert names["p"][0][0] == evil_title  # JSON data, shown with textContent by search.js


def test_unsafe_paths_and_duplicates_are_skipped_with_a_warning(build):
    good = medicine("Aspirin 75mg")
    evil = good.model_copy(update={"slug": "../../etc", "title": "Evil"})
    report, site = build([(good, None), (evil, None), (good, None)])
    assert report.medicines == 1
    assert any("not a safe path" in w for w in report.warnings)
    assert any("second medicine" in w for w in report.warnings)
    assert not (site.parent / "etc").exists()


def test_rebuild_renders_only_the_changed_page(entries, build):
    report, site = build(entries)
    assert len(report.rendered) == 6 and report.full_text == "full"
    report, _ = build(entries)
    assert report.rendered == [] and report.written == [] and report.deleted == []

    med, page = entries[1]
    changed = page.model_copy(deep=True)
    changed.dosage = TextSection(lead="Adults: 200 mg every 6 hours.")
    entries[1] = (med, changed)
    report, _ = build(entries)
    assert report.rendered == ["i/ibuprofen-400mg/index.html"]
    assert "Adults: 200 mg every 6 hours." in (site / "i/ibuprofen-400mg/index.html").read_text("utf-8")
    assert report.full_text == "delta"
    assert not any(w.endswith(".html") and w != "i/ibuprofen-400mg/index.html" for w in report.written)
    meta = json.loads((site / "search/ft/meta.json").read_text())
    assert len(meta["dead"]) == 1 and [doc[0] for doc in meta["docs"].values()] == ["Ibuprofen 400mg"]


def test_settings_or_a_deleted_file_rerender(entries, build):
    _, site = build(entries)
    (site / "p/paracetamol-500mg/index.html").unlink()
    report, _ = build(entries)
    assert report.rendered == ["p/paracetamol-500mg/index.html"]
    report, _ = build(entries, edit_url="https://app.example.org/suggest")
    assert len(report.rendered) == 6


def test_removed_medicine_is_removed_and_other_files_are_kept(entries, build):
    _, site = build(entries)
    (site / "p/paracetamol-500mg/notes.txt").write_text("the publisher's own file")
    (site / "CNAME").write_text("medicines.example.org")
    report, _ = build([e for e in entries if e[0].slug not in ("paracetamol-500mg", "metformin-500mg")])
    assert "p/paracetamol-500mg/index.html" in report.deleted
    assert "m/metformin-500mg/index.html" in report.deleted and "m/index.html" in report.deleted
    assert not (site / "m").exists()
    assert (site / "p/paracetamol-500mg/notes.txt").is_file() and (site / "CNAME").is_file()
    assert not (site / "p/index.html").exists()  # no P medicines left; the folder stays for notes.txt
    assert "paracetamol-500mg" not in (site / "index.html").read_text("utf-8")
    assert "paracetamol-500mg" not in (site / "sitemap.xml").read_text()
    names = (site / "search/names/t.json").read_text() if (site / "search/names/t.json").exists() else ""
    assert "Tylenol" not in names


def test_another_output_folder_never_deletes_from_the_first(entries, tmp_path):
    state = tmp_path / "state"
    build_site(entries, tmp_path / "one", state_dir=state)
    report = build_site(entries[:1], tmp_path / "two", state_dir=state)
    assert report.deleted == []
    assert (tmp_path / "one/m/metformin-500mg/index.html").is_file()


def test_state_folder_inside_the_site_is_refused(entries, tmp_path):
    from medpages.errors import InputError

    with pytest.raises(InputError):
        build_site(entries, tmp_path / "site", state_dir=tmp_path / "site" / ".state")


def test_worker_processes_render_the_same_bytes(seed_text, tmp_path):
    med, page = seed_entry(seed_text)
    many = []
    for number in range(450):
        title = f"Medicine {number:03d} 10mg"
        many.append((medicine(title), page.model_copy(update={"title": title})))
    one = build_site(many, tmp_path / "one", state_dir=tmp_path / "s1", workers=1)
    two = build_site(many, tmp_path / "two", state_dir=tmp_path / "s2", workers=2)
    assert one.medicines == two.medicines == 450
    for relative in ("m/medicine-000-10mg/index.html", "m/medicine-449-10mg/index.html", "search/ft/meta.json",
                     "search/names/m.json"):
        assert (tmp_path / "one" / relative).read_bytes() == (tmp_path / "two" / relative).read_bytes()


def test_full_page_fixture_is_complete():
    page = full_page(medicine("Ibuprofen 400mg"))
    assert set(page.present_sections()) >= {"dosage", "safety_advice", "sources", "serious_side_effects"}
    assert skeleton(medicine("X 1mg")).usage is None


def test_home_counts_only_the_pages_there_are_to_read(entries, build):
    _, site = build(entries)
    home = (site / "index.html").read_text("utf-8")
    written = len(MEDICINE_PAGES) - len(NOT_WRITTEN)
    assert (f"Plain-language information about {written} medicines: what each is used for, its side effects "
            "and how to take it safely. 4 more are listed, not yet written.") in home
    _, site = build([e for e in entries if e[0].slug in NOT_WRITTEN])
    home = (site / "index.html").read_text("utf-8")
    assert "4 medicines listed; their pages are not yet written." in home and "Plain-language" not in home


def test_about_explains_every_badge_a_page_can_show(entries, build):
    from medpages.publish.site.views import BADGE_TEXTS

    _, site = build(entries)
    about = (site / "about/index.html").read_text("utf-8")
    for text in (*BADGE_TEXTS.values(), "Drafted from references, not yet reviewed by a pharmacist",
                 "Not yet written", "Reviewed on (date)"):
        assert f">{text}</span></dt>" in about, text
    assert "Skeleton" not in about and "skeleton" not in about.replace("badge-skeleton", "")


def test_identity_shows_the_names_a_reader_knows_and_brands_as_brands(build):
    atorvastatin = medicine("Atorvastatin calcium 20mg", generic_name="Atorvastatin", ingredients=["atorvastatin"],
                            synonyms=["atorvastatin calcium anhydrous", "atorvastatin calcium hydrate",
                                      "atorvastatin calcium trihydrate", "atorvastatina", "sortis"],
                            brands=["lipitor"])
    calpol = medicine("Calpol 120mg/5ml", generic_name="Acetaminophen", ingredients=["acetaminophen"],
                      synonyms=["Calpol", "4-acetamidophenol", "calpol"])
    report, site = build([(atorvastatin, None), (calpol, None)])
    html = (site / "a/atorvastatin-calcium-20mg/index.html").read_text("utf-8")
    identity = re.search(r'<dl class="identity">(.*?)</dl>', html, re.S).group(1)
    assert "<dt>Brand names</dt><dd>Lipitor</dd>" in identity
    assert "hydrate" not in identity and "Also known as" not in identity  # the title already names it
    html = (site / "c/calpol-120mg-5ml/index.html").read_text("utf-8")
    identity = re.search(r'<dl class="identity">(.*?)</dl>', html, re.S).group(1)
    assert "<dt>Also known as</dt><dd>Paracetamol, Acetaminophen</dd>" in identity
    assert "calpol" not in identity.lower() and "acetamidophenol" not in identity
    # The other spellings are still found by search.
    assert "atorvastatin calcium trihydrate" in (site / "search/names/a.json").read_text("utf-8").lower()


def test_pages_in_batches_give_the_same_site_as_all_at_once(seed_text, tmp_path, monkeypatch):
    """The builder reads, renders and lets go of the pages a batch at a time; the site is the same
    bytes whatever the batch size, the full-text index included (450 pages of one text: every
    common word has more postings than the index keeps, so the batches' best must fold right)."""
    from medpages.publish.site import builder, workers

    med, page = seed_entry(seed_text)
    many = [(medicine(f"Medicine {n:03d} 10mg"), page.model_copy(update={"title": f"Medicine {n:03d} 10mg"}))
            for n in range(450)]
    one = build_site(many, tmp_path / "one", state_dir=tmp_path / "s1", workers=2)
    monkeypatch.setattr(builder, "BATCH_SIZE", 37)
    monkeypatch.setattr(workers, "PARALLEL_FROM", 10)  # the batches go to forked workers too
    batched = build_site(iter(many), tmp_path / "batched", state_dir=tmp_path / "s2", workers=2)
    assert one.medicines == batched.medicines == 450
    site_one = {p.relative_to(tmp_path / "one").as_posix(): p.read_bytes()
                for p in (tmp_path / "one").rglob("*") if p.is_file()}
    site_batched = {p.relative_to(tmp_path / "batched").as_posix(): p.read_bytes()
                    for p in (tmp_path / "batched").rglob("*") if p.is_file()}
    assert site_one.keys() == site_batched.keys()
    assert [name for name in site_one if site_one[name] != site_batched[name]] == []


def test_a_big_site_is_never_held_in_memory_whole(seed_text, tmp_path, monkeypatch):
    """Entries are taken from the iterable as they are built: when the builder asks for a page, the
    pages more than a batch before it are already written."""
    from medpages.publish.site import builder

    monkeypatch.setattr(builder, "BATCH_SIZE", 25)
    med, page = seed_entry(seed_text)
    site = tmp_path / "site"
    late = []

    def entries():
        for n in range(120):
            if n >= 50 and not (site / f"m/medicine-{n - 50:03d}-10mg/index.html").is_file():
                late.append(n)
            yield medicine(f"Medicine {n:03d} 10mg"), page.model_copy(update={"title": f"Medicine {n:03d} 10mg"})

    report = build_site(entries(), site, state_dir=tmp_path / "state", workers=1)
    assert report.medicines == 120 and late == []
