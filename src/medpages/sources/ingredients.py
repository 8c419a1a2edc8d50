"""Ingredient names on labels (`ATORVASTATIN CALCIUM TRIHYDRATE`) -> the catalogue's canonical names.

Labels map to catalogue medicines by these names, so both sides go through the catalogue's
resolver (`medpages.catalog.canonical`): a name it knows becomes its generic, lower-cased
(`paracetamol` and `ACETAMINOPHEN` both give `acetaminophen`). A name it does not know
loses its trailing salt and hydrate words (`FOOBARINE HYDROCHLORIDE` -> `foobarine`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from medpages.catalog.canonical import SALT_WORDS as CATALOGUE_SALT_WORDS
from medpages.catalog.canonical import resolve_name

# Trailing words that name a salt, ester or hydrate rather than the active moiety: the catalogue's
# list, so that both sides of a match strip the same words, and the pharmacopoeia marks labels add
# (`IBUPROFEN USP`).
SALT_WORDS = CATALOGUE_SALT_WORDS | {"usp", "nf", "bp", "ep"}
_PUNCTUATION = re.compile(r"[,;]+")
MAX_INGREDIENT_LENGTH = 200


@lru_cache(maxsize=65536)
def canonical_ingredient(name: str) -> str:
    """The canonical, lower-case name of one ingredient as a label or a catalogue writes it."""
    written = " ".join(_PUNCTUATION.sub(" ", name).split())
    if not written:
        return ""
    drug = resolve_name(written)
    if drug is not None:
        return drug.name.lower()
    return strip_salt_words(written).lower()


def strip_salt_words(name: str) -> str:
    """`Foobarine Hydrochloride Monohydrate` -> `Foobarine`; the first word always stays."""
    words = name.split()
    while len(words) > 1 and words[-1].lower().strip(".") in SALT_WORDS:
        words.pop()
    return " ".join(words)


def canonical_ingredients(names: Iterable[str]) -> list[str]:
    """Canonical names of several ingredients: sorted, without repeats or blanks."""
    return sorted({canonical for canonical in (canonical_ingredient(name) for name in names) if canonical})


def ingredients_key(ingredients: Iterable[str]) -> str:
    """One string for a set of canonical ingredients: `amoxicillin + clavulanic acid`."""
    return " + ".join(sorted(set(ingredients)))
