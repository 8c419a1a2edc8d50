"""Small medicines and pages for the store tests."""

from __future__ import annotations

from medpages.model import FrontMatter, Medicine, Page, TextSection


def make_medicine(title: str = "Paracetamol 500mg", **fields) -> Medicine:
    slug = fields.pop("slug", None) or "-".join(title.lower().split())
    return Medicine(title=title, slug=slug, letter=slug[0], **fields)


def make_page(medicine: Medicine, *, usage: str | TextSection = "Relieves pain and fever.", **fields) -> Page:
    defaults = {
        "title": medicine.title,
        "front_matter": FrontMatter(title=medicine.title),
        "generic_name": medicine.generic_name or medicine.title,
        "usage": usage if isinstance(usage, TextSection) else TextSection(lead=usage),
    }
    return Page(**{**defaults, **fields})
