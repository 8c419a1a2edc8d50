"""Contributed text: limited to the page's Markdown subset, sanitised before it is stored.

The site renders stored text again through its own sanitising renderer; this is the first of the
two guards (issue 10: "sanitised before it is stored and again when rendered").
"""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

from medpages.errors import InputError

MAX_SECTION_CHARS = 20_000  # a section's text; the longest real section in the corpus is ~6,000
MAX_REASON_CHARS = 500
MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254

# Text far longer than any limit is refused before the HTML parser spends time on it.
_RAW_FACTOR = 4
# A `<` that could open a tag, a comment or a declaration once rendered.
_TAG_OPENING = re.compile(r"<(?=[A-Za-z/!?])")
# `<https://…>` and `<name@host>` autolinks: the HTML parser would take them for tags.
_AUTOLINK = re.compile(r"<(?P<target>[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\s]*|[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>")
# A link reference definition (`[1]: javascript:…`) on its own line.
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\]\n]+)\]:[ \t]*(?P<target><[^>\n]*>|\S+)(?P<rest>.*)$",
                                   re.M)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:")
_EMAIL = re.compile(r"^[^@\s<>\"(),;:\\\[\]]+@[^@\s<>\"(),;:\\\[\]]+\.[^@\s<>\"(),;:\\\[\]]+$")


def clean_text(text: str, *, field: str, max_chars: int, required: bool = True) -> str:
    """`text` as storable contributed text: HTML removed (nh3), control characters dropped, line
    ends normalised, trailing spaces trimmed. InputError naming `field` when it is empty (and
    `required`) or longer than `max_chars`."""
    if len(text) > max_chars * _RAW_FACTOR + 1000:
        raise InputError(f"{field}: {len(text)} characters, at most {max_chars}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    text = _without_html(text)
    text = _without_unsafe_links(text)
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    if not text and required:
        raise InputError(f"{field}: required")
    if len(text) > max_chars:
        raise InputError(f"{field}: {len(text)} characters, at most {max_chars}")
    return text


def clean_email(text: str) -> str:
    """An optional e-mail address, checked for shape only; "" when empty; InputError when malformed."""
    text = text.strip()
    if not text:
        return ""
    if len(text) > MAX_EMAIL_CHARS:
        raise InputError(f"email: {len(text)} characters, at most {MAX_EMAIL_CHARS}")
    if not _EMAIL.match(text) or any(unicodedata.category(c) == "Cc" for c in text):
        raise InputError("email: not an e-mail address (name@example.org)")
    return text


def _without_html(text: str) -> str:
    """Every tag removed (its text kept; script and style contents dropped), everything else as typed.

    `&` is escaped first so the HTML parser decodes no entity the contributor typed (`AT&T`, `&copy`
    stay as written), and the output's escaping is undone once. Some elements (`<xmp>`,
    `<textarea>`) hold their markup as text: cleaning again until nothing changes removes that too.
    """
    text = _AUTOLINK.sub(_autolink_as_link, text)
    for _ in range(5):
        cleaned = html.unescape(nh3.clean(text.replace("&", "&amp;"), tags=set()))
        if cleaned == text:
            break
        text = cleaned
    # Whatever `<` is left could open a tag in a renderer that allows HTML: keep it as an entity.
    return _TAG_OPENING.sub("&lt;", text)


def _autolink_as_link(match: re.Match[str]) -> str:
    target = match.group("target")
    if "@" in target and ":" not in target:
        return target  # an e-mail address: kept as text
    if _safe_target(target):
        return f"[{target}]({target})"
    return ""


def _without_unsafe_links(text: str) -> str:
    """Markdown links and images keep their text; a target that is not http(s) or relative is dropped."""
    text = _REFERENCE_DEFINITION.sub(_safe_definition, text)
    for _ in range(20):  # a link text may hold another link: again until none is left
        changed = _drop_one_pass(text)
        if changed == text:
            return changed
        text = changed
    return text


def _safe_definition(match: re.Match[str]) -> str:
    if _safe_target(match.group("target").strip("<>")):
        return match.group(0)
    return f"[{match.group('label')}]:{match.group('rest')}"


def _drop_one_pass(text: str) -> str:
    out: list[str] = []
    position = 0
    for start in [m.start() for m in re.finditer(r"\]\(", text)]:
        if start < position:
            continue
        end, target = _inline_destination(text, start + 2)
        if end is None or _safe_target(target):
            continue
        opening = _matching_bracket(text, start, position)
        if opening is None:
            # No link text to keep: the target is dropped all the same.
            out.append(text[position:start + 1])
        else:
            cut = opening - 1 if opening > position and text[opening - 1] == "!" else opening
            out.append(text[position:cut])
            out.append(text[opening + 1:start])
        position = end
    out.append(text[position:])
    return "".join(out)


def _inline_destination(text: str, index: int) -> tuple[int | None, str]:
    """Where the inline link `(…)` starting at `index` ends (after its `)`), and its destination."""
    length = len(text)
    while index < length and text[index] in " \t\n":
        index += 1
    if index < length and text[index] == "<":
        close = text.find(">", index)
        if close == -1:
            return None, ""
        target, index = text[index + 1:close], close + 1
    else:
        depth, begin = 0, index
        while index < length:
            char = text[index]
            if char == "\\" and index + 1 < length:
                index += 2
                continue
            if char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    break
                depth -= 1
            elif char in " \t\n":
                break
            index += 1
        target = text[begin:index]
    # An optional title, then the closing parenthesis.
    depth = 0
    while index < length:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                return index + 1, target
            depth -= 1
        index += 1
    return length, target  # an unclosed link: everything after is taken as its target


def _matching_bracket(text: str, close: int, floor: int) -> int | None:
    depth = 0
    for index in range(close - 1, floor - 1, -1):
        char = text[index]
        if index > 0 and text[index - 1] == "\\":
            continue
        if char == "]":
            depth += 1
        elif char == "[":
            if depth == 0:
                return index
            depth -= 1
    return None


def _safe_target(target: str) -> bool:
    """http(s), or a relative path: what a renderer would follow after decoding entities and escapes."""
    decoded = target
    for _ in range(5):
        unescaped = html.unescape(decoded)
        if unescaped == decoded:
            break
        decoded = unescaped
    decoded = re.sub(r"\\(.)", r"\1", decoded)
    # Browsers ignore whitespace and control characters inside a scheme (`java\tscript:`).
    decoded = "".join(c for c in decoded if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf"))
    decoded = decoded.lower()
    if not _SCHEME.match(decoded):
        return ":" not in decoded.split("/", 1)[0] or decoded.startswith("//")
    return decoded.startswith(("http://", "https://"))
