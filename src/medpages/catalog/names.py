"""Reading a listed medicine name: its ingredients, strengths and dosage form.

`Amoxicillin + Clavulanic Acid 625mg Tablets` -> ingredients `Amoxicillin`, `Clavulanic Acid`,
strength 625 mg, form `tablet`. The title itself is never changed; this is only an analysis.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from medpages.errors import MedpagesError
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
    "i.u.": "IU", "iu": "IU", "units": "unit", "unit": "unit", "unt": "unit", "u": "unit",
    "meq": "mEq", "mmol": "mmol", "%": "%", "ml": "ml", "l": "l",
}
_PER_UNIT_SPELLINGS: dict[str, str] = {
    "ml": "ml", "millilitres": "ml", "millilitre": "ml", "milliliters": "ml", "milliliter": "ml", "l": "l",
    "g": "g", "gm": "g", "gram": "g", "mg": "mg",
    "dose": "dose", "doses": "dose", "actuation": "actuation", "actuations": "actuation",
    "actuat": "actuation", "actu": "actuation", "puff": "puff", "spray": "spray",  # RxNorm: `MCG/ACTUAT`
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

FORM_WORDS = "form_words.toml"


def _form_words() -> dict[str, dict[str, object]]:
    """The form, route and audience words, read once from the package's data."""
    text = resources.files("medpages.catalog").joinpath("data", FORM_WORDS).read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:  # a packaging mistake, not a user's
        raise MedpagesError(f"medpages/catalog/data/{FORM_WORDS} is not valid TOML: {error}") from None


_VOCABULARY = _form_words()
# Written route -> the route. A route is read only right before a form, or as a name's part with
# no other word (`Ibuprofen 400mg oral`): `Oral Rehydration Salts` is a name.
_ROUTES: dict[str, str] = _VOCABULARY["routes"]


def _forms_with_routes(forms: dict[str, str]) -> dict[str, str]:
    """The written forms, and each after each route (`oral tablet`, `topical gel`, `ophthalmic
    solution`): a route written right before a form is part of the form and stays in its name,
    which is what says where the product goes. A form the table spells with a route keeps the
    table's name (`transdermal patch` is a `patch`)."""
    with_routes = dict(forms)
    for written, name in forms.items():
        if written.split()[0] in _ROUTES:
            continue
        for route in _ROUTES:
            with_routes.setdefault(f"{route} {written}", f"{route} {name}")
    return with_routes


# Written form (lower case, singular or plural, common abbreviations) -> the form's name.
_FORMS: dict[str, str] = _forms_with_routes(_VOCABULARY["forms"])
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
# `soluble` is one only before a form word (`soluble tablets`; `Soluble Insulin` is a name), as
# are `soft`, `hard` and `liquid` before capsules (`White soft paraffin` is a name) and
# `medicated` before a plaster, gum or shampoo. RxNorm writes the hours of a release before the
# name (`24 HR metformin ... Extended Release Oral Tablet` -> `24-hr extended-release oral tablet`)
# and `Disintegrating Oral Tablet` for an orodispersible one.
_DESCRIPTOR = re.compile(
    r"(?<![\w-])(?P<d>(?:gastro|delayed|modified|prolonged|extended|sustained|controlled|slow|immediate)"
    r"[-\s]+(?:resistant|release|releasing)|(?:film|enteric|sugar)[-\s]+coated|orodispersible|dispersible"
    r"|(?:orally[-\s]+)?disintegrating"
    r"|chewable|effervescent|soluble(?=\s+(?:tablets?|tabs?|powders?|granules)\b)"
    r"|(?:soft|hard|liquid)(?=\s+(?:gelatin\s+)?(?:capsules?|caps)\b)"
    r"|medicated(?=\s+(?:plasters?|chewing\s+gum|shampoo|patch(?:es)?|lozenges?)\b)"
    r"|(?<![.,/])\d{1,3}[-\s]*(?:hours?|hrs?))(?![\w-])",
    re.IGNORECASE,
)
_DESCRIPTOR_WORDS = frozenset(
    "gastro delayed modified prolonged extended sustained controlled slow immediate film enteric sugar "
    "orodispersible dispersible disintegrating chewable effervescent soluble soft hard liquid medicated "
    "hour hours hr hrs".split()
)
# Who a product is made for (`Children's ibuprofen`, `Calpol Infant`, `Nurofen for Children`,
# `oral suspension paediatric`): never part of an ingredient's name, wherever it stands; the
# title keeps it. A few brands name another product with the word (`Infant Gaviscon`): kept.
_AUDIENCE: dict[str, str] = _VOCABULARY["audience"]
_AUDIENCE_WORDS = frozenset(_AUDIENCE)
_AUDIENCE_PHRASE = re.compile(
    rf"(?<![\w-])(?:for\s+)?(?P<a>{_alternation(_AUDIENCE)})(?:['’]s?)?(?![\w-])", re.IGNORECASE)
_NAMES_WITH_AUDIENCE = re.compile(
    rf"(?<![\w-])(?:{_alternation(dict.fromkeys(_VOCABULARY['names_with_audience']['names']))})(?![\w-])",
    re.IGNORECASE,
)
# Words a name may carry around it that are no part of it (the audience's, and `free`).
_NOT_NAME_WORDS = _AUDIENCE_WORDS | {"free"}
# What a product is free of (`sugar free`, `preservative-free`): no part of a name; the title keeps it.
_FREE_OF = re.compile(
    rf"(?<![\w-])(?:{'|'.join(_VOCABULARY['free_of']['words'])})[-\s]+free(?![\w-])", re.IGNORECASE)


# Ingredients are separated by `+`, `&`, a comma that is not inside a number, or a slash
# between two words (`Sulfamethoxazole/Trimethoprim`; `mg/ml` is consumed before this).
_INGREDIENT_SEPARATOR = re.compile(r"\s*(?:\+|&|,(?!\d)|(?<=[^\W\d_])\s*/\s*(?=[^\W\d_]))\s*")
_SEPARATOR_CHARACTERS = frozenset("+&,/")
_LEFTOVER_EDGES = " \t-/.;:+&,"
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(slots=True)
class ParsedName:
    """What a listed name says: ingredient names as written, strengths, form, qualifiers, and the
    route (`oral`, `ophthalmic`) and people (`children`, `infants`) it says the product is for."""

    ingredients: list[str] = field(default_factory=list)
    strengths: list[Strength] = field(default_factory=list)
    form: str | None = None
    qualifiers: list[str] = field(default_factory=list)
    route: str | None = None
    audience: str | None = None


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
    route: str | None = None  # as written before the form it is also part of (`topical gel`)
    audience: str | None = None


def parse_name(title: str) -> ParsedName:
    """Split a listed name into ingredients, strengths and dosage form (pure, no lookups)."""
    reading = read_name(title)
    return ParsedName(
        list(reading.ingredients),
        [strength.model_copy() for strength in reading.strengths],  # the caller's own, to change at will
        reading.form,
        list(reading.qualifiers),
        reading.route,
        reading.audience,
    )


# A pack size at the end of a listed name (`Pack 120`, `x 100`, `24s`, `10's`, `100ml bottle`,
# `Box of 30 tablets`, `1ml ampoules`): how much is in the box, not an ingredient or a strength.
# The title keeps it.
_PACK_SIZE = re.compile(
    r"(?:[\s,;(-]+(?:"
    r"(?:pack|box|bottle|strip|blister|tube|vial|sachet|carton|jar|tin|container|bag)s?(?:\s+of)?\s*\d+"
    r"(?:\s*(?:ml|g|tablets?|capsules?|tabs?|caps?|sachets?|'?s))?"
    r"|x\s*\d+(?:\s*'?s)?"
    r"|\d+\s*'s|\d+s"
    r"|\d+(?:\.\d+)?\s*(?:ml|g|l)\s+(?:bottle|tube|jar|pack|vial|bag)s?"
    # the container an injection comes in, after its form (`solution for injection 3ml pre-filled pens`)
    r"|(?:\d+(?:\.\d+)?\s*(?:ml|l)\s+)?(?:ampoules?|vials?|cartridges?|pre-?filled\s+(?:syringes?|pens?)"
    r"|auto-?injectors?|(?:disposable\s+)?pens?)"
    r")\)?)+\s*$",
    re.IGNORECASE,
)


_PACK_SIZE_CHARACTERS = 48


def without_pack_size(title: str) -> str:
    """The name without a pack size at its end (`Paracetamol 500mg Tablets Pack 120` ->
    `Paracetamol 500mg Tablets`); the name itself when nothing of a name would be left.

    A name with no number has no pack size: a container alone (`Adrenaline auto-injector`) is
    read only in a name with a strength (`Adrenaline 300micrograms/0.3ml auto-injectors`).
    """
    if not _DIGIT.search(title):
        return title
    # Only the end is read: a pack size is a few words, and the pattern would be slow on a long name.
    offset = max(0, len(title) - _PACK_SIZE_CHARACTERS)
    match = _PACK_SIZE.search(title, offset)
    if match is None or not _LETTER.search(title[:match.start()]):
        return title
    return title[:match.start()]


def _product_words() -> frozenset[str]:
    """Every word that can say what kind of product a name is (form, route, release, people,
    qualifier, unit, potency, pack size) rather than what is in it."""
    written = [*_FORMS, *_ROUTES, *_AUDIENCE, *_UNIT_SPELLINGS, *_PER_UNIT_SPELLINGS, *_DESCRIPTOR_WORDS,
               *_VOCABULARY["free_of"]["words"], *(word.lower() for word in _QUALIFIER_WORDS)]
    # The rest of the descriptors' words, `Ph. Eur.`, potencies (`30C`), the `s` of `Children's`,
    # and the words of a pack size (`_PACK_SIZE`).
    other = ("release releasing resistant coated orally gelatin chewing free for per w v c x ch s eur "
             "pack packs box boxes bottle bottles strip strips blister blisters tube tubes vial vials carton "
             "cartons jar jars tin tins container containers bag bags of ampoule ampoules cartridge cartridges "
             "pre filled prefilled auto injector injectors pen pens disposable syringe syringes")
    return frozenset(word for phrase in written for word in _WORD.findall(phrase.lower())) | frozenset(other.split())


_PRODUCT_WORDS = _product_words()


def reading_without_a_name(title: str) -> NameReading | None:
    """The reading of a title that names no medicine, only what kind of product (`Oral Tablet`,
    `500mg tablets`, `Children's`); None when it names one, or has no word at all.

    Nearly every title has a word that is no form word, and is answered at that word without
    being read (the import asks this of every line).
    """
    first = _WORD.search(title)
    if first is None or first.group(0).lower() not in _PRODUCT_WORDS:
        return None  # nearly every title: its first word is a name's
    if any(word.lower() not in _PRODUCT_WORDS for word in _WORD.findall(title, first.end())):
        return None
    reading = read_name(title)
    return None if reading.ingredients else reading


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
                           only.qualifiers, descriptors, only.route, only.audience)
    descriptors = _with_release_marks(tuple(d for piece in words for d in piece.descriptors),
                                      tuple(q for piece in words for q in piece.qualifiers))
    return NameReading(
        tuple(name for piece in words for name in piece.ingredients),
        tuple(strengths),
        _full_form(next((piece.form for piece in words if piece.form), None), descriptors),
        tuple(qualifier for piece in words for qualifier in piece.qualifiers),
        descriptors,
        next((piece.route for piece in words if piece.route), None),
        next((piece.audience for piece in words if piece.audience), None),
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
    """Form, qualifiers and ingredient names of text with no strength in it, and the route and
    people it says the product is for (memoised)."""
    words = _WORD.findall(text)
    lowered = {word.lower() for word in words}
    audience = _audience_of(text) if not _AUDIENCE_WORDS.isdisjoint(lowered) else None
    descriptors: list[str] = []
    if not _DESCRIPTOR_WORDS.isdisjoint(lowered):
        parts = _DESCRIPTOR.split(text)
        descriptors = ["-".join(part.lower().split()).replace("--", "-") for part in parts[1::2]]
        text = " ".join(parts[::2])
    form = None
    if not _FORM_FIRST_WORDS.isdisjoint(lowered):
        text, form = _take_form(text)
    qualifiers: tuple[str, ...] = ()
    if not _QUALIFIER_WORDS.isdisjoint(words):
        # split() with the group kept: the qualifiers at odd places, the text around them at even.
        parts = _QUALIFIER.split(text)
        qualifiers = tuple(parts[1::2])
        text = " ".join(parts[::2])
    parts = [text] if _SEPARATOR_CHARACTERS.isdisjoint(text) else _INGREDIENT_SEPARATOR.split(text)
    ingredients = tuple(_tidy_ingredient(part, lowered) for part in parts)
    route = _ROUTES.get(form.split()[0]) if form else None
    if route is None and not _ROUTES.keys().isdisjoint(lowered):
        # A route after a name, with no form after it (`Ibuprofen 400mg oral`, `Ibuprofen oral`).
        ends = (_WORD.findall(part)[-1:] for part in parts)
        route = next((_ROUTES[end[0].lower()] for end in ends if end and end[0].lower() in _ROUTES), None)
    return NameReading(tuple(name for name in ingredients if name), (), form, qualifiers, tuple(descriptors),
                       route, audience)


def _audience_of(text: str) -> str | None:
    """Who the product is for (`children`, `infants`), if the text says and it is no brand's word."""
    kept = [match.span() for match in _NAMES_WITH_AUDIENCE.finditer(text)]
    for match in _AUDIENCE_PHRASE.finditer(text):
        if not any(start <= match.start() and match.end() <= stop for start, stop in kept):
            return _AUDIENCE[match["a"].lower()]
    return None


def _without_audience(text: str) -> str:
    """The text without the words saying who the product is for; a brand's own (`Infant Gaviscon`) kept."""
    kept = [match.span() for match in _NAMES_WITH_AUDIENCE.finditer(text)]
    return _AUDIENCE_PHRASE.sub(
        lambda match: match.group(0) if any(start <= match.start() and match.end() <= stop for start, stop in kept)
        else " ", text)


def _tidy_ingredient(text: str, piece_words: set[str] | None = None) -> str:
    """An ingredient's name as written, without the words around it that say what kind of product
    it is: who it is for (`Children's`), what it is free of (`sugar free`), a route with no form
    after it (`Ibuprofen 400mg oral`, `Ibuprofen oral`; a route before a name is the name's:
    `Oral Rehydration Salts`). Empty when nothing of a name is left. `piece_words`, the lower-case
    words of the text this part was split from, spares looking for words that are not there."""
    name = " ".join(text.split()).strip(_LEFTOVER_EDGES)
    # A name is made of words: a fragment with no letter (`-`, `2`) is left over punctuation.
    if not _LETTER.search(name):
        return ""
    changed = False
    if piece_words is None or not _NOT_NAME_WORDS.isdisjoint(piece_words):
        lowered = {word.lower() for word in _WORD.findall(name)}
        if "free" in lowered:
            name, changed = _FREE_OF.sub(" ", name), True
        if not _AUDIENCE_WORDS.isdisjoint(lowered):
            name, changed = _without_audience(name), True
    if changed:
        name = " ".join(name.split()).strip(_LEFTOVER_EDGES)
        if not _LETTER.search(name):
            return ""
    space = name.rfind(" ")
    if name[space + 1:].lower() in _ROUTES:
        # `White soft paraffin oral`: a route at the end says how it is taken; `oral` alone is no name.
        return _tidy_ingredient(name[:space]) if space > 0 else ""
    return name
