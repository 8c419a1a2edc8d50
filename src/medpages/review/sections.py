"""A section as text a person edits, and that text read back into the section.

The editing format is the section's body in the seed Markdown layout (what `render_section`
writes after `**Heading:**`): prose as paragraphs, a list section as one `- ` item per line
(`- **Label:** text` for labelled items, side effects and FAQs). Reading it back goes through the
seed reader, so an edited page is exactly what an imported page with that text would be.
"""

from __future__ import annotations

from medpages.model import Finding, Page


def editable_sections(page: Page | None) -> list[str]:
    """The section keys a person may edit, in page order: every drafted or seed section (present or
    not), and the page's extra sections; never the Disclaimer or the closing Note, which medpages writes."""
    raise NotImplementedError


def section_text(page: Page | None, key: str) -> str:
    """The section's body as editable text; "" when the section is absent (or there is no page)."""
    raise NotImplementedError


def with_section_text(page: Page, key: str, text: str) -> tuple[Page, list[Finding]]:
    """A copy of `page` with section `key` read from `text` (an empty text removes the section),
    and what the reader noticed; InputError when the text cannot be that section."""
    raise NotImplementedError
