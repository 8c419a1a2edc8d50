"""Importing catalogue files (generics.txt, CSV, JSON) into medicines and a line-by-line report.

`import_catalog(paths, sink)` is what `medpages import` calls. Files are read a line at a
time and medicines leave in batches: memory holds one batch and a few hundred bytes per
medicine made (see kept.py), not the medicines. Nothing here writes a file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Callable

from medpages.catalog.builder import BATCH_SIZE, CatalogBuilder, Sink, excerpt, medicine_from_title, with_own_parts
from medpages.catalog.collector import collector_paused
from medpages.catalog.json_items import iter_json_items
from medpages.catalog.lines import MAX_LINE_BYTES, LineDecodeError, RawLine, decode_line, read_lines
from medpages.catalog.records import (
    FIELD_COLUMNS,
    ListedRecord,
    RecordShapeError,
    field_for_column,
    fields_by_priority,
    first_filled,
    record_from_fields,
)
from medpages.catalog.report import CatalogImport, FileProblem, ImportReport, NameAdditions
from medpages.catalog.titles import MAX_TITLE_LENGTH
from medpages.errors import InputError
from medpages.model import Medicine

CSV_DELIMITERS = (",", ";", "\t", "|")
# Formats people export by mistake; the message says what to do instead.
_NOT_A_LIST = {
    ".xlsx": "a spreadsheet", ".xls": "a spreadsheet", ".ods": "a spreadsheet",
    ".numbers": "a spreadsheet", ".docx": "a document", ".doc": "a document",
    ".pdf": "a PDF document", ".zip": "a zip archive",
}
_SNIFF_BYTES = 4096
NAME_COLUMNS = FIELD_COLUMNS["name"] + FIELD_COLUMNS["generic"]

Reader = Callable[[BinaryIO, str, CatalogBuilder], None]

__all__ = ["import_catalog", "medicine_from_title", "read_csv_list", "read_json_list", "read_text_list"]


def import_catalog(
    paths: Iterable[str | os.PathLike[str]],
    sink: Sink | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    resolve_names: bool = True,
    max_title_length: int = MAX_TITLE_LENGTH,
) -> CatalogImport:
    """Import catalogue files in order; a bad line or a bad file never stops the others.

    `.csv`/`.tsv` are read as CSV with a header, `.json` as JSON, anything else as a
    generics.txt list (one name per line). Duplicates and slug collisions are found across
    all the files. `resolve_names=False` skips the drug dictionary (about a second to load).

    With a `sink`, medicines are passed to it in batches of `batch_size`, in listing order,
    as they are made, and are not kept: memory does not grow with the medicines. They share
    their strengths, identifiers and links with others that read alike: store or copy them,
    don't change those in place. A duplicate that lists synonyms or brands for a medicine
    already sent is in `result.additions`, for the caller to add to the stored medicine.
    Without a sink (small lists, tests), `result.medicines` holds every medicine, with
    parts of its own and those names already added.
    """
    paths = list(paths)
    if not paths:
        raise InputError("no catalogue file given: name a generics.txt, .csv or .json file")
    collected: list[Medicine] = []
    report = ImportReport()
    builder = CatalogBuilder(
        report,
        sink if sink is not None else collected.extend,
        batch_size=batch_size,
        resolve_names=resolve_names,
        max_title_length=max_title_length,
    )
    with collector_paused():
        for path in paths:
            source = str(path)
            report.files.append(source)
            try:
                _import_file(Path(path), source, builder)
            except InputError as error:
                report.problems.append(FileProblem(source=source, message=str(error)))
            except OSError as error:
                reason = error.strerror or str(error)
                report.problems.append(FileProblem(source=source, message=f"cannot be read: {reason}"))
        additions = builder.finish()
    report.imported = len(builder.kept)
    if report.imported == 0:
        report.notes.append("no medicine could be imported")
    if sink is not None:
        return CatalogImport(additions=additions, report=report)
    return CatalogImport(
        medicines=_with_additions(collected, additions), origins=builder.kept.origins(), report=report
    )


def _with_additions(medicines: list[Medicine], additions: list[NameAdditions]) -> list[Medicine]:
    """Each medicine with parts of its own and the names later duplicates added to it."""
    position = {medicine.slug: index for index, medicine in enumerate(medicines)} if additions else {}
    owned = [with_own_parts(medicine) for medicine in medicines]
    for names in additions:
        owned[position[names.slug]] = names.added_to(owned[position[names.slug]])
    return owned


def _import_file(path: Path, source: str, builder: CatalogBuilder) -> None:
    if path.is_dir():
        raise InputError("is a folder, not a list of medicines", source=source)
    suffix = path.suffix.lower()
    if suffix in _NOT_A_LIST:
        raise InputError(f"is {_NOT_A_LIST[suffix]}; save it as CSV (.csv) or plain text", source=source)
    reader = _reader_for(suffix)
    with path.open("rb") as stream:
        _refuse_non_utf8_file(stream, source)
        reader(stream, source, builder)


def _reader_for(suffix: str) -> Reader:
    if suffix == ".csv":
        return read_csv_list
    if suffix == ".tsv":
        return lambda stream, source, builder: read_csv_list(stream, source, builder, delimiter="\t")
    if suffix == ".json":
        return read_json_list
    return read_text_list


def _refuse_non_utf8_file(stream: BinaryIO, source: str) -> None:
    """Whole-file encodings that would make every line garbage are refused up front."""
    start = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("is UTF-16 text; save it as UTF-8", source=source)
    if b"\x00" in start:
        raise InputError("is a binary file, not text; save the list as UTF-8 text or CSV", source=source)


# --------------------------------------------------------------------------- generics.txt


def read_text_list(stream: BinaryIO, source: str, builder: CatalogBuilder) -> None:
    """generics.txt: one medicine per line; blank lines skipped; each line checked on its own."""
    report = builder.report
    lines_read = 0  # counted here, not on the report: a pydantic attribute costs more per line
    try:
        for raw in read_lines(stream):
            lines_read += 1
            text = _decoded(raw, source, builder)
            if text is None:
                continue
            if not text.strip():
                report.blank_lines += 1
                continue
            builder.add_name(text.strip(), source, raw.number)
    finally:
        report.lines_read += lines_read


def _decoded(raw: RawLine, source: str, builder: CatalogBuilder) -> str | None:
    """The line's text, or None after rejecting it (over-long or not UTF-8)."""
    if raw.data is None:
        builder.reject(source, raw.number, _too_long(raw.size))
        return None
    try:
        return decode_line(raw.data, first_line=raw.number == 1)
    except LineDecodeError as error:
        builder.reject(source, raw.number, str(error), raw.data[:80].decode("utf-8", "replace"))
        return None


def _too_long(size: int) -> str:
    return f"line is {size:,} bytes long; lines over {MAX_LINE_BYTES:,} bytes are skipped unread"


# --------------------------------------------------------------------------- CSV


def read_csv_list(
    stream: BinaryIO, source: str, builder: CatalogBuilder, delimiter: str | None = None
) -> None:
    """CSV with a header row; see records.FIELD_COLUMNS for the columns that are understood."""
    report = builder.report
    unreadable: dict[int, str] = {}  # lines the csv module is shown as empty, and why

    def text_lines() -> Iterator[str]:
        for raw in read_lines(stream):
            if raw.data is None:
                unreadable[raw.number] = _too_long(raw.size)
                yield "\n"
                continue
            try:
                yield decode_line(raw.data, first_line=raw.number == 1) + "\n"
            except LineDecodeError as error:
                unreadable[raw.number] = str(error)
                yield "\n"

    lines = text_lines()
    header_line = next(lines, None)
    if header_line is None or not header_line.strip():
        raise InputError("the CSV file has no header row; the first line must name the columns", source=source)
    if 1 in unreadable:
        raise InputError(f"the header row cannot be read: {unreadable[1]}", source=source, line=1)
    delimiter = delimiter or _guess_delimiter(header_line)
    reader = csv.reader(_chain([header_line], lines), delimiter=delimiter)
    header = next(reader)
    columns = _columns(header, source, report)
    end_of_previous = reader.line_num
    while True:
        try:
            row = next(reader, None)
        except csv.Error as error:
            builder.reject(source, reader.line_num, f"malformed CSV: {error}")
            end_of_previous = reader.line_num
            continue
        if row is None:
            break
        first_line, end_of_previous = end_of_previous + 1, reader.line_num
        report.lines_read += reader.line_num - first_line + 1
        for number in range(first_line, reader.line_num + 1):
            if number in unreadable:
                builder.reject(source, number, unreadable.pop(number))
        if not any(cell.strip() for cell in row):
            report.blank_lines += 1
            continue
        if len(row) > len(header):
            builder.reject(
                source,
                first_line,
                f"{len(row)} cells but the header has {len(header)}; "
                f"a name containing {_shown(delimiter)} must be in double quotes",
                delimiter.join(row),
            )
            continue
        values = {name: first_filled([row[i] for i in indexes if i < len(row)]) for name, indexes in columns.items()}
        builder.add(record_from_fields(values), source, first_line)


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _guess_delimiter(header_line: str) -> str:
    """The most frequent of , ; tab | in the header (spreadsheets in many locales use ;)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in CSV_DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _shown(delimiter: str) -> str:
    return {"\t": "a tab", ",": "a comma", ";": "a semicolon", "|": "a |"}[delimiter]


def _columns(header: list[str], source: str, report: ImportReport) -> dict[str, list[int]]:
    """field -> its column positions, from the header row; unused columns are noted."""
    columns = fields_by_priority(header)
    if "name" not in columns and "generic" not in columns:
        raise InputError(
            f"no column for the medicine name in the header ({', '.join(repr(c) for c in header)}); "
            f"name one column {', '.join(NAME_COLUMNS[:4])} (or {', '.join(NAME_COLUMNS[4:])})",
            source=source,
            line=1,
        )
    ignored = [cell.strip() for cell in header if cell.strip() and field_for_column(cell) is None]
    if ignored:
        report.notes.append(f"{source}: column(s) not used: {', '.join(repr(c) for c in ignored)}")
    return columns


# --------------------------------------------------------------------------- JSON


def read_json_list(stream: BinaryIO, source: str, builder: CatalogBuilder) -> None:
    """JSON: a list of names or of objects with the CSV column names as keys, or `{"medicines": [...]}`."""
    report = builder.report
    ignored_keys: set[str] = set()
    try:
        for item in iter_json_items(stream, source):
            report.lines_read += 1
            record = _record_from_json(item.value, ignored_keys)
            if isinstance(record, str):
                builder.reject(source, item.line, record, _json_excerpt(item.value))
            else:
                builder.add(record, source, item.line)
    finally:
        if ignored_keys:
            report.notes.append(f"{source}: key(s) not used: {', '.join(sorted(ignored_keys))}")


def _record_from_json(value: Any, ignored_keys: set[str]) -> ListedRecord | str:
    """The record an item stands for, or the reason it cannot be one."""
    if isinstance(value, str):
        if not value.strip():
            return "empty medicine name"
        return ListedRecord(name=value)
    if not isinstance(value, dict):
        return "an item must be a medicine name (text) or an object with a name"
    keys = list(value)
    ignored_keys.update(key for key in keys if field_for_column(key) is None)
    fields = {
        name: first_filled([value[keys[i]] for i in indexes]) for name, indexes in fields_by_priority(keys).items()
    }
    if not (fields.get("name") or fields.get("generic")):
        return f"an object needs a name: one of the keys {', '.join(NAME_COLUMNS[:4])}"
    try:
        return record_from_fields(fields)
    except RecordShapeError as error:
        return str(error)


def _json_excerpt(value: Any) -> str:
    return excerpt(repr(value))
