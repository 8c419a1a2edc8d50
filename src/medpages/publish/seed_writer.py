"""Render a Page in the seed page's Markdown layout (PRODUCT.md §2, §3).

An unchanged parsed page comes back byte for byte; an unchanged section of an edited page
keeps its text as written; everything else is written in the seed layout.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import yaml

from medpages.model import (
    DISCLAIMER_TEXT,
    NOT_YET_WRITTEN,
    NOTE_TEXT,
    SECTION_ORDER,
    SECTION_TITLES,
    SEED_SECTIONS,
    ExtraSection,
    FAQs,
    FrontMatter,
    ListItem,
    Page,
    SafetyAdvice,
    SideEffects,
    Source,
    TextSection,
    fingerprint_value,
)

# The seed puts two blank lines before these sections, one before the others.
_WIDE_GAP_BEFORE = frozenset({"important_note", "disclaimer", "note"})


def _as_written(text: str) -> str:
    return text


def render_seed_markdown(
    page: Page,
    *,
    front_matter: FrontMatter | None = None,
    fresh_text: Callable[[str], str] = _as_written,
) -> str:
    """The page as Markdown in the seed layout (no trailing newline, as the seed).

    For a publication (the Jekyll tree), `front_matter` replaces the page's own and
    `fresh_text` is applied to every part this writer composes (the title line, each section
    rendered afresh), but not to the text of an unchanged page or section, which is the
    publisher's own and comes back as written.
    """
    original = page.original
    if original is not None and original.fingerprint == page.content_fingerprint():
        return original.text

    front = render_front_matter(front_matter if front_matter is not None else page.front_matter)
    parts = [front, "", fresh_text(f"# {page.title}")]
    preambles = [e for e in page.extra_sections if not e.heading]
    for extra in preambles:
        parts += ["", fresh_text(extra.body)]
    for key in _section_keys(page):
        gap = ["", ""] if key in _WIDE_GAP_BEFORE else [""]
        parts += gap + [_section_text(page, key, fresh_text)]
    return "\n".join(parts)


def _section_keys(page: Page) -> Iterable[str]:
    """Seed and present sections in layout order; unknown sections just before the FAQs."""
    for key in SECTION_ORDER:
        if key == "faqs":
            for index, extra in enumerate(page.extra_sections):
                if extra.heading:
                    yield f"extra:{index}"
        if key in SEED_SECTIONS or getattr(page, key) is not None:
            yield key


def _section_text(page: Page, key: str, fresh_text: Callable[[str], str] = _as_written) -> str:
    """The section as written when its value is unchanged and it was already in the seed layout
    (differing at most in spacing, like the seed's double spaces); otherwise freshly rendered."""
    value = page.section_value(key)
    rendered = render_section(key, value)
    original = page.original
    if original is None or value is None or key not in original.sections:
        return fresh_text(rendered)
    raw = original.sections[key]
    if original.fingerprints.get(key) == fingerprint_value(value) and raw.split() == rendered.split():
        return raw
    return fresh_text(rendered)


def render_section(key: str, value: object) -> str:
    """One section in the seed layout; an absent seed section says it is not yet written."""
    title = SECTION_TITLES.get(key, "")
    if value is None:
        if key == "disclaimer":
            return _labelled("Disclaimer", DISCLAIMER_TEXT)
        if key == "note":
            return _labelled("Note", NOTE_TEXT)
        return _labelled(title, NOT_YET_WRITTEN)
    if isinstance(value, str):
        return _labelled(title, value)
    if isinstance(value, ExtraSection):
        return _labelled(value.heading, value.body)
    if isinstance(value, SideEffects):
        items = [_bold_item(f"{i.name}:", i.explanation) for i in value.items]
        return _block(title, value.lead, items, value.closing)
    if isinstance(value, FAQs):
        items = [_bold_item(i.question, i.answer) for i in value.items]
        return _block(title, value.lead, items, value.closing)
    if isinstance(value, TextSection):
        items = [_list_item(i) for i in value.items]
        return _block(title, value.lead, items, value.closing)
    if isinstance(value, list) and key == "safety_advice":
        return _labelled(title, _safety_table(value))
    if isinstance(value, list) and key == "sources":
        return _block(title, "", [_source_item(s) for s in value], "")
    raise TypeError(f"cannot render section {key!r} of type {type(value).__name__}")


def _labelled(label: str, body: str) -> str:
    """`**Label:** body`, with block content (a list, a table) on its own paragraph."""
    if not body:
        return f"**{label}:**"
    first = body.lstrip("\n").split("\n", 1)[0]
    if _starts_block(first):
        return f"**{label}:**\n\n{body}"
    return f"**{label}:** {body}"


def _starts_block(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(("* ", "- ", "+ ", "|", "```")) or (
        stripped[:1].isdigit() and ". " in stripped[:5]
    )


def _block(title: str, lead: str, items: list[str], closing: str) -> str:
    text = _labelled(title, lead)
    if items:
        text += "\n\n" + "\n".join(items)
    if closing:
        text += "\n\n" + closing
    return text


def _indent_continuation(text: str) -> str:
    return text.replace("\n", "\n  ")


def _bold_item(label: str, text: str) -> str:
    return _indent_continuation(f"* **{label}** {text}" if text else f"* **{label}**")


def _list_item(item: ListItem) -> str:
    if item.label:
        return _bold_item(item.label, item.text)
    return _indent_continuation(f"* {item.text}")


def _safety_table(rows: list[SafetyAdvice]) -> str:
    lines = ["| Topic | Verdict | Advice |", "| --- | --- | --- |"]
    for row in rows:
        cells = (row.topic.capitalize(), row.verdict, row.advice)
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines)


def _source_item(source: Source) -> str:
    text = f"[{source.title}]({source.url})" if source.url else source.title
    if source.publisher:
        text += f", {source.publisher}"
    if source.effective_date:
        text += f", effective {source.effective_date.isoformat()}"
    return f"* {text}"


def render_front_matter(front: FrontMatter) -> str:
    lines = ["---"]
    if front.layout is not None:
        lines.append(f"layout: {_yaml_scalar(front.layout)}")
    if front.nav_exclude is not None:
        lines.append(f"nav_exclude: {'true' if front.nav_exclude else 'false'}")
    lines.append(f"title: {_yaml_scalar(front.title)}")
    if front.extra:
        dumped = yaml.safe_dump(front.extra, allow_unicode=True, sort_keys=False, width=10_000)
        lines.append(dumped.rstrip("\n"))
    lines.append("---")
    return "\n".join(lines)


def _yaml_scalar(text: str) -> str:
    """The text plain when YAML reads it back unchanged (as the seed writes titles), else quoted."""
    if text and "\n" not in text:
        try:
            if yaml.safe_load(f"k: {text}") == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)
