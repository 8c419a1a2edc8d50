"""Skeleton pages: what the catalogue alone can say about a medicine, the rest marked unwritten.

A skeleton invents nothing: the Generic Name line is built from resolved names, Sources from
known authoritative links, and every other seed section renders as "not yet written".
"""

from __future__ import annotations

from datetime import datetime, timezone

from medpages.catalog.canonical import brand_display
from medpages.catalog.generic_names import NamePreference, preferred_generic_name
from medpages.model import DISCLAIMER_TEXT, NOTE_TEXT, FrontMatter, Medicine, Page, Provenance, Source

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
