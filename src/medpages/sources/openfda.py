"""openFDA drug-label JSON, read as a stream: `{"meta": ..., "results": [label, ...]}` -> `LabelDocument`s.

openFDA publishes the labels as zipped JSON parts of 100 MB and more; `iter_openfda_labels`
reads one record at a time (with ijson), so memory does not grow with the file. A record is
bounded in size (`MAX_RECORD_BYTES`: a label is well under a megabyte, and a single value of
hundreds of megabytes is a broken or hostile file, reported rather than held in memory) and in
depth (`MAX_RECORD_DEPTH`: a label is four levels deep; a record nested thousands deep is
skipped unbuilt and reported, and the next record read).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import ijson  # type: ignore[import-untyped]  # no type information shipped
from ijson.common import ObjectBuilder  # type: ignore[import-untyped]

from medpages.errors import InputError
from medpages.model.label import LabelDocument, LabelProduct, LabelSection, parse_hl7_date
from medpages.sources.sections import SectionKind, kind_for_openfda_field
from medpages.sources.text import clean_inline, split_bullets

# The most input read for one record; past it, the file is reported and reading stops.
MAX_RECORD_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
# Levels of arrays and objects inside one record (a label has four: record, openfda, a list).
MAX_RECORD_DEPTH = 16
_UTF8_BOM = b"\xef\xbb\xbf"
_EPC = re.compile(r"\s*\[EPC\]\s*$")
# `6 ADVERSE REACTIONS The following...`: a leading upper-case heading, maybe numbered.
_CAPS_HEADING = re.compile(
    r"^((?:\d+(?:\.\d+)*\.?\s+)?[A-Z][A-Z0-9 ,&/()\-–']*[A-Z)])(?=\s+(?:[A-Z]?[a-z(•\d\[]|[A-Z][a-z])|$)"
)
# OTC "Drug Facts" headings, as openFDA keeps them at the start of a field's text.
_OTC_HEADINGS: dict[str, tuple[str, ...]] = {
    "indications": ("Uses?", "Indications(?: and| &) Usage", "Indications"),
    "dosage": ("Directions",),
    "active_ingredient": (r"Active ingredients?(?: \([^)]*\))?",),
    "purpose": ("Purposes?",),
    "ask_doctor": (r"Ask a doctor before use(?: if (?:you|the child|your child) (?:have|has))?",),
    "ask_doctor_or_pharmacist": (
        r"Ask a doctor or pharmacist before use(?: if (?:you|the child|your child) (?:are|is))?",
    ),
    "stop_use": ("Stop use and ask a doctor if",),
    "when_using": ("When using this product",),
    "keep_out_of_reach_of_children": (r"Keep (?:this and all drugs )?out of (?:the )?reach of children",),
    "inactive_ingredient": ("Inactive ingredients?",),
    "questions": (r"Questions(?: or comments)?\??",),
    "other_safety_information": ("Other information",),
    "storage_and_handling": ("Storage and handling", "Storage"),
}
# Words that may stand in a subsection title without ending it (`Use in Patients with ...`).
_TITLE_WORDS = frozenset(
    "in of with or and for to on at by from the a an vs versus other than without after during into under per".split()
)


@dataclass(frozen=True, slots=True)
class UnreadableRecord:
    """A record of the file that is not a usable label, and why."""

    origin: str
    reason: str


class RecordTooLarge(InputError):
    pass


@dataclass(frozen=True, slots=True)
class NestedTooDeep:
    """Stands for a record nested deeper than `MAX_RECORD_DEPTH`, which was skipped, not built."""

    limit: int


def iter_openfda_labels(
    stream: IO[bytes], *, origin: str, max_record_bytes: int | None = None
) -> Iterator[LabelDocument | UnreadableRecord]:
    """Each record of an openFDA drug-label file, as a label or the reason it is not one.

    Accepts `{"results": [...]}` (the published shape) and a bare list of records. Raises
    InputError, after yielding every record before it, when the JSON is malformed or a record
    exceeds `max_record_bytes` (default `MAX_RECORD_BYTES`).
    """
    for number, record in iter_openfda_records(stream, origin=origin, max_record_bytes=max_record_bytes):
        where = f"{origin} record {number}"
        if isinstance(record, NestedTooDeep):
            yield UnreadableRecord(where, f"nested more than {record.limit} levels deep (a label is four); "
                                          "skipped unread")
            continue
        if not isinstance(record, dict):
            yield UnreadableRecord(where, f"a record is a JSON object, not {type(record).__name__}")
            continue
        try:
            yield label_from_record(record, origin=where)
        except InputError as error:
            yield UnreadableRecord(where, str(error).removeprefix(f"{where}: "))


def iter_openfda_records(
    stream: IO[bytes], *, origin: str, max_record_bytes: int | None = None
) -> Iterator[tuple[int, Any]]:
    """(1-based number, record) for each element of `results` (or of a top-level list).

    A record nested deeper than `MAX_RECORD_DEPTH` comes as `NestedTooDeep`, having been read
    past without being built.
    """
    if max_record_bytes is None:
        max_record_bytes = MAX_RECORD_BYTES
    reader = _BoundedReader(stream, max_record_bytes)
    first = reader.first_byte()
    if first is None:
        raise InputError("the file is empty", source=origin)
    if first not in b"{[":
        raise InputError("not JSON: an openFDA label file starts with '{' (or '[' for a list of labels)",
                         source=origin)
    number = 0
    try:
        events = ijson.basic_parse(reader, use_float=True, buf_size=CHUNK_BYTES)
        for record in _records(events, in_object=first == b"{"[0]):
            number += 1
            reader.item_done()
            yield number, record
    except RecordTooLarge as error:
        raise RecordTooLarge(
            f"record {number + 1} is larger than {max_record_bytes:,} bytes (a label is usually under "
            f"1 MB); the rest of the file was not read ({error})", source=origin,
        ) from None
    except ijson.JSONError as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(
            f"malformed JSON after record {number}, within the {reader.total:,} bytes read ({message}); "
            "the rest of the file was not read", source=origin,
        ) from None
    except UnicodeDecodeError as error:
        raise InputError(f"the file is not UTF-8 after record {number} ({error.reason})", source=origin) from None
    if number == 0:
        raise InputError('no labels in this file: expected {"results": [label, ...]} as openFDA publishes them',
                         source=origin)


_OPENS = frozenset(("start_map", "start_array"))
_CLOSES = frozenset(("end_map", "end_array"))


def _records(events: Iterator[tuple[str, Any]], *, in_object: bool) -> Iterator[Any]:
    """The elements of `results` (or of the top-level list), built from ijson's plain events.

    Not `ijson.items`: it keeps the path of every open level as a string (`results.item.a.item…`),
    which for a record nested 60,000 deep is gigabytes. Here a level costs an integer, and a
    record deeper than MAX_RECORD_DEPTH is read past without being built.
    """
    depth = 0
    results_depth = 0 if in_object else 1  # the depth inside the results array, once in it
    top_key = None
    builder: ObjectBuilder | None = None
    too_deep = False
    for event, value in events:
        if event in _OPENS:
            depth += 1
        elif event in _CLOSES:
            depth -= 1
        if builder is not None or too_deep:
            if not too_deep and depth - results_depth > MAX_RECORD_DEPTH:
                builder, too_deep = None, True
            if builder is not None:
                builder.event(event, value)
            if depth == results_depth:  # the record's closing event
                yield NestedTooDeep(MAX_RECORD_DEPTH) if too_deep else builder.value
                builder, too_deep = None, False
            continue
        if results_depth and depth == results_depth + 1 and event in _OPENS:  # a record begins
            builder = ObjectBuilder()
            builder.event(event, value)
        elif results_depth and depth == results_depth and event not in _OPENS and event not in _CLOSES:
            yield value  # a record that is a number or a string: reported by the caller
        elif results_depth and depth < results_depth:  # the results array has ended
            results_depth = 0
        elif in_object and depth == 1 and event == "map_key":
            top_key = value
        elif in_object and results_depth == 0 and depth == 2 and event == "start_array" and top_key == "results":
            results_depth = 2


class _BoundedReader:
    """A byte stream that refuses to read more than `limit` bytes for one record."""

    def __init__(self, stream: IO[bytes], limit: int):
        self._stream = stream
        self._limit = limit
        self._pending = b""
        self.since_item = 0
        self.total = 0

    def first_byte(self) -> int | None:
        while True:
            chunk = self._stream.read(CHUNK_BYTES)
            if not chunk:
                return None
            if self.total == 0 and chunk.startswith(_UTF8_BOM):
                chunk = chunk[len(_UTF8_BOM):]
            self.total += len(chunk)
            stripped = chunk.lstrip(b" \t\r\n")
            if stripped:
                self._pending = stripped
                return stripped[0]

    def item_done(self) -> None:
        self.since_item = 0

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes with read(0) whether the stream gives bytes or text
            return b""
        if self.since_item > self._limit:
            raise RecordTooLarge(f"{self.since_item:,} bytes without the end of the record")
        if self._pending:
            data, self._pending = self._pending, b""
        else:
            data = self._stream.read(size if size and size > 0 else CHUNK_BYTES)
            self.total += len(data)
        self.since_item += len(data)
        return data


# --------------------------------------------------------------------------- one record


def label_from_record(record: dict[str, Any], *, origin: str) -> LabelDocument:
    """One openFDA label record -> LabelDocument; raises InputError when it names no set id."""
    openfda: dict[str, Any] = record["openfda"] if isinstance(record.get("openfda"), dict) else {}
    set_id = _string(record.get("set_id")) or _first(openfda.get("spl_set_id"))
    if not set_id:
        raise InputError("the record has no set_id", source=origin)
    version = _string(record.get("version"))
    brands = _strings(openfda.get("brand_name"))
    generics = _strings(openfda.get("generic_name"))
    routes = [route.lower() for route in _strings(openfda.get("route"))]
    products = [
        LabelProduct(name=brand, generic_name=generics[0] if generics else None, routes=routes,
                     code=_first(openfda.get("product_ndc")))
        for brand in brands or generics[:1]
    ]
    product_types = _strings(openfda.get("product_type"))
    return LabelDocument(
        kind="openfda",
        set_id=set_id,
        document_id=_string(record.get("id")),
        version=int(version) if version and version.isdigit() else None,
        effective_date=parse_hl7_date(_string(record.get("effective_time"))),
        title="",
        document_type=f"{product_types[0]} LABEL" if product_types else None,
        labeler=_first(openfda.get("manufacturer_name")),
        products=products,
        substance_names=_strings(openfda.get("substance_name")),
        pharmacologic_classes=[_EPC.sub("", name) for name in _strings(openfda.get("pharm_class_epc"))],
        rxcuis=_strings(openfda.get("rxcui")),
        sections=_sections(record),
        origin=origin,
    )


def _sections(record: dict[str, Any]) -> list[LabelSection]:
    sections = []
    for field_name, value in record.items():
        kind = kind_for_openfda_field(field_name)
        if kind is None:
            continue  # ids, openfda, *_table (HTML copies of tables already in the text)
        # Cleaned once, in section_from_text.
        texts = [text for text in (value if isinstance(value, list) else [value]) if isinstance(text, str)]
        if any(text.strip() for text in texts):
            sections.append(section_from_text(kind, " ".join(texts)))
    return sections


def section_from_text(kind: SectionKind, raw: str) -> LabelSection:
    """A flat openFDA section (`5 WARNINGS ... 5.1 Skeletal Muscle Rare cases ...`) as a section tree."""
    text = clean_inline(raw)
    heading, text = _split_heading(kind, text)
    number = heading.split(" ", 1)[0] if heading[:1].isdigit() else None
    subsections: list[LabelSection] = []
    if number and "." not in number:
        starts = _subsection_starts(number, text)
        if starts:
            bounds = [*starts, len(text)]
            subsections = [_subsection(text[bounds[i]:bounds[i + 1]].strip()) for i in range(len(starts))]
            text = text[: starts[0]].strip()
    return LabelSection(
        key=kind.key, code=kind.codes[0], heading=heading, text=_with_lists(text), subsections=subsections,
    )


def _subsection_starts(number: str, text: str) -> list[int]:
    """Where `N.1 Title`, `N.2 Title`, ... begin, found in order; `(N.1)` cross-references are skipped."""
    starts: list[int] = []
    position = 0
    for minor in range(1, 100):
        label = f"{number}.{minor}"
        found = None
        while (index := text.find(label, position)) != -1:
            before = text[max(0, index - 4):index]
            after = text[index + len(label):index + len(label) + 3]
            position = index + len(label)
            if _SUBSECTION_AFTER.match(after) and not _REFERENCE_BEFORE.search(before):
                found = index
                break
        if found is None:
            break
        starts.append(found)
    return starts


# What follows a subsection number (`5.1 Skeletal`, `5.1. Skeletal`), and what may not precede
# one (`(5.1`, `see 5.1`, `12.5.1`, `15.1`).
_SUBSECTION_AFTER = re.compile(r"\.?\s+[A-Z0-9(]")
_REFERENCE_BEFORE = re.compile(r"(?:[\w.(\[,/-]|see )$")


def _subsection(text: str) -> LabelSection:
    number, _, rest = text.partition(" ")
    title, body = split_run_in_title(rest)
    heading = f"{number.rstrip('.')} {title}".strip()
    return LabelSection(key=None, code=None, heading=heading, text=_with_lists(body))


def _split_heading(kind: SectionKind, text: str) -> tuple[str, str]:
    match = _CAPS_HEADING.match(text[:_MAX_HEADING_CHARACTERS + 40])  # bounded: text may be all capitals
    if match and len(match.group(1)) <= _MAX_HEADING_CHARACTERS:
        return match.group(1).strip(), text[match.end():].strip()
    titles = (*_OTC_HEADINGS.get(kind.key, ()), re.escape(kind.title)) if kind.title else ()
    for title in titles:
        match = re.match(rf"^((?:\d+(?:\.\d+)*\.?\s+)?(?:{title}))(?:[\s:.]+|$)", text, re.IGNORECASE)
        if match:
            return match.group(1).strip(), text[match.end():].strip()
    return kind.title, text


def split_run_in_title(text: str) -> tuple[str, str]:
    """`Skeletal Muscle Rare cases of ...` -> (`Skeletal Muscle`, `Rare cases of ...`); ("", text) if unsure.

    openFDA runs a subsection's title into its first sentence. The sentence starts at the
    first capitalised word followed by a lower-case word that is not a title's small word
    (`Rare cases`, `LIPITOR is`); failing that, at the last capitalised word before the first
    such lower-case word (`Increases in HbA1c and fasting`). Capitals, numbers and brackets
    (`CNS`, `HbA1c`, `(ages 10–17 years)`) can be in either, so they decide nothing.
    """
    words = text[:600].split(" ")[:_MAX_TITLE_WORDS + 2]
    depth, inside = 0, []
    for word in words:
        inside.append(depth > 0 or word.startswith(("(", "[")))
        depth += word.count("(") + word.count("[") - word.count(")") - word.count("]")
    first_body = next((i for i, word in enumerate(words) if i > 1 and not inside[i] and _is_body_word(word)), None)
    if first_body is None:
        return "", text
    before = words[first_body - 1]
    if _is_capitalised(before) or before.strip(".,;:").isalpha() and before.strip(".,;:").isupper():
        start = first_body - 1  # `Rare cases`, `LIPITOR is`
    else:
        start = next((k for k in range(first_body - 1, 0, -1) if not inside[k] and _is_capitalised(words[k])), 0)
    if start == 0:
        return "", text
    title = " ".join(words[:start])
    return title, text[len(title) + 1:]


_MAX_TITLE_WORDS = 25
_MAX_HEADING_CHARACTERS = 120


def _is_body_word(word: str) -> bool:
    bare = word.strip(".,;:!?\"'")
    return bool(bare) and bare.replace("-", "").isalpha() and bare.islower() and bare not in _TITLE_WORDS


def _is_capitalised(word: str) -> bool:
    """`Rare`, `Co-administration`; not `CNS`, `HbA1c` or `3A4`, which titles and sentences share."""
    bare = word.strip(".,;:!?\"'")
    return len(bare) > 1 and bare[0].isupper() and not bare.isupper() and bare[1:].replace("-", "").islower()


def _with_lists(text: str) -> str:
    """Inline bullets (`lead • one • two`) as a `- ` list under the lead."""
    lead, items = split_bullets(text)
    if not items:
        return text
    lines = [lead, ""] if lead else []
    return "\n".join(lines + [f"- {item}" for item in items])


def _string(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    return clean_inline(value) or None if isinstance(value, str) else None


def _strings(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    cleaned = (clean_inline(item) for item in values if isinstance(item, str))
    return list(dict.fromkeys(item for item in cleaned if item))


def _first(value: Any) -> str | None:
    values = _strings(value)
    return values[0] if values else None
