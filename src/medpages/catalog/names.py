"""Reading a listed medicine name: its ingredients, strengths and dosage form.

`Amoxicillin + Clavulanic Acid 625mg Tablets` -> ingredients `Amoxicillin`, `Clavulanic Acid`,
strength 625 mg, form `tablet`. The title itself is never changed; this is only an analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from medpages.model import Strength

# --------------------------------------------------------------------------- strengths

# `1,000` is one thousand (a comma before exactly three digits groups thousands); `2,5` is
# two and a half (a European decimal comma); `.5` and `0.5` are a half.
_AMOUNT = r"(?:\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+)"

# Longest spellings first so `mcg` is not read as `m` + ... and `gm` not as `g` + `m`.
_UNIT_SPELLINGS: dict[str, str] = {
    "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg",
    "mg": "mg", "ng": "ng", "kg": "kg", "gms": "g", "gm": "g", "g": "g",
    "i.u.": "IU", "iu": "IU", "units": "unit", "unit": "unit", "u": "unit",
    "meq": "mEq", "mmol": "mmol", "%": "%", "ml": "ml", "l": "l",
}
_PER_UNIT_SPELLINGS: dict[str, str] = {
    "ml": "ml", "l": "l", "g": "g", "gm": "g", "mg": "mg",
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


_STRENGTH = re.compile(
    rf"(?<![\w.,])(?P<amount>{_AMOUNT})"
    rf"(?:\s*/\s*(?P<second>{_AMOUNT}))?"  # `800/160mg`: a combination of two amounts
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
        # `500mg/125mg` is a combination too: nothing is dosed per 125 mg of something.
        first, second = match.group(0).split("/", 1)
        return [
            Strength(text=first.strip(), amount=_number(match["amount"]), unit=unit),
            Strength(text=second.strip(), amount=per_amount, unit=per_unit),
        ]
    per = {"per_amount": per_amount, "per_unit": per_unit} if per_unit else {}
    # Only the parts written are passed: a catalogue keeps 100,000 of these, and pydantic's
    # record of the fields set costs three times more memory past four fields.
    return [Strength(text=match.group(0), amount=_number(match["amount"]), unit=unit, **per)]


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
}
_FORM_WORDS = max(len(written.split()) for written in _FORMS)
_FORM_FIRST_WORDS = frozenset(written.split()[0] for written in _FORMS)
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
    for size in range(min(_FORM_WORDS, len(words) - index), 0, -1):
        phrase = words[index:index + size]
        # Form words are whole words: `Tab-` in `Co-Tab` or `gel` in `gel-x` are not forms.
        before = text[phrase[0].start() - 1] if phrase[0].start() else " "
        after = text[phrase[-1].end()] if phrase[-1].end() < len(text) else " "
        if before == "-" or after == "-":
            continue
        if all(text[a.end():b.start()].isspace() for a, b in zip(phrase, phrase[1:])):
            if " ".join(lowered[index:index + size]) in _FORMS:
                return size
    return 0


# Words that qualify a product without being part of an ingredient's name: release
# mechanisms (SR, XL…) and pharmacopoeia marks (IP, BP, USP). Kept in `qualifiers`.
_QUALIFIER = re.compile(
    r"(?<![\w-])(?P<q>SR|ER|XR|XL|CR|MR|PR|DR|ODT|DT|IP|BP|USP|EP|Ph\.?\s?Eur\.?)(?![\w-])"
)
_QUALIFIER_WORDS = frozenset("SR ER XR XL CR MR PR DR ODT DT IP BP USP EP Ph".split())

# Ingredients are separated by `+`, `&`, a comma that is not inside a number, or a slash
# between two words (`Sulfamethoxazole/Trimethoprim`; `mg/ml` is consumed before this).
_INGREDIENT_SEPARATOR = re.compile(r"\s*(?:\+|&|,(?!\d)|(?<=[^\W\d_])\s*/\s*(?=[^\W\d_]))\s*")
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


def parse_name(title: str) -> ParsedName:
    """Split a listed name into ingredients, strengths and dosage form (pure, no lookups)."""
    strengths: list[Strength] = []
    rest = title
    # The regexes are the costly part of an import: run each only when it can match.
    if _DIGIT.search(title):
        pieces: list[str] = []
        end = 0
        for match in _STRENGTH.finditer(title):
            strengths.extend(_strengths_of(match))
            # An amount ends an ingredient's name: `A 500mg B 125mg` is two names.
            pieces += (title[end:match.start()], " + ")
            end = match.end()
        if pieces:
            rest = "".join(pieces) + title[end:]
    form = None
    if not _FORM_FIRST_WORDS.isdisjoint(_WORD.findall(rest.lower())):
        rest, form = _take_form(rest)
    qualifiers: list[str] = []
    if not _QUALIFIER_WORDS.isdisjoint(_WORD.findall(rest)):
        qualifiers = [match["q"] for match in _QUALIFIER.finditer(rest)]
        rest = _QUALIFIER.sub(" ", rest)
    ingredients = [_tidy_ingredient(part) for part in _INGREDIENT_SEPARATOR.split(rest)]
    return ParsedName([name for name in ingredients if name], strengths, form, qualifiers)


def _tidy_ingredient(text: str) -> str:
    name = " ".join(text.split()).strip(_LEFTOVER_EDGES)
    # A name is made of words: a fragment with no letter (`-`, `2`) is left over punctuation.
    return name if _LETTER.search(name) else ""
