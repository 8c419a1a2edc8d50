"""The items of a JSON catalogue read one at a time, so a large file is never held whole.

Accepts a list (`[...]`) or an object with a `medicines` list; each item comes with the line
it starts on. Malformed JSON raises InputError naming the line and column.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator

from medpages.errors import InputError

CHUNK_BYTES = 1 << 16
MAX_ITEM_CHARS = 1 << 20
# A catalogue item is a name or an object of names and lists: three levels. Much deeper is a
# broken or hostile file (Python's JSON decoder recurses, and fails past about 1,000 levels).
MAX_ITEM_DEPTH = 32
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\Z)|[\[\]{}]', re.S)
_NON_SPACE = re.compile(r"[^ \t\r\n]")
_DECODER = json.JSONDecoder()
SHAPE_HELP = 'expected a list of medicines ([...]) or an object with a "medicines" list'


@dataclass(slots=True)
class JsonItem:
    line: int
    value: Any


class _Window:
    """Decoded text from the stream, with the line and column of its first character."""

    def __init__(self, stream: BinaryIO, source: str):
        # Invalid UTF-8 becomes lone surrogates: the item holding them is rejected by the
        # title checks with its line number, instead of failing the whole file.
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")("surrogateescape")
        self._stream = stream
        self.source = source
        self.text = ""
        self.pos = 0
        self.line = 1  # of text[0]
        self.column = 1  # of text[0]
        self.at_end = False
        # where() resumes counting from here: an index, its line, where that line starts.
        self._mark, self._mark_line, self._mark_line_start = 0, 1, None

    def fill(self) -> bool:
        """Read more text; False once the stream is exhausted."""
        if self.at_end:
            return False
        self._drop_consumed()
        data = self._stream.read(CHUNK_BYTES)
        self.text += self._decoder.decode(data, final=not data)
        self.at_end = not data
        return bool(data)

    def _drop_consumed(self) -> None:
        self.line, self.column = self.where(self.pos)
        self.text = self.text[self.pos:]
        self.pos = 0
        self._mark, self._mark_line, self._mark_line_start = 0, self.line, None

    def where(self, index: int | None = None) -> tuple[int, int]:
        """Line and column of `text[index]`, counting only the text since the last call.

        Counting from the start of the window every time would make reading a list of n
        items cost n times the window.
        """
        index = self.pos if index is None else index
        if index < self._mark:
            self._mark, self._mark_line, self._mark_line_start = 0, self.line, None
        newlines = self.text.count("\n", self._mark, index)
        if newlines:
            self._mark_line += newlines
            self._mark_line_start = self.text.rfind("\n", self._mark, index) + 1
        self._mark = index
        if self._mark_line_start is None:
            return self._mark_line, self.column + index
        return self._mark_line, index - self._mark_line_start + 1

    def error(self, message: str, index: int | None = None) -> InputError:
        line, column = self.where(index)
        return InputError(f"column {column}: {message}", source=self.source, line=line)

    def peek(self) -> str | None:
        """The next character that is not white space (not consumed); None at the end."""
        while True:
            match = _NON_SPACE.search(self.text, self.pos)
            if match:
                self.pos = match.start()
                return self.text[self.pos]
            self.pos = len(self.text)
            if not self.fill() and self.pos >= len(self.text):
                return None

    def take(self, expected: str, message: str) -> None:
        if self.peek() != expected:
            raise self.error(message)
        self.pos += 1

    def value(self) -> Any:
        """Decode the JSON value at the cursor, reading more text until it is complete."""
        if self.peek() is None:
            raise self.error("the file ends where a value was expected")
        while True:
            if self.text[self.pos] in "[{" and _too_deep(self.text, self.pos):
                raise self.error(f"an item nested more than {MAX_ITEM_DEPTH} levels deep "
                                 "(a medicine is a name or an object of names)")
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as problem:
                if self.at_end:
                    raise self.error(f"malformed JSON: {problem.msg}", problem.pos) from None
                self._read_more()
                continue
            # `12` at the end of the text may be `123` once the next chunk is read.
            if end == len(self.text) and not self.at_end:
                self._read_more()
                continue
            self.pos = end
            return value

    def _read_more(self) -> None:
        if len(self.text) - self.pos > MAX_ITEM_CHARS:
            raise self.error(f"an item longer than {MAX_ITEM_CHARS:,} characters")
        self.fill()


def _too_deep(text: str, start: int) -> bool:
    """Whether the value at `start` opens more than MAX_ITEM_DEPTH brackets (strings skipped).

    Looks only as far as the value (or the text read so far) goes.
    """
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text, start):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_ITEM_DEPTH:
                return True
        elif token in "]}":
            depth -= 1
            if depth <= 0:
                return False
    return False


def iter_json_items(stream: BinaryIO, source: str) -> Iterator[JsonItem]:
    """Each item of the catalogue's list, in order, with the line it starts on."""
    window = _Window(stream, source)
    first = window.peek()
    if first == "[":
        yield from _list_items(window)
    elif first == "{":
        yield from _medicines_in_object(window)
    elif first is None:
        raise InputError("the JSON file is empty; " + SHAPE_HELP, source=source)
    else:
        raise window.error(SHAPE_HELP)
    if window.peek() is not None:
        raise window.error("unexpected text after the end of the list")


def _list_items(window: _Window) -> Iterator[JsonItem]:
    window.take("[", "expected a list ([...])")
    if window.peek() == "]":
        window.pos += 1
        return
    while True:
        if window.peek() is None:
            raise window.error("the file ends inside the list (a ] is missing)")
        line, _ = window.where()
        yield JsonItem(line, window.value())
        following = window.peek()
        if following == ",":
            window.pos += 1
        elif following == "]":
            window.pos += 1
            return
        elif following is None:
            raise window.error("the file ends inside the list (a ] is missing)")
        else:
            raise window.error("expected , or ] after an item")


def _medicines_in_object(window: _Window) -> Iterator[JsonItem]:
    window.take("{", SHAPE_HELP)
    found = False
    while window.peek() != "}":
        if window.peek() is None:
            raise window.error("the file ends inside the object (a } is missing)")
        key_index = window.pos
        key = window.value()
        if not isinstance(key, str):
            raise window.error("expected a quoted key", key_index)
        window.take(":", "expected : after a key")
        if key.strip().lower() == "medicines":
            if window.peek() != "[":
                raise window.error('"medicines" must be a list ([...])')
            found = True
            yield from _list_items(window)
        else:
            window.value()  # other keys (a version, a title) are allowed and ignored
        if window.peek() == ",":
            window.pos += 1
        elif window.peek() != "}":
            raise window.error("expected , or } after a value")
    window.pos += 1
    if not found:
        raise window.error('the object has no "medicines" list; ' + SHAPE_HELP)
