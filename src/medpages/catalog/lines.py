"""Reading a file line by line in bounded memory: a line over the limit is skipped, never held whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterator

MAX_LINE_BYTES = 64 * 1024
_SKIP_CHUNK = 1 << 20
UTF8_BOM = "\ufeff"


@dataclass(slots=True)
class RawLine:
    number: int
    data: bytes | None  # None: longer than the limit, and skipped
    size: int  # bytes, end of line excluded


class LineDecodeError(ValueError):
    """A line that is not UTF-8; the message says where."""


def read_lines(stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[RawLine]:
    """Each line of a binary stream without its `\\n` / `\\r\\n`, numbered from 1.

    `readline(limit)` never returns more than the limit, so a 100 MB file with no newline
    costs at most `max_bytes` plus a 1 MB skip buffer, not 100 MB.
    """
    number = 0
    while True:
        chunk = stream.readline(max_bytes + 1)
        if not chunk:
            return
        number += 1
        ended = chunk.endswith(b"\n")
        if ended or len(chunk) <= max_bytes:
            data = _without_line_end(chunk)
            yield RawLine(number, data, len(data))
            continue
        yield RawLine(number, None, len(chunk) + _skip_rest_of_line(stream))


def _without_line_end(chunk: bytes) -> bytes:
    if chunk.endswith(b"\n"):
        chunk = chunk[:-1]
        if chunk.endswith(b"\r"):
            chunk = chunk[:-1]
    return chunk


def _skip_rest_of_line(stream: BinaryIO) -> int:
    """Read past the end of an over-long line, counting its bytes (end of line excluded)."""
    skipped = 0
    while True:
        chunk = stream.readline(_SKIP_CHUNK)
        if not chunk:
            return skipped
        if chunk.endswith(b"\n"):
            return skipped + len(_without_line_end(chunk))
        skipped += len(chunk)


def decode_line(data: bytes, first_line: bool = False) -> str:
    """A line's text; raises LineDecodeError naming the first byte that is not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = data[error.start]
        raise LineDecodeError(
            f"not valid UTF-8 (byte 0x{bad:02x} at position {error.start + 1}); "
            "save the file as UTF-8"
        ) from None
    # Spreadsheet programs and Notepad start UTF-8 files with a byte-order mark.
    return text[1:] if first_line and text.startswith(UTF8_BOM) else text
