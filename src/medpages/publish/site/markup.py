"""Page text → safe HTML: the little Markdown page text uses (bold, italics, links, code), nothing else.

Page text is untrusted (drafted by a model, imported, or written by a contributor). Raw HTML
is escaped, images are not rendered (no request may leave the site), and markdown-it's link
check refuses `javascript:`, `vbscript:`, `file:` and `data:` URLs. Most text has no Markdown
at all; it is only escaped, which is what keeps a 10,000-page build fast.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

# Characters that may start Markdown inline syntax (or an entity, or an autolink).
_MARKDOWN_CHARS = re.compile(r"[*_\[\]`<>&\\!]")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.disable(["image", "html_inline", "html_block"])
    def link_open(renderer, tokens, index, options, env):  # type: ignore[no-untyped-def]
        href = tokens[index].attrGet("href") or ""
        if str(href).lower().startswith(("http://", "https://")):
            tokens[index].attrSet("rel", "nofollow noopener")
        return renderer.renderToken(tokens, index, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_MD = _markdown()


@lru_cache(maxsize=4096)
def inline_html(text: str) -> Markup:
    """One paragraph of page text as HTML: escaped, with bold, italics, code and safe links."""
    if not _MARKDOWN_CHARS.search(text):
        return escape(text)
    return Markup(_MD.renderInline(text))


@lru_cache(maxsize=256)
def block_html(text: str) -> Markup:
    """A block of page text (a section medpages does not know) as HTML, with the same limits."""
    return Markup(_MD.render(text))


def safe_url(url: str | None) -> str | None:
    """An http(s) or mailto URL as given; anything else (javascript:, data:, relative) is None."""
    if not url:
        return None
    url = url.strip()
    if url.lower().startswith(_SAFE_SCHEMES) and not any(c in url for c in "\n\r\t <>\"'`"):
        return url
    return None


def plain_text(text: str) -> str:
    """Page text without Markdown markers, for titles, descriptions and the search index."""
    if not _MARKDOWN_CHARS.search(text):
        return text
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`\\]+", "", text)
