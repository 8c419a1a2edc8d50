"""Pages → HTML with the Jinja2 templates: pure functions of the model and the site's settings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from medpages.model import DISCLAIMER_TEXT, LABEL_NOTE_TEXT, NOTE_TEXT, Medicine, Page
from medpages.publish.site import views
from medpages.publish.site.sections import sections_html

# STATIC_DIR, TEMPLATE_DIR and template_version are also this module's, for the web app's templates.
from medpages.publish.site.state import STATIC_DIR, TEMPLATE_DIR, template_version  # noqa: F401

# The written pages the home page leads with, at most.
FEATURED_ON_HOME = 16
AZ = [chr(c) for c in range(ord("a"), ord("z") + 1)]


@dataclass(frozen=True)
class LetterLink:
    letter: str
    label: str
    count: int


@dataclass(frozen=True)
class ListedMedicine:
    title: str
    slug: str
    skeleton: bool


def letter_links(counts: dict[str, int]) -> list[LetterLink]:
    """A to Z (every letter, linked when it has medicines), then 0–9 and Other when used."""
    letters = AZ + sorted(k for k in counts if k not in AZ)
    return [LetterLink(k, views.letter_label(k), counts.get(k, 0)) for k in letters]


@cache
def _environment() -> Environment:
    """The templates, loaded and compiled once per process."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=StrictUndefined, auto_reload=False,
    )
    env.globals.update(format_date=views.format_date, asset_version=template_version())
    return env


# Names shown in each of a page's identity lines: a medicine can have dozens of brands, which no
# reader wants to scroll past; search and the JSON-LD still use them all.
IDENTITY_NAMES_SHOWN = 8


def _few(values: list[str]) -> str:
    shown = ", ".join(values[:IDENTITY_NAMES_SHOWN])
    hidden = len(values) - IDENTITY_NAMES_SHOWN
    return f"{shown} and {hidden} more" if hidden > 0 else shown


class SiteRenderer:
    """The templates loaded once, with the site's settings; renders each kind of page."""

    def __init__(self, config: views.SiteConfig) -> None:
        self.config = config
        self.env = _environment()
        self._medicine = self.env.get_template("medicine.html.j2")

    def _page(self, template: str, root: str, path: str | None, description: str, **values: object) -> bytes:
        canonical = self.config.canonical(path) if path is not None else None
        html = self.env.get_template(template).render(
            site=self.config, root=root, canonical=canonical, description=description, **values)
        return html.encode("utf-8")

    def medicine(self, medicine: Medicine, page: Page, *, jsonld: bool = True,
                 reader_names: list[str] | None = None) -> bytes:
        """A medicine's page; `jsonld=False` leaves out the schema.org <script> (the web app puts no
        page text inside a script element). `reader_names`: `views.reader_names(medicine)` when the
        caller knows them (the drug dictionary they come from takes a second to load)."""
        updated = views.last_updated(page)
        skeleton = views.is_skeleton(page)
        sections = views.section_views(page, medicine, self.config)
        identity = [
            (label, _few(values))
            for label, values in (
                ("Also known as", views.reader_names(medicine) if reader_names is None else reader_names),
                ("Brand names", views.brand_names(medicine)),
                ("Strength", [s.text for s in medicine.strengths]),
                ("Form", [medicine.form] if medicine.form else []),
            )
            if values
        ]
        html = self._medicine.render(
            site=self.config, root="../../", canonical=self.config.canonical(views.medicine_path(medicine)),
            description=views.description(page, medicine), og_type="article",
            medicine=medicine, page=page, letter_label=views.letter_label(medicine.letter),
            badge=views.provenance_badge(page), updated=updated, label_check=views.label_check(page),
            identity=identity,
            skeleton=skeleton, contents=views.contents(sections),
            sections=sections_html(sections, medicine.title),
            jsonld=views.json_ld(page, medicine, self.config, updated) if jsonld else "",
        )
        return html.encode("utf-8")

    def home(self, counts: dict[str, int], not_written: int | None = None,
             featured: Iterable[views.FeaturedPage] = ()) -> bytes:
        """The home page; `not_written` (the medicines listed with nothing written yet) keeps its
        count of medicines to the pages that have something to read; it leads with (some of) the
        `featured` pages, the written ones, before the A to Z."""
        total = sum(counts.values())
        written = total - (not_written or 0)
        summary = home_summary(written, total - written)
        return self._page("home.html.j2", "", "", summary, letters=letter_links(counts), summary=summary,
                          featured=views.featured_pages(featured, FEATURED_ON_HOME), written=written)

    def letter(self, letter: str, medicines: list[ListedMedicine], counts: dict[str, int]) -> bytes:
        label = views.letter_label(letter)
        return self._page("letter.html.j2", "../", f"{letter}/", f"Medicines starting with {label}.",
                          letter=letter, label=label, medicines=medicines, letters=letter_links(counts))

    def about(self) -> bytes:
        return self._page("about.html.j2", "../", "about/", "How these medicine pages are written and reviewed.",
                          disclaimer=DISCLAIMER_TEXT, note=NOTE_TEXT, label_note=LABEL_NOTE_TEXT,
                          badges=views.badge_legend())

    def search(self) -> bytes:
        return self._page("search.html.j2", "../", None, "Search the medicine pages.")

    def not_found(self, counts: dict[str, int]) -> bytes:
        # Served for any missing address, so its links start from the site's root path.
        return self._page("not_found.html.j2", self.config.base_path, None, "Page not found.",
                          letters=letter_links(counts))


def _medicines(count: int) -> str:
    return f"{count:,} {'medicine' if count == 1 else 'medicines'}"


def home_summary(written: int, not_written: int) -> str:
    """The home page's first sentence: only what is there is counted as information."""
    if written and not not_written:
        return (f"Plain-language information about {_medicines(written)}: what each is used for, "
                "its side effects and how to take it safely.")
    if written:
        return (f"Plain-language information about {_medicines(written)}: what each is used for, "
                f"its side effects and how to take it safely. {not_written:,} more "
                f"{'is' if not_written == 1 else 'are'} listed, not yet written.")
    if not_written:
        return (f"{_medicines(not_written)[:1].upper()}{_medicines(not_written)[1:]} listed; "
                f"{'its page is' if not_written == 1 else 'their pages are'} not yet written.")
    return "No medicines are listed yet."


def sitemap(config: views.SiteConfig, pages: list[tuple[str, str | None]]) -> bytes:
    """sitemap.xml: the home page, letter pages and medicine pages, with their last update."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, lastmod in pages:
        lines.append(f"<url><loc>{_xml(config.canonical(path))}</loc>"
                     + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def robots(config: views.SiteConfig) -> bytes:
    text = "User-agent: *\nAllow: /\n"
    if config.absolute:
        text += f"Sitemap: {config.canonical('sitemap.xml')}\n"
    return text.encode("utf-8")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
