"""Read a medicine page in the seed format, or in the shapes real LLM pages take, into a Page.

Pure: text in, Page out. Nothing is dropped: unknown sections are kept verbatim, text that
does not fit a section's shape is kept in the section, and what is missing becomes a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import yaml

from medpages.model import (
    FAQ,
    NOT_YET_WRITTEN,
    SAFETY_TOPICS,
    SECTION_TITLES,
    SEED_SECTIONS,
    ExtraSection,
    FAQs,
    Finding,
    FrontMatter,
    ListItem,
    OriginalText,
    Page,
    SafetyAdvice,
    SideEffect,
    SideEffects,
    Source,
    TextSection,
    fingerprint_value,
)

# Labels pages use for each section, lower-cased, without punctuation.
SECTION_ALIASES: dict[str, str] = {
    "generic name": "generic_name", "generic": "generic_name", "generic names": "generic_name",
    "usage": "usage", "uses": "usage", "use": "usage", "indications": "usage",
    "what it is used for": "usage", "used for": "usage",
    "side effects": "side_effects", "common side effects": "side_effects",
    "possible side effects": "side_effects",
    "serious side effects": "serious_side_effects",
    "important note": "important_note", "important": "important_note",
    "how it works": "how_it_works", "mechanism of action": "how_it_works",
    "how does it work": "how_it_works",
    "faqs": "faqs", "faq": "faqs", "frequently asked questions": "faqs",
    "disclaimer": "disclaimer", "note": "note",
    "dosage": "dosage", "dose": "dosage", "dosing": "dosage", "how to take": "dosage",
    "precautions": "precautions", "warnings and precautions": "precautions",
    "safety advice": "safety_advice",
    "interactions": "interactions", "drug interactions": "interactions",
    "missed dose": "missed_dose", "overdose": "overdose",
    "storage": "storage", "how to store": "storage",
    "sources": "sources", "references": "sources",
}
_TEXT_SECTIONS = frozenset({
    "usage", "dosage", "serious_side_effects", "important_note", "precautions", "how_it_works",
    "interactions", "missed_dose", "overdose", "storage",
})
_STRING_SECTIONS = frozenset({"generic_name", "disclaimer", "note"})

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_BOLD_LABEL = re.compile(r"^\*\*(?P<label>[^*\n]+?)\*\*(?P<colon>:?)(?P<rest>.*)$")
_PLAIN_LABEL = re.compile(r"^(?P<label>[A-Za-z][A-Za-z ]{1,40}):(?P<rest>.*)$")
_LIST_ITEM = re.compile(r"^ ?(?:[*+-]|\d{1,3}[.)])[ \t]+(?P<text>.*)$")
_BOLD_START = re.compile(r"^\*\*(?P<label>.+?)\*\*(?P<colon>:?)[ \t]*(?P<rest>.*)$", re.S)
_QA = re.compile(r"^(?:\*\*)?(?P<kind>Q|A|Question|Answer)(?:\*\*)?\s*[:.](?:\*\*)?\s*(?P<text>.*)$", re.S | re.I)
# Compiled once: `re.sub(pattern, ...)` looks its pattern up in re's cache on every call, a few
# times per line of a page.
_LABEL_END = re.compile(r"[:.\s]+$")
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
_CELL_BAR = re.compile(r"(?<!\\)\|")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def normalise_label(label: str) -> str:
    label = label.strip().strip("*_").strip()
    label = _LABEL_END.sub("", label)
    return _SPACES.sub(" ", label).lower()


@dataclass
class _RawSection:
    key: str  # a SECTION_ALIASES value, or "" for an unknown section
    heading: str  # the label as written
    level: int  # markdown heading level, 0 for a bold or plain label
    start_line: int  # 1-based line number of the header in the file
    header_rest: str
    lines: list[str] = field(default_factory=list)

    def raw_text(self, all_lines: list[str]) -> str:
        body = all_lines[self.start_line - 1 : self.start_line + len(self.lines)]
        while body and not body[-1].strip():
            body.pop()
        return "\n".join(body)

    def body(self) -> str:
        """The section's text after its label, leading and trailing blank lines removed."""
        lines = [self.header_rest.strip()] if self.header_rest.strip() else []
        if lines and self.lines and not self.lines[0].strip():
            lines.append("")
        lines += self.lines
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join(line.rstrip() for line in lines)


def parse_seed_markdown(text: str) -> Page:
    """Parse one page; raises nothing for odd input (see `parse_seed_markdown_with_findings`)."""
    return parse_seed_markdown_with_findings(text)[0]


def parse_seed_markdown_with_findings(text: str) -> tuple[Page, list[Finding]]:
    """Parse one page, and say what did not fit (`parse.*` findings) instead of raising."""
    original = text
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    findings: list[Finding] = []

    front_matter_raw, front, body_start = _read_front_matter(text, findings)
    lines = text.split("\n")
    title, sections, preamble = _split_sections(lines, body_start, findings)
    if front is None:
        front = FrontMatter(title=title or "", layout=None, nav_exclude=None)
        if not front_matter_raw:
            findings.append(Finding(code="parse.front_matter_missing", severity="warning",
                                    message="the page has no front matter"))
    if not title:
        title = front.title
        if title:
            findings.append(Finding(code="parse.title_heading_missing", severity="warning",
                                    message="the page has no '# title' heading"))
    elif front.title and front.title != title:
        findings.append(Finding(code="parse.title_mismatch", severity="warning",
                                message=f"front matter title {front.title!r} differs from heading {title!r}"))
    if not title:
        findings.append(Finding(code="parse.title_missing", severity="error", message="the page has no title"))

    values: dict[str, object] = {}  # the sections read, given to the Page at once (one validation, not one each)
    raw_sections: dict[str, str] = {}
    extras: list[ExtraSection] = []
    if preamble.strip():
        extras.append(ExtraSection(heading="", body=preamble.strip("\n")))
        findings.append(Finding(code="parse.text_before_sections", severity="warning",
                                message="text between the title and the first section kept as is"))
    for section in sections:
        key = section.key
        if key and values.get(key) is not None:
            findings.append(Finding(code="parse.duplicate_section", severity="warning", section=key,
                                    line=section.start_line,
                                    message=f"a second {section.heading!r} section, kept as an extra section"))
            key = ""
        value = _section_value(key, section, findings) if key else None
        if value is _ABSENT:
            continue  # "not yet written": the section stays absent
        if value is not None:
            values[key] = value
            raw_sections[key] = section.raw_text(lines)
            continue
        if not key:
            findings.append(Finding(code="parse.unknown_section", severity="info", line=section.start_line,
                                    message=f"section {section.heading!r} is not part of the model; kept verbatim"))
        extras.append(ExtraSection(heading=section.heading, body=section.body()))
        raw_sections[f"extra:{len(extras) - 1}"] = section.raw_text(lines)
    page = Page(title=title or "", front_matter=front, extra_sections=extras, **values)

    for key in SEED_SECTIONS:
        if getattr(page, key) is None:
            severity = "error" if key in ("disclaimer", "note") else "warning"
            findings.append(Finding(code="parse.missing_section", severity=severity, section=key,
                                    message=f"the {SECTION_TITLES[key]} section is missing or not yet written"))
    page.original = OriginalText(
        text=original,
        fingerprint=page.content_fingerprint(),
        sections=raw_sections,
        fingerprints={k: fingerprint_value(page.section_value(k)) for k in raw_sections},
    )
    return page, findings


class FrontMatterAliases(yaml.YAMLError):
    """Front matter that uses YAML aliases (`*name`)."""


# A line of front matter as most pages have it (`title: Aspirin 75mg`, `nav_exclude: true`): a
# plain key and a plain one-line value of letters, digits and a few marks, no quotes, no `:` or `#`.
_SIMPLE_FRONT_MATTER_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*): +([A-Za-z0-9][A-Za-z0-9 ._()+,%/-]*?) *")
_YAML_STR = "tag:yaml.org,2002:str"
_YAML_BOOL = "tag:yaml.org,2002:bool"


def simple_front_matter(raw: str) -> dict[str, object] | None:
    """The front matter when every line is a simple `key: value`, read as YAML reads it; else None.

    YAML's own resolver says what each plain word is (`true` and `yes` a boolean, `2024-01-01` a
    date, ...): a key or value that is not text or a boolean is left to the YAML parser, which
    costs a fifth of a page's reading.
    """
    resolve = _yaml_resolver().resolve
    data: dict[str, object] = {}
    for line in raw.split("\n"):
        match = _SIMPLE_FRONT_MATTER_LINE.fullmatch(line)
        if match is None:
            return None
        key, value = match.groups()
        if resolve(yaml.ScalarNode, key, (True, False)) != _YAML_STR:
            return None
        tag = resolve(yaml.ScalarNode, value, (True, False))
        if tag == _YAML_STR:
            data[key] = value
        elif tag == _YAML_BOOL:
            data[key] = yaml.constructor.SafeConstructor.bool_values[value.lower()]
        else:
            return None
    return data


@cache
def _yaml_resolver() -> yaml.resolver.Resolver:
    return yaml.resolver.Resolver()


def load_front_matter(raw: str):
    """Front matter as YAML (the safe loader), with aliases refused.

    An alias repeats what its anchor names without copying it, so 400 bytes of front matter
    can stand for billions of values ("billion laughs"); nothing in the front matter of a
    page needs one, and expanding one (writing the page back, validating it) exhausts memory.
    libyaml itself refuses nesting over 1,000 levels deep.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if "*" in raw:  # every alias starts with `*`: without one there is nothing to look for
        for event in yaml.parse(raw, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 2 if event.start_mark else "?"  # +1 for the opening ---
                raise FrontMatterAliases(f"line {line}: YAML aliases (*{event.anchor}) are refused in front matter")
    return yaml.load(raw, Loader=loader)


def _read_front_matter(text: str, findings: list[Finding]) -> tuple[str, FrontMatter | None, int]:
    """The raw front matter, its model, and the index of the first body line."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return "", None, 0
    raw = match.group("body")
    body_start = match.group(0).count("\n") + (0 if match.group(0).endswith("\n") else 1)
    try:
        data = simple_front_matter(raw)
        if data is None:
            data = load_front_matter(raw) if raw.strip() else {}
    except yaml.YAMLError as error:
        findings.append(Finding(code="parse.front_matter_invalid", severity="error", line=1,
                                message=f"front matter is not valid YAML ({_one_line(error)}); kept as text"))
        return raw, FrontMatter(title="", layout=None, nav_exclude=None,
                                extra={"unparsed_front_matter": raw}), body_start
    if not isinstance(data, dict):
        findings.append(Finding(code="parse.front_matter_invalid", severity="error", line=1,
                                message="front matter is not a mapping of keys to values; kept as text"))
        return raw, FrontMatter(title="", layout=None, nav_exclude=None,
                                extra={"unparsed_front_matter": raw}), body_start
    data = {str(k): v for k, v in data.items()}
    layout = data.pop("layout", None)
    nav_exclude = data.pop("nav_exclude", None)
    title = data.pop("title", "")
    front = FrontMatter(
        layout=None if layout is None else str(layout),
        nav_exclude=nav_exclude if isinstance(nav_exclude, bool) or nav_exclude is None else None,
        title="" if title is None else str(title),
        extra=data,
    )
    if nav_exclude is not None and not isinstance(nav_exclude, bool):
        front.extra = {"nav_exclude": nav_exclude, **front.extra}
    return raw, front, body_start


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def _split_sections(lines: list[str], start: int, findings: list[Finding]) -> tuple[str, list[_RawSection], str]:
    """The `# title`, the sections in file order, and any text between title and first section."""
    title = ""
    preamble: list[str] = []
    sections: list[_RawSection] = []
    current: _RawSection | None = None
    for index in range(start, len(lines)):
        line = lines[index]
        header = _section_header(line, index, lines, current)
        if header is not None:
            current = header
            sections.append(current)
            continue
        if current is not None:
            current.lines.append(line)
            continue
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not title:
            title = heading.group(2).strip()
        elif line.strip() or preamble:
            preamble.append(line)
    return title, sections, "\n".join(preamble).strip("\n")


def _section_header(line: str, index: int, lines: list[str], current: _RawSection | None) -> _RawSection | None:
    """A _RawSection if this line starts a section, else None."""
    first = line[:1]
    after_blank = index == 0 or not lines[index - 1].strip()
    # Each pattern only where it can match (most lines are list items or prose): a heading starts
    # with `#`, a bold label with `*`, a plain label with an ASCII letter after a blank line.
    if not (first == "#" or first == "*" or (after_blank and first.isascii() and first.isalpha())):
        return None
    in_faqs = current is not None and current.key == "faqs"
    heading = _HEADING.match(line) if first == "#" else None
    if heading and len(heading.group(1)) >= 2:
        level = len(heading.group(1))
        label = heading.group(2).strip()
        if in_faqs and level > (current.level or 2):
            return None  # a question under the FAQs heading
        key = SECTION_ALIASES.get(normalise_label(label), "")
        if in_faqs and not key and level >= 3:
            return None
        return _RawSection(key, label.strip("*").rstrip(":").strip(), level, index + 1, "")
    bold = _BOLD_LABEL.match(line) if first == "*" else None
    if bold:
        label = bold.group("label")
        key = SECTION_ALIASES.get(normalise_label(label), "")
        has_colon = label.rstrip().endswith(":") or bool(bold.group("colon"))
        rest = bold.group("rest")
        if key:
            if not has_colon and rest.strip():
                return None  # `**Note** that ...` is a sentence, not a label
            return _RawSection(key, label.rstrip(":").strip(), 0, index + 1, rest)
        name = label.rstrip(":").strip()
        if not has_colon or not after_blank or current is None or name.endswith("?"):
            return None
        if len(label) > 40 or len(label.split()) > 5 or name.lower() in ("q", "a", "question", "answer"):
            return None
        return _RawSection("", label.rstrip(":").strip(), 0, index + 1, rest)
    plain = _PLAIN_LABEL.match(line)
    if plain and after_blank:
        key = SECTION_ALIASES.get(normalise_label(plain.group("label")), "")
        if key:
            return _RawSection(key, plain.group("label").strip(), 0, index + 1, plain.group("rest"))
    return None


class _Absent:
    pass


_ABSENT = _Absent()


def _section_value(key: str, section: _RawSection, findings: list[Finding]) -> object:
    """The section's model value; None keeps it as an extra section; _ABSENT means 'not written'."""
    body = section.body()
    if body.strip() == NOT_YET_WRITTEN:
        return _ABSENT
    if key in _STRING_SECTIONS:
        return body
    lead, items, closing = _split_list(body)
    if key in _TEXT_SECTIONS:
        return TextSection(lead=lead, items=[_list_item(i) for i in items], closing=closing)
    if key == "side_effects":
        return SideEffects(lead=lead, items=[_side_effect(i) for i in items], closing=closing)
    if key == "faqs":
        return _faqs(body, findings, section)
    if key == "sources":
        if lead or closing:
            return None
        return [_source(i) for i in items]
    if key == "safety_advice":
        rows = _safety_rows(body)
        if rows is None:
            findings.append(Finding(code="parse.section_unreadable", severity="warning", section=key,
                                    line=section.start_line,
                                    message="safety advice is not a table of topic, verdict, advice; kept verbatim"))
        return rows
    return None


def _split_list(body: str) -> tuple[str, list[str], str]:
    """Lead paragraphs, list items (continuation lines joined by newlines), paragraphs after."""
    lead: list[str] = []
    items: list[list[str]] = []
    closing: list[str] = []
    in_item = False
    for line in body.split("\n"):
        match = _LIST_ITEM.match(line)
        if match and not line.startswith("  "):
            if closing:  # a second list after a paragraph: the paragraph stays, after the list
                closing.append("")
            items.append([match.group("text").strip()])
            in_item = True
        elif in_item and line.strip():
            items[-1].append(line[2:] if line.startswith("  ") else line.lstrip())
        elif not line.strip():
            in_item = False
            (closing if items else lead).append("")
        else:
            (closing if items else lead).append(line)
    return _paragraphs(lead), ["\n".join(i).rstrip() for i in items], _paragraphs(closing)


def _paragraphs(lines: list[str]) -> str:
    text = "\n".join(lines).strip("\n")
    return _BLANK_LINES.sub("\n\n", text)


def _bold_start(text: str) -> tuple[str, str] | None:
    match = _BOLD_START.match(text)
    if not match:
        return None
    return match.group("label") + match.group("colon"), match.group("rest").strip()


def _list_item(text: str) -> ListItem:
    bold = _bold_start(text)
    if bold:
        return ListItem(label=bold[0], text=bold[1])
    return ListItem(text=text)


def _side_effect(text: str) -> SideEffect:
    bold = _bold_start(text)
    if bold:
        name = bold[0].rstrip()
        # Exactly the one colon the writer puts after a name (`**Fatigue:**`): a name may hold colons.
        return SideEffect(name=(name[:-1] if name.endswith(":") else name).rstrip(), explanation=bold[1])
    for separator in (": ", " - ", " – ", " — "):
        name, found, explanation = text.partition(separator)
        if found and 0 < len(name.split()) <= 6:
            return SideEffect(name=name.strip(), explanation=explanation.strip())
    return SideEffect(name=text.strip())


def _faqs(body: str, findings: list[Finding], section: _RawSection) -> FAQs:
    """FAQs as bullets (`* **Q?** A`), Q:/A: pairs, or one heading or bold line per question."""
    lead_lines: list[str] = []
    # Each question with the lines of its answer; made into FAQs at the end, each validated once.
    questions: list[str] = []
    answers: list[list[str]] = []
    for line in body.split("\n"):
        stripped = line.strip()
        item = _LIST_ITEM.match(line) if not line.startswith("  ") else None
        heading = _HEADING.match(line)
        qa = _QA.match(stripped)
        bold_line = _bold_start(stripped)
        if item:
            text = item.group("text").strip()
            bold = _bold_start(text)
            if bold:
                question, first = bold
            elif "?" in text:
                question, _, rest = text.partition("?")
                question, first = question.strip() + "?", rest.strip()
            else:
                question, first = text, ""
            questions.append(question)
            answers.append([first] if first else [])
        elif heading:
            questions.append(heading.group(2).strip().strip("*").strip())
            answers.append([])
        elif qa and qa.group("kind").lower().startswith("q"):
            questions.append(qa.group("text").strip())
            answers.append([])
        elif qa and questions:
            answers[-1].append(qa.group("text").strip())
        elif bold_line and not bold_line[1] and bold_line[0].rstrip().endswith("?"):
            questions.append(bold_line[0].strip())
            answers.append([])
        elif questions:
            answers[-1].append(line[2:] if line.startswith("  ") else line)
        else:
            lead_lines.append(line)
    faqs = [FAQ(question=question, answer=_paragraphs(lines)) for question, lines in zip(questions, answers)]
    return FAQs(lead=_paragraphs(lead_lines), items=faqs)


_SOURCE = re.compile(
    r"^(?:\[(?P<title>[^\]]+)\]\((?P<url>[^)\s]+)\)|(?P<plain>[^,]+))"
    r"(?:,\s*(?P<publisher>(?:(?!effective)[^,])+))?"
    r"(?:,\s*effective\s+(?P<date>\d{4}-\d{2}-\d{2}))?\s*$"
)


def _source(text: str) -> Source:
    match = _SOURCE.match(text)
    if not match:
        return Source(title=text)
    effective = None
    if match.group("date"):
        try:
            effective = date.fromisoformat(match.group("date"))
        except ValueError:
            return Source(title=text)
    return Source(
        title=(match.group("title") or match.group("plain") or "").strip(),
        url=match.group("url"),
        publisher=(match.group("publisher") or "").strip() or None,
        effective_date=effective,
    )


def _safety_rows(body: str) -> list[SafetyAdvice] | None:
    rows = [line.strip() for line in body.split("\n") if line.strip()]
    if len(rows) < 3 or not all(r.startswith("|") for r in rows):
        return None
    advice: list[SafetyAdvice] = []
    for row in rows[2:]:
        cells = [c.strip().replace("\\|", "|") for c in _CELL_BAR.split(row.strip("|"))]
        if len(cells) != 3 or cells[0].lower() not in SAFETY_TOPICS:
            return None
        advice.append(SafetyAdvice(topic=cells[0].lower(), verdict=cells[1], advice=cells[2]))
    return advice
