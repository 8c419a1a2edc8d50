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
from itertools import repeat

from medpages.catalog.canonical import (
    active_moiety,
    listed_combination,
    load_dictionary,
    resolve_ingredient,
)
from medpages.catalog.national_names import national_names


def unresolved_ingredients(ingredient_names: Sequence[str]) -> list[str]:
    """The listed ingredient names neither the dictionary nor the UK names table resolve."""
    return [name for name in ingredient_names if listed_combination(name) is None and resolve_ingredient(name) is None]


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
        if spelling and len(spelling) <= MAX_SPELLING_LENGTH:
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
    bag = _letter_bag(written) if len(written) - limit <= MAX_SPELLING_LENGTH else 0
    distance_to = _distance_from(written)
    # Spellings of the name's length first, then one letter shorter or longer, and so on: a spelling
    # `apart` letters longer or shorter is at least that many edits away, so once one closer than
    # that is found, the rest cannot come first.
    for apart in range(limit + 1):
        if best is not None and best[0] < apart:
            break
        for length in {len(written) - apart, len(written) + apart}:
            if length > MAX_SPELLING_LENGTH:
                continue
            # An edit changes at most two letters of the names' letters counted with repeats (the
            # bits of their bags that differ): a cheap bound before the distance itself.
            within = 2 * (limit if best is None else best[0])
            for candidate_bag, candidate in _bucket(written[0], length):
                if (bag ^ candidate_bag).bit_count() > within:
                    continue
                distance = distance_to(candidate)
                if distance <= limit:
                    ranked = (distance, 0 if candidate in dictionary.canonical_data else 1, len(candidate), candidate)
                    if best is None or ranked < best:
                        best = ranked
                        within = 2 * distance
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
def _bucket(start: str, length: int) -> tuple[tuple[int, str], ...]:
    """The spellings of one first letter and length, each with its `_letter_bag`."""
    spellings = _spellings_by_start_and_length().get((start, length), ())
    return tuple(zip(map(_letter_bag, spellings), spellings))


# A bag: per character, how many times it occurs (once, twice, three times or more) as one, two
# or three bits of its own byte. Letters, space and hyphen each have a byte; every other character
# shares one (which only makes the bound looser, never wrong). Counting is done by adding each
# character's byte weight, so the dictionary's 100,000 bags cost a few C calls each, not a loop
# per character.
_BAG_CHARACTERS = "abcdefghijklmnopqrstuvwxyz -"
_BAG_BYTES = len(_BAG_CHARACTERS) + 1
_OTHER_WEIGHT = 1 << (8 * len(_BAG_CHARACTERS))
_WEIGHTS: dict[str, int] = {char: 1 << (8 * slot) for slot, char in enumerate(_BAG_CHARACTERS)}
_REPEATS_AS_BITS = bytes([0b000, 0b001, 0b011] + [0b111] * 253)
# Counts are kept in bytes: a name longer than this could carry one into the next character's.
MAX_SPELLING_LENGTH = 60


def _letter_bag(text: str) -> int:
    """The characters of `text` (at most `MAX_SPELLING_LENGTH` + 3) with their repeats, up to three, as bits."""
    counts = sum(map(_WEIGHTS.get, text, repeat(_OTHER_WEIGHT)))
    return int.from_bytes(counts.to_bytes(_BAG_BYTES, "little").translate(_REPEATS_AS_BITS), "little")


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
