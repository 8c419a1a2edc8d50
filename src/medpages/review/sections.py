"""A section as text a person edits, and that text read back into the section.

The editing format is the section's body in the seed Markdown layout (what `render_section`
writes after `**Heading:**`): prose as paragraphs, a list section as one `- ` item per line
(`- **Label:** text` for labelled items, side effects and FAQs). Reading it back goes through the
seed reader, so an edited page is exactly what an imported page with that text would be.
"""

from __future__ import annotations

from medpages.catalog.seed_reader import parse_seed_markdown_with_findings
from medpages.errors import InputError
from medpages.model import (
    DRAFTED_SECTIONS,
    NOT_YET_WRITTEN,
    SECTION_ORDER,
    SECTION_TITLES,
    SEED_SECTIONS,
    ExtraSection,
    Finding,
    Page,
)
from medpages.publish.seed_writer import render_front_matter, render_section

# medpages writes these itself: the Disclaimer is fixed and the Note tells who wrote or reviewed the page.
_NOT_EDITABLE = frozenset({"disclaimer", "note"})
_EDITABLE_KNOWN = tuple(key for key in SECTION_ORDER
                        if (key in DRAFTED_SECTIONS or key in SEED_SECTIONS) and key not in _NOT_EDITABLE)


def editable_sections(page: Page | None) -> list[str]:
    """The section keys a person may edit, in page order: every drafted or seed section (present or
    not), and the page's extra sections; never the Disclaimer or the closing Note, which medpages writes."""
    extras = list(page.extra_sections) if page is not None else []
    keys = [f"extra:{i}" for i, extra in enumerate(extras) if not extra.heading]  # text before the sections
    for key in _EDITABLE_KNOWN:
        if key == "faqs":  # the seed writer puts unknown sections just before the FAQs
            keys += [f"extra:{i}" for i, extra in enumerate(extras) if extra.heading]
        keys.append(key)
    return keys


def section_text(page: Page | None, key: str) -> str:
    """The section's body as editable text; "" when the section is absent (or there is no page)."""
    _check_key(page, key, allow_missing_extra=True)
    if page is None:
        return ""
    value = page.section_value(key)
    if value is None:
        return ""
    if isinstance(value, ExtraSection):
        return value.body
    rendered = render_section(key, value)
    label = f"**{SECTION_TITLES[key]}:**"
    if not rendered.startswith(label):  # render_section always labels; a guard against a changed writer
        raise AssertionError(f"render_section({key!r}) did not start with {label!r}")
    return rendered[len(label):].lstrip(" \n")


def with_section_text(page: Page, key: str, text: str) -> tuple[Page, list[Finding]]:
    """A copy of `page` with section `key` read from `text` (an empty text removes the section),
    and what the reader noticed; InputError when the text cannot be that section."""
    _check_key(page, key, allow_missing_extra=False)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if key.startswith("extra:"):
        return _with_extra_text(page, int(key.split(":", 1)[1]), text), []
    updated = page.model_copy(deep=True)
    if not text.strip():
        setattr(updated, key, None)
        return updated, []
    value, findings = _read_section(page, key, text)
    setattr(updated, key, value)
    return updated, findings


def _read_section(page: Page, key: str, text: str) -> tuple[object, list[Finding]]:
    """Parse a page holding only this section, as the seed reader would read it in a whole page."""
    title = SECTION_TITLES[key]
    minimal = "\n".join([render_front_matter(page.front_matter), "", f"# {page.title}", "",
                         f"**{title}:**", "", text])
    parsed, findings = parse_seed_markdown_with_findings(minimal)
    value = parsed.section_value(key)
    if value is None:
        if text.strip() == NOT_YET_WRITTEN:
            return None, []
        raise InputError(f"{key}: the text cannot be read as the {title} section"
                         + (" (a table of topic, verdict and advice)" if key == "safety_advice" else "")
                         + (" (one '- ' item per source, nothing else)" if key == "sources" else ""))
    others = [k for k in parsed.present_sections() if k != key]
    if others:
        heading = _heading_of(parsed, others[0])
        raise InputError(f"{key}: the text starts another section ({heading!r}); "
                         f"a line such as '{heading}:' begins a section of its own, so reword that line")
    own = [finding for finding in findings
           if finding.section == key and finding.code != "parse.missing_section"]
    return value, own


def _heading_of(page: Page, key: str) -> str:
    if key.startswith("extra:"):
        extra = page.section_value(key)
        return extra.heading if extra is not None and extra.heading else "text before the sections"
    return SECTION_TITLES[key]


def _with_extra_text(page: Page, index: int, text: str) -> Page:
    """An unknown section is kept verbatim, as the seed reader keeps it: its body is the text."""
    updated = page.model_copy(deep=True)
    extras = list(updated.extra_sections)
    if not text.strip():
        del extras[index]
    else:
        body = "\n".join(line.rstrip() for line in text.split("\n"))
        extras[index] = ExtraSection(heading=extras[index].heading, body=body)
    updated.extra_sections = extras
    return updated


def _check_key(page: Page | None, key: str, *, allow_missing_extra: bool) -> None:
    if key in _NOT_EDITABLE:
        raise InputError(f"section: the {SECTION_TITLES[key]} is written by medpages and cannot be edited")
    if key.startswith("extra:"):
        number = key.split(":", 1)[1]
        if not number.isdigit():
            raise InputError(f"section: unknown section {key!r}")
        count = len(page.extra_sections) if page is not None else 0
        if int(number) >= count and not allow_missing_extra:
            raise InputError(f"section: the page has no section {key!r}")
        return
    if key not in SECTION_TITLES:
        raise InputError(f"section: unknown section {key!r}")
