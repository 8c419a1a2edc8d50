"""The spelling suggestions' fast scan gives what comparing the name with every spelling of the
dictionary gives, for misspellings of real names and for names close to none."""

from __future__ import annotations

import random
import re

import pytest

from medpages.catalog.canonical import active_moiety, load_dictionary
from medpages.catalog.suggestions import (
    MAX_SPELLING_LENGTH,
    _letter_bag,
    _sorted_spellings,
    edit_distance,
    max_distance,
    suggest_spelling,
)


def _suggestion_by_comparing_every_spelling(name: str) -> str | None:
    """The oracle: `suggest_spelling` as its docstring defines it, every spelling compared in turn."""
    written = " ".join(active_moiety(name).lower().split())
    if len(written) < 3:
        return None
    limit = max_distance(len(written))
    canonical = load_dictionary().canonical_data
    ranked = [
        (distance, candidate not in canonical, len(candidate), candidate)
        for candidate in _sorted_spellings()
        if candidate[0] == written[0] and abs(len(candidate) - len(written)) <= limit
        and (distance := edit_distance(written, candidate, limit)) <= limit
    ]
    if ranked:
        return min(ranked)[3]
    longer = [candidate for candidate in _sorted_spellings() if candidate.startswith(written + " ")]
    return min(longer, key=lambda c: (c not in canonical, len(c), c)) if longer else None


def _misspellings(count: int, seed: int) -> list[str]:
    """Names of the dictionary with one to three letters dropped, doubled, swapped or changed,
    and names made up of syllables, as lists write them."""
    rng = random.Random(seed)
    names = [name for name in _sorted_spellings() if re.fullmatch(r"[a-z][a-z -]{3,40}", name)]
    made = []
    for name in rng.sample(names, count):
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            at = rng.randrange(1, len(name) - 1)
            name = rng.choice([
                name[:at] + name[at + 1:],
                name[:at] + name[at] + name[at:],
                name[:at] + name[at + 1] + name[at] + name[at + 2:],
                name[:at] + rng.choice("aeioulnrstxz") + name[at + 1:],
            ])
        made.append(name.title())
    syllables = ["ba", "ce", "di", "fo", "ga", "ke", "li", "mo", "nu", "pra", "ro", "sta", "ti", "vo", "xa", "zy"]
    made += ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 5))).capitalize() for _ in range(count // 4)]
    return made


@pytest.mark.parametrize("seed", [1, 2])
def test_the_scan_suggests_what_comparing_every_spelling_suggests(seed: int) -> None:
    names = _misspellings(150, seed)
    suggest_spelling.cache_clear()
    assert [suggest_spelling(name) for name in names] == [_suggestion_by_comparing_every_spelling(n) for n in names]


@pytest.mark.parametrize("name", [
    "Paracetmol", "Ibuprofin", "Arnica", "Nux vomica", "Amoxicilin Trihydrate", "Co-amoxiclv", "Glyceryl trinitate",
    "Vitamin B-12 Sodium", "Aluminum Sesquiclhorohydrate", "Zz", "Éphédrine", "Ibu\u00adprofen", "X" * 61,
    "a" * 70, "Paracetamol" * 5, "3-hydroxy butyrate", "Qqqqqqqqqqqq",
])
def test_odd_names_get_the_same_suggestion_as_comparing_every_spelling(name: str) -> None:
    assert suggest_spelling(name) == _suggestion_by_comparing_every_spelling(name)


def test_a_bag_differs_by_at_most_two_bits_per_edit() -> None:
    """The bound the scan relies on, for each kind of edit, with repeats and unusual characters."""
    rng = random.Random(5)
    alphabet = "aaabcdeeilmnorstuxyz -1é+"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(3, MAX_SPELLING_LENGTH)))
        at = rng.randrange(len(text) - 1)
        edited = rng.choice([
            text[:at] + text[at + 1:],
            text[:at] + rng.choice(alphabet) + text[at:],
            text[:at] + rng.choice(alphabet) + text[at + 1:],
            text[:at] + text[at + 1] + text[at] + text[at + 2:],
        ])
        assert (_letter_bag(text) ^ _letter_bag(edited)).bit_count() <= 2, (text, edited)
