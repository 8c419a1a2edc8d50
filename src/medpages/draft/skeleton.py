"""Skeleton pages: what the catalogue alone can say about a medicine, the rest marked unwritten.

A skeleton invents nothing: the Generic Name line is built from resolved names, Sources from
known authoritative links, and every other seed section renders as "not yet written".
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from medpages.catalog.canonical import brand_display
from medpages.catalog.generic_names import NamePreference, preferred_generic_name
from medpages.model import DISCLAIMER_TEXT, NOTE_TEXT, FrontMatter, Medicine, Page, Provenance, Source, TextSection

SKELETON_AUTHOR = "medpages skeleton"


def skeleton_page(medicine: Medicine, prefer: NamePreference = "as-listed") -> Page:
    now = datetime.now(timezone.utc)
    page = Page(title=medicine.title, front_matter=FrontMatter(title=medicine.title))
    provenance = Provenance(kind="skeleton", by=SKELETON_AUTHOR, at=now)
    page.generic_name = generic_name_line(medicine, prefer)
    page.provenance["generic_name"] = provenance
    if medicine.links:
        page.sources = [Source(title=link.title, publisher=link.publisher, url=link.url) for link in medicine.links]
        page.provenance["sources"] = provenance
    page.disclaimer, page.note = DISCLAIMER_TEXT, NOTE_TEXT  # always on a page, so in the model too
    page.provenance["disclaimer"] = page.provenance["note"] = Provenance(kind="fixed", at=now)
    return page


_NO_FITTING_LABEL = re.compile(r"^no label for this route and form \((?P<wanted>[^)]*)\); labels found: (?P<found>.+)$")
_NO_ROUTE_GIVEN = re.compile(r"^the name gives no route and the labels are for several \((?P<found>.+)\)$")


def label_mismatch_sentence(reason: str) -> str:
    """What a page says when labels of its ingredients exist but none is for its route and form
    (`medpages.sources.choice`'s reason, in a reader's words): no other product's facts are borrowed."""
    fitting = _NO_FITTING_LABEL.match(reason)
    if fitting:
        return (f"No official label was found for this form ({fitting.group('wanted')}); "
                f"the labels found were for: {fitting.group('found')}.")
    several = _NO_ROUTE_GIVEN.match(reason)
    if several:
        return (f"The name does not say how this medicine is taken, and the official labels found are for "
                f"several forms ({several.group('found')}).")
    return f"No official label fits this medicine: {reason}."


def note_label_mismatch(page: Page, reason: str) -> Page:
    """The skeleton says why it has no label's facts: its Important Note is that sentence."""
    page.important_note = TextSection(lead=label_mismatch_sentence(reason))
    page.provenance["important_note"] = Provenance(kind="skeleton", by=SKELETON_AUTHOR, at=datetime.now(timezone.utc))
    return page


def generic_name_line(medicine: Medicine, prefer: NamePreference = "as-listed") -> str:
    """`Paracetamol (also known as Acetaminophen; brand names: Calpol)`.

    The generic as the list named it (or the INN, or the US name: `[names] prefer`), then its
    other names among those, and names the dictionary marks as brands: its other synonyms
    include chemical names no reader would look for.
    """
    name, others = preferred_generic_name(medicine, prefer)
    details = []
    if others:
        details.append("also known as " + ", ".join(others))
    if medicine.brands:
        details.append("brand names: " + ", ".join(brand_display(b) for b in medicine.brands[:5]))
    return f"{name} ({'; '.join(details)})" if details else name
