"""Which of an ingredient list's labels a catalogue medicine is composed from: route, form, strength, date.

Labels are matched by exact ingredient set first (the store does that). Of those candidates the
one for the same kind of product wins: the same route family (by mouth, on the skin, in the
eye, …), then the same dosage form (tablet, liquid, gel, …), then a product for the same people
(a children's product only for a medicine listed as one), then a matching strength, then the
nearest strength of the same measure (per unit, per mL or g), then the most recent. A label for
another route is never borrowed: an oral diclofenac tablet is not composed from a gel's label,
whatever its date. See docs/sources.md ("Choosing the label").
"""

from __future__ import annotations

import math
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
        (r"eye ointment", "eye", "ointment"),
        (r"eye gel", "eye", "gel"),
        (r"eye[- ]?drops?|ophthalmic", "eye", "drops"),
        (r"ear[- ]?drops?|otic", "ear", "drops"),
        (r"nasal(?: spray| drops?)?|nose spray", "nose", "spray"),
        (r"inhal\w*|nebuli[sz]\w*|respules|evohaler|accuhaler|turbohaler", "inhaled", None),
        ((r"powder for (?:injection|infusion)|injection|injectable|infusion|inj|vial|ampoules?|"
          r"pre-?filled (?:syringe|pen)|auto-?injector"), "injection", "injection"),
        (r"suppositor\w*|enema|rectal", "rectal", None),
        (r"pessar\w*|vaginal", "vaginal", None),
        (r"oral gel", "oral", None),
        ((r"oral (?:solution|suspension|liquid|drops|powder)|syrup|dry syrup|elixir|"
          r"powder for oral (?:solution|suspension)"), "oral", "liquid"),
        (r"(?:chewable |dispersible |effervescent |orodispersible )?tablets?|tabs?|caplets?", "oral", "tablet"),
        (r"capsules?|caps?", "oral", "capsule"),
        (r"granules|sachets?|lozenges?|pastilles?|mouthwash", "oral", None),
        # `oral` alone says the route, not the form (`Ibuprofen 200mg oral caplets`, RxNorm's `Oral Tablet`).
        (r"oral", "oral", None),
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
        ((r"^(?:solution|suspension|syrup|elixir|liquid|concentrate|emulsion|tincture)|^powder, for (?:oral )?"
          r"(?:solution|suspension)|^granule, for (?:oral )?suspension|^for suspension|^for solution"), "liquid"),
        (r"^patch|^film, extended release|^plaster|^system", "patch"),
        (r"^gel|^jelly", "gel"),
        (r"^cream", "cream"),
        (r"^ointment", "ointment"),
        (r"^spray|^aerosol", "spray"),
        (r"^kit", "kit"),
    )
)

# Products made and labelled for children (`Children's Ibuprofen`, `Infants' Advil`, `Junior
# Strength`): their doses are by a child's age or weight, so an adult's medicine never takes one
# while a label for everyone of the listed form is there.
_FOR_CHILDREN = re.compile(r"\b(?:child(?:ren)?['’]?s?|infants?['’]?s?|junior|jr|kids?|p(?:a)?ediatric)\b",
                           re.IGNORECASE)

# How a reason says what differs between the chosen label and the listed medicine.
_NOTE = "; "
_OTHER_FORM, _FOR_CHILDREN_ONLY, _OTHER_STRENGTH = (
    "no label of the listed form", "a children's product", "no label of the listed strength")
_DIFFERENCES = (_OTHER_FORM, _FOR_CHILDREN_ONLY, _OTHER_STRENGTH)

_STRENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*(%|mg|g|mcg|µg|ug|microgram|iu|units?|ml)\b(?:\s*(?:/|per|in)\s*"
                       r"(\d+(?:\.\d+)?)?\s*(ml|g|l|dose|actuation|spray|drop|hour|24 hours)\b)?", re.IGNORECASE)
_MASS_IN_MG = {"mg": 1.0, "g": 1000.0, "mcg": 0.001, "µg": 0.001, "ug": 0.001, "microgram": 0.001}


@dataclass(frozen=True)
class LabelChoice:
    """The label chosen for a medicine (None when no candidate fits) and why, in a publisher's words.

    The reason of a chosen label is what it is (`tablet, coated (oral)`), then what differs from
    the listed medicine, each after `; ` (`no label of the listed strength (400mg)`): `differences`.
    """

    label: LabelFacts | None
    reason: str

    @property
    def differences(self) -> list[str]:
        """How the chosen label differs from the listed medicine (form, people, strength); empty
        when it is the listed product, or when no label was chosen."""
        if self.label is None:
            return []
        return [part for part in self.reason.split(_NOTE)[1:] if part.startswith(_DIFFERENCES)]


def medicine_route(form: str | None, title: str = "") -> tuple[str | None, str | None]:
    """(route family, form kind) of a catalogue medicine, from its form, else from words in its title."""
    for text in (form or "", title):
        if not text:
            continue
        for pattern, family, kind in _MEDICINE_WORDS:
            if pattern.search(text):
                if family is None and text is not title and title:
                    # `solution` alone says no route; the title may (`Metformin oral solution`), and
                    # may say the form better (`solution for injection` is an injection).
                    hinted, hinted_kind = medicine_route(None, title)
                    return hinted, hinted_kind if hinted == "injection" else kind
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
    """The form kinds of a label's products: `tablet, film coated` -> tablet; an eye or ear
    solution is drops as well as a liquid (SPL often says `solution` with the ophthalmic route)."""
    return _form_kinds(label, label_families(label))


def _form_kinds(label: LabelFacts, families: set[str]) -> set[str]:
    kinds = set()
    for form in label.forms:
        for pattern, kind in _LABEL_FORMS:
            if pattern.search(form.strip().lower()):
                kinds.add(kind)
                break
        else:
            kinds.add(form.strip().lower())
    if "liquid" in kinds and families & {"eye", "ear"}:
        kinds.add("drops")
    return kinds


def for_children(text: str) -> bool:
    """Whether a name says the product is for children: `Children's ibuprofen`, `Infants' drops`."""
    return bool(_FOR_CHILDREN.search(text))


def label_for_children(label: LabelFacts) -> bool:
    """Whether a label is a children's product: every product it names is (a label for adults'
    and children's products alike is for adults too), else its title says so. Not by its text:
    every label has a paragraph on use in children."""
    if label.product_names:
        return all(for_children(name) for name in label.product_names)
    return for_children(label.source.title)


def describe_label(label: LabelFacts) -> str:
    """`gel`, `tablet, film coated`: what a candidate is, for a report."""
    return ", ".join(label.forms) if label.forms else (", ".join(label.routes) or label.source.title)


def choose_label(candidates: Sequence[LabelFacts], *, form: str | None, strengths: Iterable[Strength] = (),
                 title: str = "") -> LabelChoice:
    """The label for this medicine among labels with its exact ingredients (most recent first).

    Rule: the route family must fit (a label for another route is never used); among those that
    fit, the same form kind first, then a product for the same people (a children's product
    only for a medicine listed as one, or when it is the only one of the listed form), then a
    label with one of the medicine's strengths, then the nearest strength of the same measure
    (400 mg each is nearer 200 mg each than 100 mg/5 mL), then the order given (most recent
    first). A medicine whose name gives no route takes the only family there is, or the oral
    labels when there are several (a bare "Ibuprofen 200mg" is the oral medicine), or none when
    no family is oral.
    """
    if not candidates:
        return LabelChoice(None, "no label with exactly these ingredients")
    family, kind = medicine_route(form, title)
    read = [(strength, _normal_strength(strength)) for strength in strengths]
    listed = [strength for strength, value in read if value is not None]
    wanted = [value for _, value in read if value is not None]
    routes = [label_families(label) for label in candidates]  # read once: the rules ask it often
    families = set().union(*routes)

    if family is None:
        if len(families) <= 1:
            fitting = list(range(len(candidates)))
        elif "oral" in families:
            fitting = [index for index, found in enumerate(routes) if "oral" in found or not found]
        else:
            return LabelChoice(None, "the name gives no route and the labels are for several "
                                     f"({_found(candidates)})")
    else:
        fitting = [index for index, found in enumerate(routes) if family in found or not found]
        if not fitting:
            return LabelChoice(None, f"no label for this route and form ({FAMILY_NAMES.get(family, family)}"
                                     f"{', ' + kind if kind else ''}); labels found: {_found(candidates)}")

    children = for_children(title)

    def rank(index: int) -> tuple[int, int, int, float, int]:
        label = candidates[index]
        route_known = 1 if routes[index] else 0
        same_kind = 1 if kind and kind in _form_kinds(label, routes[index]) else 0
        other_people = 1 if label_for_children(label) != children else 0
        return (-route_known, -same_kind, other_people, _strength_distance(label, wanted), index)

    index = min(fitting, key=rank)
    chosen = candidates[index]
    notes = [f"{describe_label(chosen)} ({', '.join(chosen.routes) or 'route not stated'})"]
    if kind and kind not in _form_kinds(chosen, routes[index]):
        notes.append(f"{_OTHER_FORM} ({kind})")
    if label_for_children(chosen) and not children:
        notes.append(f"{_FOR_CHILDREN_ONLY} (no other label fits)")
    if wanted and _strength_distance(chosen, wanted) > 0:
        notes.append(f"{_OTHER_STRENGTH} ({', '.join(strength.text for strength in listed)})")
    return LabelChoice(chosen, _NOTE.join(notes))


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


def _offered_strengths(label: LabelFacts) -> list[tuple[float, str]]:
    offered = []
    for product in label.products:
        for ingredient in product.ingredients:
            if ingredient.strength is not None:
                value = _normal_strength(ingredient.strength)
                if value is not None:
                    offered.append(value)
    return offered


def _strength_distance(label: LabelFacts, wanted: list[tuple[float, str]]) -> float:
    """How far the label's strengths are from the medicine's: 0 for one of them, else the
    smallest ratio (as a log) between strengths of the same measure; infinite when no strength
    of the label is of a listed measure (or the medicine lists none, so every label ties)."""
    if not wanted:
        return 0.0
    nearest = math.inf
    for a, unit in wanted:
        for b, offered_unit in _offered_strengths(label):
            if unit != offered_unit:
                continue
            # 3%: a label may state the salt, the name the base (bromfenac 0.075% is 0.76 mg/mL of the label)
            if abs(a - b) <= 1e-6 + 0.03 * max(a, b):
                return 0.0
            if a > 0 and b > 0:
                nearest = min(nearest, abs(math.log(a / b)))
    return nearest
