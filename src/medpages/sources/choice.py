"""Which of an ingredient list's labels a catalogue medicine is composed from: route, form, strength, date.

Labels are matched by exact ingredient set first (the store does that). Of those candidates the
one for the same kind of product wins: the same route family (by mouth, on the skin, in the
eye, …), then the same dosage form (tablet, liquid, gel, …), then a matching strength, then the
most recent. A label for another route is never borrowed: an oral diclofenac tablet is not
composed from a gel's label, whatever its date. See docs/sources.md ("Choosing the label").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from medpages.model import Strength
from medpages.model.facts import LabelFacts

# Route families. A label route (SPL's route of administration, lower case) -> family.
_ROUTE_FAMILIES: dict[str, str] = {
    "oral": "oral", "sublingual": "oral", "buccal": "oral", "dental": "oral", "oropharyngeal": "oral",
    "enteral": "oral", "nasogastric": "oral",
    "topical": "skin", "transdermal": "skin", "cutaneous": "skin", "percutaneous": "skin",
    "ophthalmic": "eye", "conjunctival": "eye",
    "otic": "ear", "auricular (otic)": "ear",
    "nasal": "nose",
    "respiratory (inhalation)": "inhaled", "inhalation": "inhaled", "intrabronchial": "inhaled",
    "rectal": "rectal", "vaginal": "vaginal",
}
_INJECTED_ROUTE = re.compile(r"^(intra|sub|epidural|soft tissue|infiltration|perineural|parenteral)")
FAMILY_NAMES = {"oral": "by mouth", "skin": "on the skin", "eye": "in the eye", "ear": "in the ear",
                "nose": "in the nose", "inhaled": "inhaled", "injection": "injection", "rectal": "rectal",
                "vaginal": "vaginal"}

# Words of a catalogue form or title -> (route family or None, form kind or None). First match wins,
# so the longer, more specific phrases come first.
_MEDICINE_WORDS: tuple[tuple[re.Pattern[str], str | None, str | None], ...] = tuple(
    (re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), family, kind) for pattern, family, kind in (
        (r"eye[- ]?drops?|eye ointment|eye gel|ophthalmic", "eye", "drops"),
        (r"ear[- ]?drops?|otic", "ear", "drops"),
        (r"nasal(?: spray| drops?)?|nose spray", "nose", "spray"),
        (r"inhal\w*|nebuli[sz]\w*|respules|evohaler|accuhaler|turbohaler", "inhaled", None),
        (r"powder for (?:injection|infusion)|injection|injectable|infusion|inj|vial|ampoules?|"
         r"pre-?filled (?:syringe|pen)|auto-?injector", "injection", "injection"),
        (r"suppositor\w*|enema|rectal", "rectal", None),
        (r"pessar\w*|vaginal", "vaginal", None),
        (r"oral (?:solution|suspension|liquid|drops|powder)|syrup|dry syrup|elixir|"
         r"powder for oral (?:solution|suspension)|oral", "oral", "liquid"),
        (r"(?:chewable |dispersible |effervescent |orodispersible )?tablets?|tabs?|caplets?", "oral", "tablet"),
        (r"capsules?|caps?", "oral", "capsule"),
        (r"granules|sachets?|lozenges?|pastilles?|mouthwash|oral gel", "oral", None),
        (r"transdermal|patch(?:es)?|plaster", "skin", "patch"),
        (r"gels?|emulgel|jelly", "skin", "gel"),
        (r"creams?", "skin", "cream"),
        (r"ointments?|oint", "skin", "ointment"),
        (r"lotions?|foam|shampoo|paste|topical|cutaneous|spray on skin", "skin", None),
        # No route of their own: a solution may be drunk, dropped in the eye or put on the skin.
        (r"solutions?|soln|suspensions?|susp|liquid", None, "liquid"),
        (r"drops?", None, "drops"),
        (r"sprays?", None, "spray"),
        (r"powders?", None, None),
    )
)

# SPL dosage form (lower case) -> form kind, by its first words.
_LABEL_FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind) for pattern, kind in (
        (r"^injection|^injectable|for injection|^infusion", "injection"),
        (r"^solution/ ?drops|^drops?|^solution, drops|ophthalmic|otic", "drops"),
        (r"^tablet|^pill|^caplet|^pellet", "tablet"),
        (r"^capsule", "capsule"),
        (r"^(?:solution|suspension|syrup|elixir|liquid|concentrate|emulsion|tincture)|^powder, for (?:oral )?"
         r"(?:solution|suspension)|^granule, for (?:oral )?suspension|^for suspension|^for solution", "liquid"),
        (r"^patch|^film, extended release|^plaster|^system", "patch"),
        (r"^gel|^jelly", "gel"),
        (r"^cream", "cream"),
        (r"^ointment", "ointment"),
        (r"^spray|^aerosol", "spray"),
        (r"^kit", "kit"),
    )
)

_STRENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*(%|mg|g|mcg|µg|ug|microgram|iu|units?|ml)\b(?:\s*(?:/|per|in)\s*"
                       r"(\d+(?:\.\d+)?)?\s*(ml|g|l|dose|actuation|spray|drop|hour|24 hours)\b)?", re.IGNORECASE)
_MASS_IN_MG = {"mg": 1.0, "g": 1000.0, "mcg": 0.001, "µg": 0.001, "ug": 0.001, "microgram": 0.001}


@dataclass(frozen=True)
class LabelChoice:
    """The label chosen for a medicine (None when no candidate fits) and why, in a publisher's words."""

    label: LabelFacts | None
    reason: str


def medicine_route(form: str | None, title: str = "") -> tuple[str | None, str | None]:
    """(route family, form kind) of a catalogue medicine, from its form, else from words in its title."""
    for text in (form or "", title):
        if not text:
            continue
        for pattern, family, kind in _MEDICINE_WORDS:
            if pattern.search(text):
                if family is None and text is not title and title:
                    # `solution` alone says no route; the title may (`Metformin oral solution`).
                    hinted, _ = medicine_route(None, title)
                    return hinted, kind
                return family, kind
    return None, None


def label_families(label: LabelFacts) -> set[str]:
    """The route families a label's products are given by (empty when it names no route)."""
    families = set()
    for route in label.routes or label.dosing.routes:
        family = _ROUTE_FAMILIES.get(route.strip().lower())
        if family is None and _INJECTED_ROUTE.match(route.strip().lower()):
            family = "injection"
        if family is None and route.strip().lower() in ("intravenous", "intramuscular", "subcutaneous"):
            family = "injection"
        families.add(family or route.strip().lower())
    return families


def label_form_kinds(label: LabelFacts) -> set[str]:
    kinds = set()
    for form in label.forms:
        for pattern, kind in _LABEL_FORMS:
            if pattern.search(form.strip().lower()):
                kinds.add(kind)
                break
        else:
            kinds.add(form.strip().lower())
    return kinds


def describe_label(label: LabelFacts) -> str:
    """`gel`, `tablet, film coated`: what a candidate is, for a report."""
    return ", ".join(label.forms) if label.forms else (", ".join(label.routes) or label.source.title)


def choose_label(candidates: Sequence[LabelFacts], *, form: str | None, strengths: Iterable[Strength] = (),
                 title: str = "") -> LabelChoice:
    """The label for this medicine among labels with its exact ingredients (most recent first).

    Rule: the route family must fit (a label for another route is never used); among those that
    fit, the same form kind first, then a label with one of the medicine's strengths, then the
    order given (most recent first). A medicine whose name gives no route takes the only family
    there is, or the oral labels when there are several (a bare "Ibuprofen 200mg" is the oral
    medicine), or none when no family is oral.
    """
    if not candidates:
        return LabelChoice(None, "no label with exactly these ingredients")
    family, kind = medicine_route(form, title)
    wanted = [_normal_strength(strength) for strength in strengths]
    wanted = [value for value in wanted if value is not None]
    known = [label for label in candidates if label_families(label)]
    families = set().union(*(label_families(label) for label in known)) if known else set()

    if family is None:
        if len(families) <= 1:
            fitting = list(candidates)
        elif "oral" in families:
            fitting = [label for label in candidates if "oral" in label_families(label) or not label_families(label)]
        else:
            return LabelChoice(None, "the name gives no route and the labels are for several "
                                     f"({_found(candidates)})")
    else:
        fitting = [label for label in candidates
                   if family in label_families(label) or not label_families(label)]
        if not fitting:
            return LabelChoice(None, f"no label for this route and form ({FAMILY_NAMES.get(family, family)}"
                                     f"{', ' + kind if kind else ''}); labels found: {_found(candidates)}")

    def rank(indexed: tuple[int, LabelFacts]) -> tuple[int, int, int, int]:
        index, label = indexed
        route_known = 1 if label_families(label) else 0
        same_kind = 1 if kind and kind in label_form_kinds(label) else 0
        same_strength = 1 if wanted and _has_strength(label, wanted) else 0
        return (-route_known, -same_kind, -same_strength, index)

    chosen = min(enumerate(fitting), key=rank)[1]
    return LabelChoice(chosen, f"{describe_label(chosen)} ({', '.join(chosen.routes) or 'route not stated'})")


def _found(candidates: Sequence[LabelFacts]) -> str:
    return "; ".join(dict.fromkeys(describe_label(label) for label in candidates))


def _normal_strength(strength: Strength) -> tuple[float, str] | None:
    """A strength as (amount in mg, per what): `1%` -> (10, "g|ml"), `125mg/5ml` -> (25, "ml")."""
    unit = (strength.unit or "").lower()
    if strength.amount is None:
        match = _STRENGTH.search(strength.text)
        if not match:
            return None
        return _normal(float(match.group(1)), match.group(2), float(match.group(3) or 1), match.group(4))
    return _normal(strength.amount, unit, strength.per_amount or 1.0, strength.per_unit)


def _normal(amount: float, unit: str, per_amount: float, per_unit: str | None) -> tuple[float, str] | None:
    unit = unit.lower()
    if unit == "%":
        return amount * 10.0, "per-volume"  # 1% = 10 mg per g or per mL
    if unit not in _MASS_IN_MG:
        return (amount / per_amount, f"{unit}/{(per_unit or '').lower()}") if per_amount else None
    milligrams = amount * _MASS_IN_MG[unit]
    if per_unit and per_unit.lower() in ("ml", "g"):
        return milligrams / per_amount, "per-volume"
    if per_unit and per_unit.lower() == "l":
        return milligrams / (per_amount * 1000), "per-volume"
    return milligrams / per_amount if per_amount else milligrams, "each"


def _has_strength(label: LabelFacts, wanted: list[tuple[float, str]]) -> bool:
    offered = []
    for product in label.products:
        for ingredient in product.ingredients:
            if ingredient.strength is not None:
                value = _normal_strength(ingredient.strength)
                if value is not None:
                    offered.append(value)
    # 3%: a label may state the salt, the name the base (bromfenac 0.075% is 0.76 mg/mL of the label)
    return any(abs(a - b) <= 1e-6 + 0.03 * max(a, b) and u == v for a, u in wanted for b, v in offered)
