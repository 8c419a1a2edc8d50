"""What one catalogue row or JSON object may say, and the column names that mean each field.

Column names are matched ignoring case, spaces, `_` and `-` (`Generic_Name` = `generic name`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

# field -> the column names (or JSON keys) that mean it. The first listed is the preferred one.
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("title", "name", "medicine", "medicine name", "product", "product name", "drug",
             "drug name", "item"),
    "generic": ("generic", "generic name", "inn", "active ingredient", "active ingredients",
                "ingredients"),
    "strength": ("strength", "strengths", "dose", "dosage strength"),
    "form": ("form", "dosage form", "formulation"),
    "synonyms": ("synonyms", "synonym", "aliases", "alias", "other names", "also known as"),
    "brands": ("brands", "brand", "brand name", "brand names", "trade name", "trade names"),
}
_COLUMN_TO_FIELD = {column: name for name, columns in FIELD_COLUMNS.items() for column in columns}
_LIST_SEPARATOR = re.compile(r"\s*[;|,]\s*")
# A quoted CSV cell or a JSON string may wrap: its line breaks and tabs are spaces.
_CELL_BREAKS = re.compile(r"[\r\n\t]+")


def normalise_column(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").replace("_", " ").replace("-", " ").lower().split())


def field_for_column(header: str) -> str | None:
    """The field a column header means, or None for a column medpages does not use."""
    return _COLUMN_TO_FIELD.get(normalise_column(header))


def column_priority(header: str) -> int:
    """Among several columns for one field, the lower number is read first (`title`, then `name`)."""
    name = field_for_column(header)
    return FIELD_COLUMNS[name].index(normalise_column(header)) if name else len(_COLUMN_TO_FIELD)


def fields_by_priority(headers: list[str]) -> dict[str, list[int]]:
    """field -> the positions of its columns, most preferred first; the first non-empty wins.

    `name` and `title` both mean the name: a row with an empty `title` cell uses `name`.
    """
    fields: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        name = field_for_column(header)
        if name is not None:
            fields.setdefault(name, []).append(index)
    for positions in fields.values():
        positions.sort(key=lambda index: column_priority(headers[index]))
    return fields


def first_filled(values: list[Any]) -> Any:
    """The first value that is not empty (None, "" or blank), else the first value."""
    for value in values:
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value
    return values[0] if values else None


@dataclass
class ListedRecord:
    """One medicine as a row or object lists it, before any cleaning."""

    name: str = ""
    generic: str = ""
    strength: str = ""
    form: str = ""
    synonyms: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)

    def listed_name(self) -> str:
        """The name as the original list would carry it: name, then strength and form if not in it.

        Without the strength, `Paracetamol` at 500 mg and at 650 mg would be one medicine.
        No name at all gives "" (a strength alone is not a medicine).
        """
        name = self.name or self.generic
        if not name.strip():
            return ""
        parts = [name]
        for extra in (self.strength, self.form):
            if extra and extra.lower() not in name.lower():
                parts.append(extra)
        return " ".join(part.strip() for part in parts if part.strip())


def union_names(first: Sequence[str], second: Sequence[str]) -> list[str]:
    """Both lists of names in order, without repeats that differ only by case."""
    if not second or not first:
        return list(first or second)
    seen = {name.casefold() for name in first}
    merged = list(first)
    for name in second:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            merged.append(name)
    return merged


class RecordShapeError(ValueError):
    """A value of the wrong type (a number where a name should be); the message says which."""


def record_from_fields(values: Mapping[str, Any]) -> ListedRecord:
    """A record from `field -> value` (CSV cells or JSON values), checking each value's type."""
    record = ListedRecord()
    for name in ("name", "generic", "strength", "form"):
        value = values.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise RecordShapeError(f'"{name}" must be text, not {_json_type(value)}')
        setattr(record, name, _one_line(str(value)))
    record.synonyms = _names_list(values.get("synonyms"), "synonyms")
    record.brands = _names_list(values.get("brands"), "brands")
    return record


def _names_list(value: Any, name: str) -> list[str]:
    """`"a; b"`, `"a, b"` or `["a", "b"]` -> `["a", "b"]`."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in _LIST_SEPARATOR.split(_one_line(value)) if part]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [_one_line(item) for item in value if item.strip()]
    raise RecordShapeError(f'"{name}" must be text or a list of texts, not {_json_type(value)}')


def _one_line(text: str) -> str:
    return _CELL_BREAKS.sub(" ", text).strip() if ("\n" in text or "\t" in text or "\r" in text) else text.strip()


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
