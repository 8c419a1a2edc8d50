"""What text every supported database can keep: no NUL characters and no lone surrogates.

PostgreSQL refuses U+0000 in text and JSON, and no database can encode a lone surrogate as
UTF-8, so such values are rejected with a message naming the field, never silently altered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

from medpages.errors import InputError


class SerializedJSON(str):
    """JSON text already serialised, passed to a JSON column as it is (see `database._json_dumps`)."""


def serialize_model(model: BaseModel, *, what: str) -> tuple[SerializedJSON, str]:
    """The model as JSON text, and the SHA-256 of that text.

    Pydantic writes fields in declaration order and dicts in insertion order, so a model read
    back from the store serialises to the same text. Raises InputError, naming `what` and the
    field, when a string in the model cannot be stored.
    """
    try:
        text = model.model_dump_json()
    except PydanticSerializationError:  # a lone surrogate: the walk below names the field
        require_storable(model.model_dump(mode="json"), what=what)
        raise
    # JSON writes U+0000 as the escape \u0000; the substring may also come from a literal
    # backslash, so the walk decides.
    if "\\u0000" in text:
        require_storable(model.model_dump(mode="json"), what=what)
    return SerializedJSON(text), hashlib.sha256(text.encode("utf-8")).hexdigest()


def require_storable(value: Any, *, what: str) -> None:
    """Raise InputError if a string anywhere in `value` holds NUL or a lone surrogate."""
    for location, text in _strings(value, ""):
        problem = unstorable_reason(text)
        if problem:
            where = f"{what} {location}".rstrip() if location else what
            raise InputError(f"{where}: {problem}")


def unstorable_reason(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (U+0000), which the database cannot store as text"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"contains {text[error.start]!r}, a lone surrogate that is not valid Unicode"
    return None


def storable_label(text: str) -> str:
    """A path or message made storable by escaping what cannot be stored, for raw documents."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


def raw_bytes(content: str | bytes) -> bytes:
    """The bytes of a raw document; text read with errors="surrogateescape" gets its bytes back."""
    if isinstance(content, bytes):
        return content
    try:
        return content.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return content.encode("utf-8", "surrogatepass")


def _strings(value: Any, location: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield location, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield f"{location}.{key}".lstrip("."), str(key)
            yield from _strings(item, f"{location}.{key}".lstrip("."))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{location}[{index}]")
