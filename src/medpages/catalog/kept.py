"""What an import remembers of each medicine it has made, once the medicine itself is sent on.

An import of 100,000 lines must find duplicates and taken slugs across the whole list without
keeping 100,000 `Medicine`s (about 5 KB each). It keeps, per medicine, a few hundred bytes:
its duplicate key and slug as 64-bit hashes, its title packed as UTF-8 (merge and collision
reports name the first listing), and the file and line it came from.

A hash found again is checked against the title it stands for, so two keys or slugs that
share a hash are told apart exactly: a medicine is never merged or renamed by a coincidence,
and the result does not depend on the process's hash seed.
"""

from __future__ import annotations

from array import array

from medpages.catalog.report import LineRef
from medpages.catalog.slug import slugify
from medpages.catalog.titles import duplicate_key


class KeptIndex:
    """Medicines numbered 0, 1, 2, … in the order they were made, findable by key and by slug."""

    def __init__(self) -> None:
        self._by_key: dict[int, int] = {}  # hash(duplicate key) -> number
        self._by_slug: dict[int, int] = {}  # hash(slug) -> number
        # Keys and slugs whose hash another one already had (practically never): exact text.
        self._other_keys: dict[str, int] = {}
        self._other_slugs: dict[str, int] = {}
        self._renamed: dict[int, str] = {}  # number -> slug, for slugs that are not slugify(title)
        self._titles = bytearray()
        self._title_ends = array("Q")
        self._lines = array("Q")
        self._sources = array("I")
        self._source_numbers: dict[str, int] = {}
        self._source_names: list[str] = []

    def __len__(self) -> int:
        return len(self._lines)

    def add(self, key: str, slug: str, title: str, source: str, line: int, *, renamed: bool = False) -> int:
        """Remember a new medicine; returns its number. `renamed`: its slug is not `slugify(title)`."""
        number = len(self._lines)
        key_hash, slug_hash = hash(key), hash(slug)
        if key_hash in self._by_key:
            self._other_keys[key] = number
        else:
            self._by_key[key_hash] = number
        if slug_hash in self._by_slug:
            self._other_slugs[slug] = number
        else:
            self._by_slug[slug_hash] = number
        if renamed:
            self._renamed[number] = slug
        self._titles += title.encode("utf-8", "surrogatepass")
        self._title_ends.append(len(self._titles))
        self._lines.append(line)
        self._sources.append(self._source_number(source))
        return number

    def with_key(self, key: str) -> int | None:
        """The medicine with this duplicate key, if one was made."""
        if self._other_keys and key in self._other_keys:
            return self._other_keys[key]
        number = self._by_key.get(hash(key))
        if number is None or duplicate_key(self.title(number)) != key:
            return None
        return number

    def with_slug(self, slug: str) -> int | None:
        """The medicine that has this slug, if any."""
        if self._other_slugs and slug in self._other_slugs:
            return self._other_slugs[slug]
        number = self._by_slug.get(hash(slug))
        if number is None or self.slug(number) != slug:
            return None
        return number

    def title(self, number: int) -> str:
        start = self._title_ends[number - 1] if number else 0
        return self._titles[start:self._title_ends[number]].decode("utf-8", "surrogatepass")

    def slug(self, number: int) -> str:
        return self._renamed.get(number) or slugify(self.title(number))

    def origin(self, number: int) -> LineRef:
        return LineRef(source=self._source_names[self._sources[number]], line=self._lines[number])

    def origins(self) -> list[LineRef]:
        return [self.origin(number) for number in range(len(self))]

    def _source_number(self, source: str) -> int:
        number = self._source_numbers.get(source)
        if number is None:
            number = self._source_numbers[source] = len(self._source_names)
            self._source_names.append(source)
        return number
