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

from medpages.catalog.canonical import resolve_name

# Trailing words that name a salt, ester or hydrate rather than the active moiety.
SALT_WORDS = frozenset(
    """hydrochloride hcl dihydrochloride hydrobromide hbr hydroiodide sodium disodium potassium
    dipotassium calcium magnesium zinc lithium aluminum besylate besilate maleate mesylate mesilate
    dimesylate succinate sulfate sulphate bisulfate hemisulfate phosphate diphosphate acetate
    diacetate citrate tartrate bitartrate fumarate hemifumarate monohydrate dihydrate trihydrate
    sesquihydrate hemihydrate hydrate anhydrous hyclate bromide dipropionate propionate valerate
    nitrate lactate gluconate tosylate malate oxalate pamoate embonate stearate palmitate
    benzoate salicylate xinafoate furoate tromethamine meglumine usp nf bp ep
    trometamol epolamine lysine arginine butyrate enanthate cypionate undecanoate decanoate""".split()
)
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
