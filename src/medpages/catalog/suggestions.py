"""Names that resolved to nothing, and the closest name the dictionary knows: "did you mean …".

`Paracetmol` -> `paracetamol`, `Ibuprofin` -> `ibuprofen`: a spelling within a small edit
distance of one the dictionary (or the UK names table) has, or a longer name of which the
listed one is the start (`Arnica` -> `arnica montana`). Only a suggestion: the publisher
accepts it (`medpages names --accept`), nothing is changed on a guess.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from functools import cache, lru_cache

from medpages.catalog.canonical import (
    active_moiety,
    load_dictionary,
    resolve_ingredient,
)
from medpages.catalog.national_names import combination_named, national_names


def unresolved_ingredients(ingredient_names: Sequence[str]) -> list[str]:
    """The listed ingredient names neither the dictionary nor the UK names table resolve."""
    return [name for name in ingredient_names if combination_named(name) is None and resolve_ingredient(name) is None]


def max_distance(length: int) -> int:
    """How many edits a suggestion may be away: one for a name of up to eight letters, two up to
    fourteen, three beyond (two edits turn `arnica` into `aica`, a different drug)."""
    return 1 if length <= 8 else 2 if length <= 14 else 3


@cache
def _spellings_by_start_and_length() -> dict[tuple[str, int], tuple[str, ...]]:
    """Every spelling that resolves to one drug, by its first letter (the letter typos least often
    change) and its length, so a name is compared only with spellings a few edits long from it."""
    dictionary = load_dictionary()
    spellings = {name for name, canonicals in dictionary.variant_to_canonical.items()
                 if len(canonicals) == 1 and canonicals[0] in dictionary.canonical_data}
    spellings |= set(national_names().by_spelling) | set(national_names().combinations)
    index: dict[tuple[str, int], list[str]] = {}
    for spelling in spellings:
        if spelling and len(spelling) <= 60:
            index.setdefault((spelling[0], len(spelling)), []).append(spelling)
    return {key: tuple(sorted(names)) for key, names in index.items()}


@lru_cache(maxsize=4096)
def suggest_spelling(name: str) -> str | None:
    """The closest spelling the dictionary knows for a name it does not, or None if none is close.

    Nearest by edit distance first; among equals, a drug's own name, then the shorter. A name
    that starts a longer one (`Nux vomica` -> `nux vomica extract`) is suggested when no
    spelling is within reach (a drug's own name first: `Arnica` -> `arnica montana`).
    """
    written = " ".join(active_moiety(name).lower().split())
    if len(written) < 3:
        return None
    limit = max_distance(len(written))
    best: tuple[int, int, int, str] | None = None
    dictionary = load_dictionary()
    bag = _letter_bag(written)
    distance_to = _distance_from(written)
    for length in range(len(written) - limit, len(written) + limit + 1):
        for candidate_bag, candidate in _bags_of(written[0], length):
            # An edit changes at most two letters of the names' letters counted with repeats (the
            # bits of their bags that differ): a cheap bound before the distance itself.
            if (bag ^ candidate_bag).bit_count() > 2 * limit:
                continue
            distance = distance_to(candidate)
            if distance <= limit:
                ranked = (distance, 0 if candidate in dictionary.canonical_data else 1, len(candidate), candidate)
                if best is None or ranked < best:
                    best = ranked
    if best is not None:
        return best[3]
    spellings = _sorted_spellings()
    longer = []
    position = bisect.bisect_left(spellings, written + " ")
    while position < len(spellings) and spellings[position].startswith(written + " "):
        longer.append(spellings[position])
        position += 1
    return min(longer, key=lambda c: (c not in dictionary.canonical_data, len(c), c)) if longer else None


@cache
def _bags_of(start: str, length: int) -> tuple[tuple[int, str], ...]:
    """The spellings of one first letter and length, each with its `_letter_bag`."""
    return tuple((_letter_bag(spelling), spelling) for spelling in _spellings_by_start_and_length().get((start, length), ()))


_BAG_REPEATS = 3  # repeats of a letter told apart by a bag: more only loosen the bound, never break it
_bag_bits: dict[str, int] = {}


def _letter_bag(text: str) -> int:
    """The letters of `text` with their repeats (up to `_BAG_REPEATS`) as bits of one integer."""
    bag = 0
    seen: dict[str, int] = {}
    for char in text:
        repeat = seen.get(char, 0)
        if repeat < _BAG_REPEATS:
            seen[char] = repeat + 1
            bit = _bag_bits.get(char)
            if bit is None:
                bit = _bag_bits[char] = len(_bag_bits) * _BAG_REPEATS
            bag |= 1 << (bit + repeat)
    return bag


@cache
def _sorted_spellings() -> tuple[str, ...]:
    return tuple(sorted(spelling for spellings in _spellings_by_start_and_length().values() for spelling in spellings))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent swaps counted as one edit (optimal string alignment);
    `limit + 1` once it is beyond `limit`."""
    return min(_distance_from(a)(b), limit + 1)


def _distance_from(pattern: str) -> Callable[[str], int]:
    """The optimal-string-alignment distance from `pattern` to any text, bit-parallel.

    Hyyrö's algorithm (2003): one column of the edit-distance table is a few integers whose
    bits are the rows, so a text costs a dozen integer operations per character instead of a
    loop over the pattern. Python's integers behave as endless two's complement, so the bits
    below the pattern's length are those of the fixed-width algorithm.
    """
    if not pattern:
        return len
    positions: dict[str, int] = {}
    for index, char in enumerate(pattern):
        positions[char] = positions.get(char, 0) | 1 << index
    last = 1 << (len(pattern) - 1)

    def distance(text: str) -> int:
        vertical_plus, vertical_minus, diagonal, previous_match = -1, 0, 0, 0
        result = len(pattern)
        for char in text:
            match = positions.get(char, 0)
            swapped = ((~diagonal & match) << 1) & previous_match
            diagonal = (((match & vertical_plus) + vertical_plus) ^ vertical_plus) | match | vertical_minus | swapped
            horizontal_plus = vertical_minus | ~(diagonal | vertical_plus)
            horizontal_minus = diagonal & vertical_plus
            if horizontal_plus & last:
                result += 1
            elif horizontal_minus & last:
                result -= 1
            horizontal_plus = (horizontal_plus << 1) | 1
            horizontal_minus <<= 1
            vertical_plus = horizontal_minus | ~(diagonal | horizontal_plus)
            vertical_minus = horizontal_plus & diagonal
            previous_match = match
        return result

    return distance
