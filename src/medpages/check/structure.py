"""Structure: the seed sections present and written, the Disclaimer exact, the Note one of its variants, the layout kept.

Works on the model, so it checks pages from any source (parsed, drafted, composed). The seed
reader's own findings (`parse.missing_section`, `parse.duplicate_section`, ...) describe the
Markdown text; the codes here describe the model and start with `structure.`.
"""

from __future__ import annotations

from datetime import date

from medpages.check.page_text import is_blank, quote, section_title
from medpages.model import (
    DISCLAIMER_TEXT,
    LABEL_NOTE_TEXT,
    NOTE_TEXT,
    SEED_SECTIONS,
    Finding,
    Medicine,
    Page,
    is_known_note,
    reviewed_note,
)
from medpages.sources.lexicon import normalise

SEED_LAYOUT = "minimal-medicine"


def _section_written(page: Page, key: str) -> bool:
    value = getattr(page, key)
    if value is None:
        return False
    if isinstance(value, str):
        return not is_blank(value)
    if key == "side_effects":
        return not (is_blank(value.lead) and is_blank(value.closing)
                    and not any(not is_blank(item.name) for item in value.items))
    if key == "faqs":
        return any(not is_blank(item.question) for item in value.items) or not is_blank(value.lead)
    texts = [value.lead, value.closing] + [item.text for item in value.items] + [
        item.label or "" for item in value.items]
    return any(not is_blank(text) for text in texts)


def _differs(actual: str, expected: str) -> str:
    """Where `actual` first departs from `expected`, for the message."""
    for index, (a, b) in enumerate(zip(actual, expected)):
        if a != b:
            return f"differs from character {index + 1}: {quote(actual[index:], 40)!r}"
    if len(actual) < len(expected):
        return f"ends early, before {quote(expected[len(actual):], 40)!r}"
    return f"has extra text at the end: {quote(actual[len(expected):], 40)!r}"


def check_structure(page: Page, medicine: Medicine) -> list[Finding]:
    findings: list[Finding] = []
    if is_blank(page.title):
        findings.append(Finding(code="structure.title_missing", severity="error", section=None,
                                message="the page has no title"))
    elif normalise(page.title) != normalise(medicine.title):
        findings.append(Finding(code="structure.title_mismatch", severity="warning", section=None,
                                message=f"the page title {quote(page.title)!r} is not the medicine's "
                                        f"title {quote(medicine.title)!r}"))
    if page.front_matter.layout != SEED_LAYOUT or page.front_matter.title != page.title:
        findings.append(Finding(
            code="structure.front_matter", severity="warning", section=None,
            message=f"front matter should have layout {SEED_LAYOUT!r} and the page title; it has layout "
                    f"{page.front_matter.layout!r} and title {quote(page.front_matter.title)!r}"))

    for key in SEED_SECTIONS:
        if not _section_written(page, key):
            fixed = key in ("disclaimer", "note")
            findings.append(Finding(
                code="structure.missing_section", severity="error" if fixed else "warning", section=key,
                message=f"the {section_title(key)} section is missing or not yet written"
                        + (" (every published page must carry it)" if fixed else "")))
    disclaimer = page.disclaimer
    if not is_blank(disclaimer) and disclaimer != DISCLAIMER_TEXT:
        findings.append(Finding(
            code="structure.disclaimer_altered", severity="error", section="disclaimer",
            message=f"the Disclaimer is not the fixed text: it {_differs(disclaimer, DISCLAIMER_TEXT)}"))
    findings += _note(page)

    findings += _generic_name(page, medicine)
    findings += _items(page)
    for index, extra in enumerate(page.extra_sections):
        findings.append(Finding(
            code="structure.unknown_section", severity="info", section=f"extra:{index}",
            message=f"section {quote(extra.heading or '(text before the first section)')!r} is not part "
                    "of the seed layout; it is kept but not checked as a known section"))
    return findings


def _note(page: Page) -> list[Finding]:
    """The Note is one of the texts medpages writes: the seed's, a label page's, a reviewed page's."""
    note = page.note
    if is_blank(note) or is_known_note(note):
        return []
    # The message compares with the variant the page is closest to: reviewed, label or seed.
    if note.startswith("Reviewed by"):
        detail = ("does not read `Reviewed by NAME on YYYY-MM-DD.` followed by the fixed advice: it "
                  + _differs(note, reviewed_note("NAME", date(2000, 1, 1))))
    else:
        expected = LABEL_NOTE_TEXT if note.startswith(LABEL_NOTE_TEXT[:20]) else NOTE_TEXT
        detail = f"is not one of the fixed texts: it {_differs(note, expected)}"
    return [Finding(code="structure.note_altered", severity="error", section="note", message=f"the Note {detail}")]


def _generic_name(page: Page, medicine: Medicine) -> list[Finding]:
    names = [n for n in [*medicine.ingredients, medicine.generic_name or ""] if n.strip()]
    if is_blank(page.generic_name) or not names:
        return []
    written = f" {normalise(page.generic_name)} "
    if any(f" {normalise(name)} " in written for name in names) or any(
            f" {part} " in written for name in names for part in normalise(name).split() if len(part) > 5):
        return []
    return [Finding(code="structure.generic_name_mismatch", severity="warning", section="generic_name",
                    message=f"Generic Name: {quote(page.generic_name)!r} does not name the medicine's "
                            f"ingredient ({', '.join(names)})")]


def _items(page: Page) -> list[Finding]:
    findings: list[Finding] = []
    if page.side_effects is not None:
        for index, item in enumerate(page.side_effects.items):
            if is_blank(item.name):
                findings.append(Finding(code="structure.empty_item", severity="warning", section="side_effects",
                                        message=f"Side Effects, item {index + 1} has no name"))
    if page.faqs is not None:
        for index, faq in enumerate(page.faqs.items):
            if is_blank(faq.question):
                findings.append(Finding(code="structure.empty_item", severity="warning", section="faqs",
                                        message=f"FAQs, item {index + 1} has no question"))
            elif is_blank(faq.answer):
                findings.append(Finding(code="structure.unanswered_question", severity="warning", section="faqs",
                                        message=f"FAQs: the question {quote(faq.question)!r} has no answer"))
    return findings
