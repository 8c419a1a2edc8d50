"""What a medicine page shows, worked out from the content model: pure functions, no files.

The templates get these values ready to print: the provenance badge, the date it was last
updated, the sections in order (absent seed sections marked "not yet written"), the
"suggest an edit" links and the schema.org JSON-LD.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from medpages.catalog.canonical import brand_display
from medpages.catalog.generic_names import preferred_generic_name
from medpages.model import (
    DISCLAIMER_TEXT,
    NOTE_TEXT,
    REVIEWED_NOTE_PATTERN,
    SECTION_ORDER,
    SECTION_TITLES,
    SEED_SECTIONS,
    Medicine,
    Page,
    Provenance,
)
from medpages.publish.site.markup import plain_text
from medpages.publish.site.state import SiteConfig

# Sections a skeleton page may have without anything having been written for it.
_ALWAYS_THERE = frozenset({"generic_name", "sources", "disclaimer", "note"})
_LETTER_LABELS = {"0-9": "0–9", "other": "Other"}


@dataclass(frozen=True)
class Badge:
    kind: str  # reviewed | ai | imported | reference | contributor | skeleton | draft
    text: str


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    value: Any  # the section's model value; None when absent ("not yet written")
    edit_href: str | None
    written_by: str | None = None  # "Drafted by AI (gpt-4o-mini), not yet reviewed", from its provenance


def section_author(provenance: Provenance | None) -> str | None:
    """Who or what wrote a section, in a reader's words (None for the fixed texts and the catalogue's)."""
    if provenance is None:
        return None
    by = (provenance.by or "").strip()
    if provenance.kind == "model":
        return f"Drafted by AI ({by})" if by else "Drafted by AI"
    if provenance.kind == "reference":
        return "Written from the medicine's official label (see Sources)"
    if provenance.kind == "contributor":
        return f"Written by {by}" if by else "Written by a contributor"
    if provenance.kind == "imported":
        return "Imported from an earlier version of this site"
    return None  # skeleton, fixed


def reader_names(medicine: Medicine) -> list[str]:
    """The names a reader knows the medicine by, beyond its title: the generic's name and its
    national names (Paracetamol, Acetaminophen). The dictionary's salt, hydrate and foreign
    spellings stay out of sight, for search and the JSON-LD only."""
    title = medicine.title.casefold()
    shown, others = preferred_generic_name(medicine)
    names: list[str] = []
    for name in (shown, *others):
        if name.casefold() not in title and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def brand_names(medicine: Medicine) -> list[str]:
    """The medicine's brands as brands are written (`lipitor` → `Lipitor`)."""
    return [brand_display(brand) for brand in medicine.brands]


def letter_label(letter: str) -> str:
    return _LETTER_LABELS.get(letter, letter.upper())


def medicine_path(medicine: Medicine) -> str:
    """The page's folder in the site, as in the Jekyll export: `a/aspirin/`."""
    return f"{medicine.letter}/{medicine.slug}/"


def written_sections(page: Page) -> list[str]:
    """Sections someone or something wrote (not the fixed texts or what the catalogue gave)."""
    return [key for key in page.present_sections() if key not in _ALWAYS_THERE]


_WRITABLE = tuple(key for key in SECTION_ORDER if key not in _ALWAYS_THERE)


def is_skeleton(page: Page) -> bool:
    """Nothing written yet: only the catalogue's name and links, and the fixed texts."""
    return not page.extra_sections and all(getattr(page, key) is None for key in _WRITABLE)


# What each badge says, and what the About page explains it means: one list for both.
BADGE_TEXTS = {
    "ai": "AI-drafted, not yet reviewed by a pharmacist",
    "imported": "Imported, not yet reviewed by a pharmacist",
    "reference": "Drafted from references, not yet reviewed by a pharmacist",
    "contributor": "Written by contributors, not yet reviewed by a pharmacist",
    "draft": "Not yet reviewed by a pharmacist",
    "skeleton": "Not yet written",
}
BADGE_MEANINGS = {
    "reviewed": "A pharmacist or doctor checked the page on that date.",
    "ai": "An AI model wrote the page from the medicine’s details; nobody has checked it yet.",
    "imported": "The page came from an earlier version of this site and has not been checked since.",
    "reference": "The page was put together from the medicine’s official label, every sentence from the "
                 "label; nobody has checked it yet.",
    "contributor": "People who use this site wrote the page; nobody has checked it yet.",
    "draft": "Someone wrote the page; nobody has checked it yet.",
    "skeleton": "Only the medicine’s names are known; its sections are still to be written.",
}


def badge_legend() -> list[tuple[Badge, str]]:
    """Every badge a page can show, with what it means (the About page's list)."""
    return [(Badge("reviewed", "Reviewed on (date)"), BADGE_MEANINGS["reviewed"]),
            *((Badge(kind, text), BADGE_MEANINGS[kind]) for kind, text in BADGE_TEXTS.items())]


def reviewer(page: Page) -> tuple[str, date] | None:
    """Who reviewed the page and when, as its Note says (`reviewed_note`), or None."""
    match = REVIEWED_NOTE_PATTERN.fullmatch(page.note or "")
    if match is None:
        return None
    try:
        return match["reviewer"], date.fromisoformat(match["day"])
    except ValueError:  # a Note with an impossible date names nobody reliably
        return None


def provenance_badge(page: Page) -> Badge:
    """The page's provenance in a few words: who wrote it and whether a person reviewed it."""
    if page.status in ("reviewed", "published") or page.reviewed_on:
        named = reviewer(page)
        if named:
            return Badge("reviewed", f"Reviewed on {format_date(named[1])} by {named[0]}")
        if page.reviewed_on:
            return Badge("reviewed", f"Reviewed on {format_date(page.reviewed_on)}")
        return Badge("reviewed", "Reviewed")
    written = written_sections(page)
    if not written:
        return Badge("skeleton", BADGE_TEXTS["skeleton"])
    kinds = {page.provenance[key].kind for key in written if key in page.provenance}
    for kind in ("model", "imported", "reference", "contributor"):
        if kind in kinds:
            return Badge("ai" if kind == "model" else kind, BADGE_TEXTS["ai" if kind == "model" else kind])
    return Badge("draft", BADGE_TEXTS["draft"])


def last_updated(page: Page) -> date | None:
    """The newest date the page records: a section written or the page reviewed."""
    dates = [p.at.date() for p in page.provenance.values() if p.at is not None]
    if page.reviewed_on:
        dates.append(page.reviewed_on)
    return max(dates) if dates else None


@dataclass(frozen=True)
class LabelCheck:
    """The official label a page was last written or checked from, and when."""

    label_date: date  # the label's effective date
    checked_on: date


def label_check(page: Page) -> LabelCheck | None:
    """When the page was last put side by side with its official label: the pipeline (the label
    composer or a model's checked draft) writes the page's Sources from the label it used, dated,
    with the label's own effective date. None when no label was used, or a person wrote the
    Sources since (their date says nothing about a label)."""
    written = page.provenance.get("sources")
    if written is None or written.kind not in ("reference", "model") or written.at is None:
        return None
    dates = [source.effective_date for source in page.sources or [] if source.effective_date is not None]
    if not dates:
        return None
    return LabelCheck(max(dates), written.at.date())


# The order the home page leads with written pages: the most trustworthy first.
_FEATURE_ORDER = {"reviewed": 0, "reference": 1, "contributor": 2, "imported": 3, "ai": 4, "draft": 5}


@dataclass(frozen=True)
class FeaturedPage:
    """A written page the home page can lead with."""

    title: str
    path: str  # `a/aspirin`, from the site's root
    badge: Badge


def featured_pages(pages: Iterable[FeaturedPage], limit: int) -> list[FeaturedPage]:
    """The pages the home page leads with: reviewed ones first, then those composed from an official
    label, then the rest, each kind by title; at most `limit`."""
    return heapq.nsmallest(limit, pages, key=lambda p: (_FEATURE_ORDER.get(p.badge.kind, 9), p.title.casefold(), p.path))


def format_date(day: date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


def edit_href(config: SiteConfig, medicine: Medicine, section: str) -> str | None:
    """The suggest-an-edit link of one section, or None when no web app is configured."""
    make = edit_links(config, medicine)
    return make(section) if make else None


def edit_links(config: SiteConfig, medicine: Medicine):  # -> Callable[[str], str] | None
    """A function from a section key to its suggest-an-edit link, for one medicine."""
    if not config.edit_url:
        return None
    slug, letter = quote(medicine.slug), quote(medicine.letter)
    if "{" in config.edit_url:
        try:
            config.edit_url.format(slug=slug, letter=letter, section="x")
            return lambda section: config.edit_url.format(slug=slug, letter=letter, section=quote(section))
        except (KeyError, IndexError, ValueError):
            pass  # a template with other braces: fall back to query parameters
    prefix = f"{config.edit_url}{'&' if '?' in config.edit_url else '?'}medicine={slug}&section="
    return lambda section: prefix + quote(section)


def section_anchor(key: str) -> str:
    """The `id` of a section's element, the target of its "jump to" link: `side_effects`, `extra-0`."""
    return key.replace(":", "-")


# A page with more written sections than this starts with a list of links to them.
CONTENTS_AFTER = 5
_NOT_IN_CONTENTS = frozenset({"disclaimer", "note"})


def contents(sections: list[SectionView]) -> list[tuple[str, str]]:
    """The "On this page" links, (anchor, title), when the page is long enough to need them: its
    written sections with a heading (not the absent ones, nor the fixed Disclaimer and Note)."""
    links = [(section_anchor(s.key), s.title) for s in sections
             if s.value is not None and s.title and s.key not in _NOT_IN_CONTENTS]
    return links if len(links) > CONTENTS_AFTER else []


def section_views(page: Page, medicine: Medicine, config: SiteConfig) -> list[SectionView]:
    """Every section to show, in the model's order: present ones, absent seed ones, extra ones."""
    views = []
    links = edit_links(config, medicine)
    for key in SECTION_ORDER:
        value = getattr(page, key)
        if key == "disclaimer" and value is None:
            value = DISCLAIMER_TEXT
        elif key == "note" and value is None:
            value = NOTE_TEXT
        if value is None and key not in SEED_SECTIONS:
            continue  # extended sections are shown only when present, never invented
        if isinstance(value, list) and not value:
            continue
        author = section_author(page.provenance.get(key)) if value is not None else None
        views.append(SectionView(key, SECTION_TITLES[key], value, links(key) if links else None, author))
    for index, extra in enumerate(page.extra_sections):
        key = f"extra:{index}"
        views.append(SectionView(key, extra.heading, extra, links(key) if links else None,
                                 section_author(page.provenance.get(key))))
    return views


def description(page: Page, medicine: Medicine) -> str:
    """A sentence or two for search engines and link previews."""
    text = ""
    if page.usage and page.usage.lead:
        text = page.usage.lead
    elif page.how_it_works and page.how_it_works.lead:
        text = page.how_it_works.lead
    if not text:
        name = medicine.generic_name or page.generic_name or medicine.title
        text = f"{medicine.title}: what it is used for, side effects and safety advice ({plain_text(name)})."
    text = " ".join(plain_text(text).split())
    return text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + "…"


def json_ld(page: Page, medicine: Medicine, config: SiteConfig, updated: date | None) -> str:
    """schema.org MedicalWebPage about a Drug, as JSON safe to put inside a <script> element."""
    drug: dict[str, Any] = {"@type": "Drug", "name": medicine.title}
    generic = medicine.generic_name or (" + ".join(medicine.ingredients) if medicine.ingredients else None)
    if generic:
        drug["nonProprietaryName"] = generic
    brands = [brand_display(brand) for brand in medicine.brands]
    alternates = [*medicine.synonyms, *brands]
    if alternates:
        drug["alternateName"] = alternates
    if brands:
        drug["proprietaryName"] = brands[0]
    if medicine.ingredients:
        drug["activeIngredient"] = ", ".join(medicine.ingredients)
    if medicine.form:
        drug["dosageForm"] = medicine.form
    if medicine.identifiers.rxcui:
        drug["code"] = {"@type": "MedicalCode", "codeValue": medicine.identifiers.rxcui, "codingSystem": "RxNorm"}
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": medicine.title,
        "url": config.canonical(medicine_path(medicine)),
        "inLanguage": "en",
        "description": description(page, medicine),
        "about": drug,
    }
    if page.reviewed_on:
        document["lastReviewed"] = page.reviewed_on.isoformat()
    if updated:
        document["dateModified"] = updated.isoformat()
    return script_json(document)


def script_json(value: Any) -> str:
    """JSON that cannot end a <script> element or open a comment inside one."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
