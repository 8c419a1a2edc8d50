"""Clean label text: whitespace, inline bullets, and the units facts are read from.

The readers write a section's text as plain text: paragraphs separated by a blank line, list
items as `- item` (nested ones indented by two spaces), table rows as `| cell | cell |`. The
functions here produce and read that shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_INVISIBLE_CHARACTERS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = str.maketrans(dict.fromkeys(_INVISIBLE_CHARACTERS))
# Spaces that markup leaves before closing and after opening punctuation (`(12) ,` `( 2.6 )`).
_SPACE_BY_PUNCTUATION = re.compile(r" (?=[,;:)\]])|(?<=[(\[]) ")
_SPACED_PUNCTUATION = re.compile(r" [,;:)\]]|[(\[] ")
# A bullet only where it stands apart (`a • b`, `• a`): `2Ca•3H2O` is a chemical formula.
_BULLET_CHARACTERS = "\u2022\u25cf\u25aa\u25e6\u2023\u2043\u25a0"  # •●▪◦‣⁃■
_BULLETS = re.compile(rf"(?:^|\s+)[{_BULLET_CHARACTERS}]\s*")
# A sentence ends at . ! or ? (and any closing quote or bracket) before a space and a capital,
# digit or opening bracket; `_ABBREVIATIONS` and initials do not end one.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+(?=[A-Z0-9(\[\"'\u201c\u2018])")
_ABBREVIATIONS = frozenset(
    "e.g i.e vs etc approx dr no nos fig figs ref refs mr mrs ms st u.s incl max min ca al".split()
)
_ITEM = re.compile(r"^( *)(?:-|\d+\.)(?= |$) ?(.*)$")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


def clean_inline(text: str) -> str:
    """Runs of whitespace (tabs, newlines, non-breaking spaces) as one space; invisible characters dropped."""
    # str.split() splits on every Unicode space; the checks first keep the common case fast.
    if not text.isascii() and any(invisible in text for invisible in _INVISIBLE_CHARACTERS):
        text = text.translate(_INVISIBLE)
    text = " ".join(text.split())
    if _SPACED_PUNCTUATION.search(text):
        text = _SPACE_BY_PUNCTUATION.sub("", text)
    return text


def clean_lines(text: str) -> str:
    """`clean_inline` on each line, keeping the line breaks and dropping empty lines."""
    lines = (clean_inline(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def split_bullets(text: str) -> tuple[str, list[str]]:
    """`lead • one • two` -> (`lead`, [`one`, `two`]); text without bullets gives (text, [])."""
    if not any(bullet in text for bullet in _BULLET_CHARACTERS):
        return text, []
    parts = _BULLETS.split(text)
    if len(parts) == 1:
        return text, []
    lead, items = parts[0].strip(), [part.strip() for part in parts[1:]]
    return lead, [item for item in items if item]


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph of clean text, split where a sentence plainly ends (not after `e.g.`)."""
    text = text.strip()
    if not text:
        return []
    found: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        # Only the end of the candidate decides whether it ends at an abbreviation or initial.
        last = _LAST_WORD.search(text[max(start, match.start() - 24):match.start() + 1])
        if last and (last.group(1).lower().rstrip(".") in _ABBREVIATIONS or len(last.group(1)) == 1):
            continue
        found.append(text[start:match.end()].strip())
        start = match.end()
    found.append(text[start:].strip())
    return [sentence for sentence in found if sentence]


@dataclass(frozen=True, slots=True)
class TextUnit:
    """A paragraph, a list item (with its depth) or a table row of a section's text."""

    kind: str  # "paragraph", "item" or "row"
    text: str
    depth: int = 0


def text_units(text: str) -> Iterator[TextUnit]:
    """The paragraphs, list items and table rows of text written in the readers' shape."""
    for block in re.split(r"\n\s*\n", text):
        kind, depth = "", 0
        parts: list[str] = []
        for line in block.split("\n"):
            item = _ITEM.match(line)
            if item:
                if parts:
                    yield TextUnit(kind, " ".join(parts), depth)
                kind, parts, depth = "item", [item.group(2).strip()], len(item.group(1)) // 2
            elif line.lstrip(" ").startswith("| "):
                if parts:
                    yield TextUnit(kind, " ".join(parts), depth)
                kind, parts, depth = "", [], 0
                yield TextUnit("row", line.strip().removeprefix("| ").removesuffix(" |").strip())
            elif line.strip():
                if kind == "item" and line.startswith(" ") or kind == "paragraph":
                    parts.append(line.strip())
                else:
                    if parts:
                        yield TextUnit(kind, " ".join(parts), depth)
                    kind, parts, depth = "paragraph", [line.strip()], 0
        if parts:
            yield TextUnit(kind, " ".join(parts), depth)
