"""The text of a page as the checks read it: one `Passage` per piece of prose, with its section.

Every check walks the same passages, so a finding always names the section (and the item)
its text came from. Fixed texts (Disclaimer, Note) are kept apart: the structure check
compares them, the prose checks skip them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from medpages.model import NOT_YET_WRITTEN, SECTION_TITLES, Page, TextSection
from medpages.sources.text import sentences

PassageKind = Literal["lead", "item_label", "item", "closing", "name", "explanation", "question", "answer",
                      "verdict", "advice", "text", "heading"]

# Sections whose text is prose a patient reads (everything but the fixed texts and sources).
_TEXT_SECTIONS = ("usage", "dosage", "serious_side_effects", "important_note", "precautions",
                  "how_it_works", "interactions", "missed_dose", "overdose", "storage")


@dataclass(frozen=True, slots=True)
class Passage:
    section: str  # the section key (`side_effects`)
    kind: PassageKind
    text: str
    item: int | None = None  # the list item's index, for items

    @property
    def where(self) -> str:
        """`Side Effects, item 3`: where a pharmacist finds the text."""
        title = section_title(self.section)
        return f"{title}, item {self.item + 1}" if self.item is not None else title


def section_title(key: str) -> str:
    if key.startswith("extra:"):
        return "Extra section"
    return SECTION_TITLES.get(key, key)


def is_blank(text: str | None) -> bool:
    """Empty, whitespace, or the skeleton's "not yet written" marker."""
    return text is None or not text.strip() or text.strip() == NOT_YET_WRITTEN


def _text_section(key: str, value: TextSection) -> list[Passage]:
    out = [Passage(key, "lead", value.lead)]
    for index, item in enumerate(value.items):
        if item.label:
            out.append(Passage(key, "item_label", item.label, index))
        out.append(Passage(key, "item", item.text, index))
    out.append(Passage(key, "closing", value.closing))
    return out


def page_passages(page: Page) -> list[Passage]:
    """Every non-blank piece of prose on the page, in page order (fixed texts excluded)."""
    out: list[Passage] = []
    if page.generic_name:
        out.append(Passage("generic_name", "text", page.generic_name))
    for key in ("usage", "dosage"):
        value = getattr(page, key)
        if value is not None:
            out += _text_section(key, value)
    if page.side_effects is not None:
        out.append(Passage("side_effects", "lead", page.side_effects.lead))
        for index, effect in enumerate(page.side_effects.items):
            out.append(Passage("side_effects", "name", effect.name, index))
            out.append(Passage("side_effects", "explanation", effect.explanation, index))
        out.append(Passage("side_effects", "closing", page.side_effects.closing))
    for key in _TEXT_SECTIONS:
        if key in ("usage", "dosage"):
            continue
        value = getattr(page, key)
        if value is not None:
            out += _text_section(key, value)
    for row_index, row in enumerate(page.safety_advice or []):
        out.append(Passage("safety_advice", "verdict", row.verdict, row_index))
        out.append(Passage("safety_advice", "advice", row.advice, row_index))
    if page.faqs is not None:
        out.append(Passage("faqs", "lead", page.faqs.lead))
        for index, faq in enumerate(page.faqs.items):
            out.append(Passage("faqs", "question", faq.question, index))
            out.append(Passage("faqs", "answer", faq.answer, index))
        out.append(Passage("faqs", "closing", page.faqs.closing))
    for index, extra in enumerate(page.extra_sections):
        out.append(Passage(f"extra:{index}", "text", extra.body))
    return [p for p in out if not is_blank(p.text)]


# Markdown emphasis and links, removed before words are counted.
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)|`|\[([^\]]*)\]\([^)]*\)")


def plain(text: str) -> str:
    """Text without Markdown emphasis, link targets or line breaks."""
    text = _MARKUP.sub(lambda m: m.group(1) or "", text)
    return " ".join(text.split())


def split_sentences(text: str) -> list[str]:
    """Sentences of one passage; paragraphs and lines are split first."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*[-*] )", text):
        block = plain(block)
        if block:
            out += [s for s in sentences(block) if s.strip()]
    return out


_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*|\d+(?:[.,]\d+)?")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def quote(text: str, limit: int = 60) -> str:
    """A short, one-line excerpt of `text` for a message."""
    text = " ".join(text.split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
