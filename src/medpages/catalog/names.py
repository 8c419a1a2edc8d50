"""Reading a listed medicine name: its ingredients, strengths and dosage form.

`Amoxicillin + Clavulanic Acid 625mg Tablets` -> ingredients `Amoxicillin`, `Clavulanic Acid`,
strength 625 mg, form `tablet`. The title itself is never changed; this is only an analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from medpages.model import Strength

# --------------------------------------------------------------------------- strengths

# `1,000` is one thousand (a comma before exactly three digits groups thousands); `2,5` is
# two and a half (a European decimal comma); `.5` and `0.5` are a half.
_AMOUNT = r"(?:\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+)"

# Longest spellings first so `mcg` is not read as `m` + ... and `gm` not as `g` + `m`.
_UNIT_SPELLINGS: dict[str, str] = {
    "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg",
    # Written out, as UK lists do for micrograms to avoid mg/mcg mix-ups (`Levothyroxine 25 microgram`).
    "micrograms": "mcg", "microgram": "mcg", "milligrams": "mg", "milligram": "mg", "nanograms": "ng",
    "nanogram": "ng", "grams": "g", "gram": "g", "millilitres": "ml", "millilitre": "ml", "milliliters": "ml",
    "milliliter": "ml",
    "mg": "mg", "ng": "ng", "kg": "kg", "gms": "g", "gm": "g", "g": "g",
    "i.u.": "IU", "iu": "IU", "units": "unit", "unit": "unit", "u": "unit",
    "meq": "mEq", "mmol": "mmol", "%": "%", "ml": "ml", "l": "l",
}
_PER_UNIT_SPELLINGS: dict[str, str] = {
    "ml": "ml", "millilitres": "ml", "millilitre": "ml", "milliliters": "ml", "milliliter": "ml", "l": "l",
    "g": "g", "gm": "g", "gram": "g", "mg": "mg",
    "dose": "dose", "doses": "dose", "actuation": "actuation", "puff": "puff", "spray": "spray",
    "drop": "drop", "hours": "h", "hour": "h", "hrs": "h", "hr": "h", "h": "h",
    "tablet": "tablet", "tab": "tablet", "capsule": "capsule",
    "cap": "capsule", "vial": "vial", "ampoule": "ampoule", "amp": "ampoule", "sachet": "sachet",
}
_MASS_UNITS = frozenset({"mg", "g", "mcg", "ng", "kg"})


def _alternation(spellings: dict[str, str]) -> str:
    """A regex alternative of the spellings, longest first, any run of spaces inside."""
    ordered = sorted(spellings, key=len, reverse=True)
    return "|".join(re.escape(s).replace(r"\ ", r"\s+") for s in ordered)


# The amounts are atomic (`(?>...)`): a unit can never follow part of a number, so giving
# digits back after a failed unit only wasted time (it was most of the cost of `Pack 120`).
_STRENGTH = re.compile(
    rf"(?<![\w.,])(?P<amount>(?>{_AMOUNT}))"
    rf"(?:\s*/\s*(?P<second>(?>{_AMOUNT})))?"  # `800/160mg`: a combination of two amounts
    rf"\s*(?P<unit>{_alternation(_UNIT_SPELLINGS)})"
    r"(?P<wv>\s*[wv]/[wv])?"  # `1% w/w` keeps its w/w in the text
    rf"(?:\s*(?:/|\bper\b)\s*(?P<per_amount>{_AMOUNT})?\s*"
    rf"(?P<per_unit>{_alternation(_PER_UNIT_SPELLINGS)}))?"
    r"(?![^\W\d_])",  # the unit must end the word: `5 mgx` and `2 gel` are not strengths
    re.IGNORECASE,
)


_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _number(text: str) -> float:
    if "," not in text:
        return float(text)
    if _THOUSANDS.fullmatch(text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


def _strengths_of(match: re.Match[str]) -> list[Strength]:
    unit = _UNIT_SPELLINGS[match["unit"].lower()]
    per_unit = _PER_UNIT_SPELLINGS[match["per_unit"].lower()] if match["per_unit"] else None
    per_amount = _number(match["per_amount"]) if match["per_amount"] else None
    if match["second"]:
        # `800/160mg` is two ingredients' amounts in one unit; each gets its own strength.
        return [
            Strength(text=f"{match['amount']}{match['unit']}", amount=_number(match["amount"]), unit=unit),
            Strength(text=f"{match['second']}{match['unit']}", amount=_number(match["second"]), unit=unit),
        ]
    if per_unit in _MASS_UNITS and unit in _MASS_UNITS and per_amount is not None:
        # `500mg/125mg` (or `500mg per 125mg`) is a combination too: nothing is dosed per
        # 125 mg of something.
        first_end = match.end("wv") if match["wv"] else match.end("unit")
        return [
            Strength(text=match.string[match.start():first_end], amount=_number(match["amount"]), unit=unit),
            Strength(text=match.string[match.start("per_amount"):match.end()], amount=per_amount, unit=per_unit),
        ]
    per = {"per_amount": per_amount, "per_unit": per_unit} if per_unit else {}
    # Only the parts written are passed: a catalogue keeps 100,000 of these, and pydantic's
    # record of the fields set costs three times more memory past four fields.
    return [Strength(text=match.group(0), amount=_number(match["amount"]), unit=unit, **per)]


# A homeopathic potency written after a number, with no space: `30C`, `6X`, `12CH` (the
# centesimal, decimal and Hahnemannian centesimal scales). With a space (`10 x 10`) it is not one.
_POTENCY = re.compile(r"(?<![\w.,])(?P<amount>\d{1,4})(?P<scale>CH|C|X)(?![\w/])", re.IGNORECASE)
# A UK compound name gives its two amounts in mg without a unit: `Co-codamol 30/500`.
_COMPOUND_NAME = re.compile(r"^\s*co-[^\W\d_]", re.IGNORECASE)
_UNITLESS_RATIO = re.compile(r"(?<![\w.,/])(?P<first>\d+(?:\.\d+)?)/(?P<second>\d+(?:\.\d+)?)(?![\w.,/%])")


def _potency_strengths(match: re.Match[str]) -> tuple[Strength, ...]:
    return (Strength(text=match.group(0), amount=float(match["amount"]), unit=match["scale"].upper()),)


def _ratio_strengths(match: re.Match[str]) -> tuple[Strength, ...]:
    return tuple(Strength(text=f"{match[part]}mg", amount=float(match[part]), unit="mg") for part in ("first", "second"))


# --------------------------------------------------------------------------- dosage forms

# Written form (lower case, singular or plural, common abbreviations) -> the form's name.
# Two-word forms come first in matching because the alternation is sorted longest first.
_FORMS: dict[str, str] = {
    "eye drops": "eye drops", "eye drop": "eye drops", "ear drops": "ear drops",
    "ear drop": "ear drops", "nasal drops": "nasal drops", "nasal spray": "nasal spray",
    "oral solution": "oral solution", "oral suspension": "oral suspension",
    "dry syrup": "dry syrup", "dispersible tablet": "dispersible tablet",
    "dispersible tablets": "dispersible tablet", "chewable tablet": "chewable tablet",
    "chewable tablets": "chewable tablet", "effervescent tablet": "effervescent tablet",
    "effervescent tablets": "effervescent tablet", "transdermal patch": "patch",
    "oral gel": "oral gel", "eye ointment": "eye ointment",
    "tablet": "tablet", "tablets": "tablet", "tab": "tablet", "tabs": "tablet",
    "capsule": "capsule", "capsules": "capsule", "cap": "capsule", "caps": "capsule",
    "injection": "injection", "injections": "injection", "inj": "injection",
    "syrup": "syrup", "syrups": "syrup", "syp": "syrup", "syr": "syrup",
    "suspension": "suspension", "susp": "suspension",
    "cream": "cream", "creams": "cream", "ointment": "ointment", "ointments": "ointment",
    "oint": "ointment", "gel": "gel", "gels": "gel", "drops": "drops", "drop": "drops",
    "inhaler": "inhaler", "inhalers": "inhaler", "patch": "patch", "patches": "patch",
    "suppository": "suppository", "suppositories": "suppository",
    "solution": "solution", "solutions": "solution", "soln": "solution",
    "lotion": "lotion", "lotions": "lotion", "spray": "spray", "sprays": "spray",
    "powder": "powder", "powders": "powder", "granules": "granules",
    "lozenge": "lozenge", "lozenges": "lozenge", "sachet": "sachet", "sachets": "sachet",
    "infusion": "infusion", "elixir": "elixir", "emulsion": "emulsion",
    "shampoo": "shampoo", "mouthwash": "mouthwash", "pessary": "pessary",
    "pessaries": "pessary", "enema": "enema", "foam": "foam", "paste": "paste",
    "implant": "implant", "film": "film", "nebuliser solution": "nebuliser solution",
    "respules": "respules", "powder for injection": "powder for injection",
    "powder for oral suspension": "powder for oral suspension",
    # homeopathic forms
    "pillule": "pillule", "pillules": "pillule", "pilule": "pillule", "pilules": "pillule",
    "pellet": "pellet", "pellets": "pellet", "globule": "globule", "globules": "globule",
}
# First word -> how many words the forms it starts have, longest first (`powder` -> 4, 3, 1).
_FORM_SIZES: dict[str, tuple[int, ...]] = {
    first: tuple(sorted({len(w.split()) for w in _FORMS if w.split()[0] == first}, reverse=True))
    for first in {written.split()[0] for written in _FORMS}
}
_FORM_FIRST_WORDS = frozenset(_FORM_SIZES)
_WORD = re.compile(r"[^\W\d_]+")


def _take_form(text: str) -> tuple[str, str | None]:
    """The text without its dosage-form words (and a `for` before them), and the first form.

    Words are looked up in `_FORMS` (longest phrase first) rather than matched with one big
    regex alternation, which Python would retry at every character.
    """
    words = list(_WORD.finditer(text))
    lowered = [w.group(0).lower() for w in words]
    form: str | None = None
    cut: list[tuple[int, int]] = []
    index = 0
    while index < len(words):
        size = _form_phrase_size(text, words, lowered, index) if lowered[index] in _FORM_FIRST_WORDS else 0
        if not size:
            index += 1
            continue
        form = form or _FORMS[" ".join(lowered[index:index + size])]
        start = words[index - 1].start() if index and lowered[index - 1] == "for" else words[index].start()
        cut.append((start, words[index + size - 1].end()))  # `Water for Injection` -> `Water`
        index += size
    for start, end in reversed(cut):
        text = f"{text[:start]} {text[end:]}"
    return text, form


def _form_phrase_size(text: str, words: list[re.Match[str]], lowered: list[str], index: int) -> int:
    """How many words from `index` on spell a dosage form (0 if none), longest first."""
    for size in _FORM_SIZES[lowered[index]]:
        if index + size > len(words):
            continue
        first, last = words[index], words[index + size - 1]
        # Form words are whole words: `Tab-` in `Co-Tab` or `gel` in `gel-x` are not forms.
        before = text[first.start() - 1] if first.start() else " "
        after = text[last.end()] if last.end() < len(text) else " "
        if before == "-" or after == "-":
            continue
        if size == 1:
            return 1  # 1 is among the sizes only when the word alone is a form
        phrase = words[index:index + size]
        if all(text[a.end():b.start()].isspace() for a, b in zip(phrase, phrase[1:])):
            if " ".join(lowered[index:index + size]) in _FORMS:
                return size
    return 0


# Words that qualify a product without being part of an ingredient's name: release
# mechanisms (SR, XL…) and pharmacopoeia marks (IP, BP, USP). Kept in `qualifiers`.
_QUALIFIER = re.compile(
    r"(?<![\w-])(?P<q>SR|ER|XR|XL|CR|MR|PR|DR|EC|ODT|DT|IP|BP|USP|EP|Ph\.?\s?Eur\.?)(?![\w-])"
)
# The words a qualifier can be (`Ph. Eur.` is `Ph`, `PhEur` is one word): a name with none of
# them is not searched.
_QUALIFIER_WORDS = frozenset("SR ER XR XL CR MR PR DR EC ODT DT IP BP USP EP Ph PhEur".split())
# What a release mark says about the form, spelled out: `Nifedipine 20mg SR` is a
# sustained-release product. (ODT and DT name a whole form: `orodispersible tablet`.)
_RELEASE_MARKS = {
    "SR": "sustained-release", "ER": "extended-release", "XR": "extended-release", "XL": "extended-release",
    "CR": "controlled-release", "MR": "modified-release", "PR": "prolonged-release", "DR": "delayed-release",
    "EC": "enteric-coated", "ODT": "orodispersible tablet", "DT": "dispersible tablet",
}
# Release and form descriptors written as words: the form, never an ingredient
# (`Omeprazole 20mg gastro-resistant capsules` is omeprazole, a gastro-resistant capsule).
# `soluble` is one only before a form word (`soluble tablets`; `Soluble Insulin` is a name).
_DESCRIPTOR = re.compile(
    r"(?<![\w-])(?P<d>(?:gastro|delayed|modified|prolonged|extended|sustained|controlled|slow|immediate)"
    r"[-\s]+(?:resistant|release|releasing)|(?:film|enteric|sugar)[-\s]+coated|orodispersible|dispersible"
    r"|chewable|effervescent|soluble(?=\s+(?:tablets?|tabs?|powders?|granules)\b))(?![\w-])",
    re.IGNORECASE,
)
_DESCRIPTOR_WORDS = frozenset(
    "gastro delayed modified prolonged extended sustained controlled slow immediate film enteric sugar "
    "orodispersible dispersible chewable effervescent soluble".split()
)

# Ingredients are separated by `+`, `&`, a comma that is not inside a number, or a slash
# between two words (`Sulfamethoxazole/Trimethoprim`; `mg/ml` is consumed before this).
_INGREDIENT_SEPARATOR = re.compile(r"\s*(?:\+|&|,(?!\d)|(?<=[^\W\d_])\s*/\s*(?=[^\W\d_]))\s*")
_SEPARATOR_CHARACTERS = frozenset("+&,/")
_LEFTOVER_EDGES = " \t-/.;:+&,"
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(slots=True)
class ParsedName:
    """What a listed name says: ingredient names as written, strengths, form, qualifiers."""

    ingredients: list[str] = field(default_factory=list)
    strengths: list[Strength] = field(default_factory=list)
    form: str | None = None
    qualifiers: list[str] = field(default_factory=list)


class NameReading(NamedTuple):
    """`ParsedName` as the catalogue keeps it: tuples, and `Strength` objects shared between readings.

    Catalogues repeat the same ingredients, strengths and forms thousands of times, so each
    distinct piece is read once. The strengths are shared: never change them in place.
    """

    ingredients: tuple[str, ...] = ()
    strengths: tuple[Strength, ...] = ()
    form: str | None = None
    qualifiers: tuple[str, ...] = ()
    descriptors: tuple[str, ...] = ()  # release and form words, already part of `form`


def parse_name(title: str) -> ParsedName:
    """Split a listed name into ingredients, strengths and dosage form (pure, no lookups)."""
    reading = read_name(title)
    return ParsedName(
        list(reading.ingredients),
        [strength.model_copy() for strength in reading.strengths],  # the caller's own, to change at will
        reading.form,
        list(reading.qualifiers),
    )


# A pack size at the end of a listed name (`Pack 120`, `x 100`, `24s`, `10's`, `100ml bottle`,
# `Box of 30 tablets`): how much is in the box, not an ingredient or a strength. The title keeps it.
_PACK_SIZE = re.compile(
    r"(?:[\s,;(-]+(?:"
    r"(?:pack|box|bottle|strip|blister|tube|vial|sachet|carton|jar|tin|container|bag)s?(?:\s+of)?\s*\d+"
    r"(?:\s*(?:ml|g|tablets?|capsules?|tabs?|caps?|sachets?|'?s))?"
    r"|x\s*\d+(?:\s*'?s)?"
    r"|\d+\s*'s|\d+s"
    r"|\d+(?:\.\d+)?\s*(?:ml|g|l)\s+(?:bottle|tube|jar|pack|vial|bag)s?"
    r")\)?)+\s*$",
    re.IGNORECASE,
)


_PACK_SIZE_CHARACTERS = 48


def without_pack_size(title: str) -> str:
    """The name without a pack size at its end (`Paracetamol 500mg Tablets Pack 120` ->
    `Paracetamol 500mg Tablets`); the name itself when nothing of a name would be left."""
    # Only the end is read: a pack size is a few words, and the pattern would be slow on a long name.
    offset = max(0, len(title) - _PACK_SIZE_CHARACTERS)
    match = _PACK_SIZE.search(title, offset)
    if match is None or not _LETTER.search(title[:match.start()]):
        return title
    return title[:match.start()]


def read_name(title: str) -> NameReading:
    """`parse_name` for bulk use: strengths read once per distinct text, the words between them
    once per distinct piece of text.

    A name is read as if each strength were a `+`: `A 500mg B 125mg` is `A + B`. The text
    between two strengths is read on its own, which gives what reading the whole would,
    except for `for` before a form on the other side of a strength (`Water for 10mg
    Injection`): that name is read whole.
    """
    strengths: list[Strength] = []
    if _DIGIT.search(title):  # every pack size has a number
        title = without_pack_size(title)
    pieces = [title]
    if _DIGIT.search(title):
        pieces = []
        end = 0
        for match in _strength_matches(title):
            strengths += _strengths_from(match)
            pieces.append(title[end:match.start()])
            end = match.end()
        pieces.append(title[end:])
    if len(pieces) > 1 and any("for" in piece.lower() for piece in pieces[:-1]):
        pieces = [" + ".join(pieces)]  # `for` may belong to a form after the strength
    words = [_read_words(piece) for piece in pieces]
    if len(words) == 1:
        only = words[0]
        descriptors = _with_release_marks(only.descriptors, only.qualifiers)
        return NameReading(only.ingredients, tuple(strengths), _full_form(only.form, descriptors),
                           only.qualifiers, descriptors)
    descriptors = _with_release_marks(tuple(d for piece in words for d in piece.descriptors),
                                      tuple(q for piece in words for q in piece.qualifiers))
    return NameReading(
        tuple(name for piece in words for name in piece.ingredients),
        tuple(strengths),
        _full_form(next((piece.form for piece in words if piece.form), None), descriptors),
        tuple(qualifier for piece in words for qualifier in piece.qualifiers),
        descriptors,
    )


def _with_release_marks(descriptors: tuple[str, ...], qualifiers: tuple[str, ...]) -> tuple[str, ...]:
    """The descriptor words, then what the release marks spell out (`SR` -> `sustained-release`), once each."""
    if not qualifiers:
        return tuple(dict.fromkeys(descriptors)) if len(descriptors) > 1 else descriptors
    return tuple(dict.fromkeys([*descriptors, *(_RELEASE_MARKS[q] for q in qualifiers if q in _RELEASE_MARKS)]))


def _full_form(form: str | None, descriptors: tuple[str, ...]) -> str | None:
    """`gastro-resistant` + `capsule` -> `gastro-resistant capsule`; a descriptor alone is the form."""
    if not descriptors:
        return form
    if form is None or any(descriptor.endswith(form) for descriptor in descriptors):
        return " ".join(descriptors)  # `ODT` already says `orodispersible tablet`
    return " ".join([*(descriptor for descriptor in descriptors if descriptor not in form), form])


# Distinct strength texts seen, and what each reads as. Cleared when full: real lists have a
# few hundred; a hostile one cannot make it grow without bound.
_STRENGTH_CACHE: dict[str, tuple[Strength, ...]] = {}
_STRENGTH_CACHE_SIZE = 8192


def _strength_matches(title: str) -> list[re.Match[str]]:
    """The strengths of a name in order: amounts with units, homeopathic potencies (`30C`) and, in a UK
    compound name, amounts without a unit (`Co-codamol 30/500`)."""
    matches = list(_STRENGTH.finditer(title))
    extra = list(_POTENCY.finditer(title))
    if _COMPOUND_NAME.match(title):
        extra += _UNITLESS_RATIO.finditer(title)
    for match in extra:
        if not any(m.start() < match.end() and match.start() < m.end() for m in matches):
            matches.append(match)
    return sorted(matches, key=lambda m: m.start()) if extra else matches


def _strengths_from(match: re.Match[str]) -> tuple[Strength, ...]:
    if match.re is _POTENCY:
        return _potency_strengths(match)
    if match.re is _UNITLESS_RATIO:
        return _ratio_strengths(match)
    # The groups of a match depend only on the text matched, so the text is the key.
    text = match.group(0)
    known = _STRENGTH_CACHE.get(text)
    if known is None:
        if len(_STRENGTH_CACHE) >= _STRENGTH_CACHE_SIZE:
            _STRENGTH_CACHE.clear()
        known = _STRENGTH_CACHE[text] = tuple(_strengths_of(match))
    return known


@lru_cache(maxsize=32768)
def _read_words(text: str) -> NameReading:
    """Form, qualifiers and ingredient names of text with no strength in it (memoised)."""
    words = _WORD.findall(text)
    descriptors: list[str] = []
    if not _DESCRIPTOR_WORDS.isdisjoint(word.lower() for word in words):
        parts = _DESCRIPTOR.split(text)
        descriptors = ["-".join(part.lower().split()).replace("--", "-") for part in parts[1::2]]
        text = " ".join(parts[::2])
    form = None
    if not _FORM_FIRST_WORDS.isdisjoint(word.lower() for word in words):
        text, form = _take_form(text)
    qualifiers: tuple[str, ...] = ()
    if not _QUALIFIER_WORDS.isdisjoint(words):
        # split() with the group kept: the qualifiers at odd places, the text around them at even.
        parts = _QUALIFIER.split(text)
        qualifiers = tuple(parts[1::2])
        text = " ".join(parts[::2])
    if _SEPARATOR_CHARACTERS.isdisjoint(text):
        ingredients = (_tidy_ingredient(text),)
    else:
        ingredients = tuple(_tidy_ingredient(part) for part in _INGREDIENT_SEPARATOR.split(text))
    return NameReading(tuple(name for name in ingredients if name), (), form, qualifiers, tuple(descriptors))


def _tidy_ingredient(text: str) -> str:
    name = " ".join(text.split()).strip(_LEFTOVER_EDGES)
    # A name is made of words: a fragment with no letter (`-`, `2`) is left over punctuation.
    return name if _LETTER.search(name) else ""
