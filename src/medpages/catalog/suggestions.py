"""Names that resolved to nothing, and the closest name the dictionary knows: "did you mean …".

`Paracetmol` -> `paracetamol`, `Ibuprofin` -> `ibuprofen`: a spelling within a small edit
distance of one the dictionary (or the UK names table) has, or a longer name of which the
listed one is the start (`Arnica` -> `arnica montana`). Only a suggestion: the publisher
accepts it (`medpages names --accept`), nothing is changed on a guess.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from functools import cache, lru_cache

from medpages.catalog.canonical import active_moiety, load_dictionary, resolve_ingredient
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
    index = _spellings_by_start_and_length()
    limit = max_distance(len(written))
    best: tuple[int, int, int, str] | None = None
    dictionary = load_dictionary()
    letters = set(written)
    for length in range(len(written) - limit, len(written) + limit + 1):
        for candidate in index.get((written[0], length), ()):
            # One edit changes at most two of the letters used: a cheap bound before the distance.
            if len(letters.symmetric_difference(candidate)) > 2 * limit:
                continue
            distance = edit_distance(written, candidate, limit)
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
def _sorted_spellings() -> tuple[str, ...]:
    return tuple(sorted(spelling for spellings in _spellings_by_start_and_length().values() for spelling in spellings))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent swaps counted as one edit; `limit + 1` once it is beyond `limit`."""
    if a == b:
        return 0
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]
