"""Which name a page shows as the generic, and which it gives as "also known as".

The catalogue resolves every name to the dictionary's generic (`Paracetamol` -> Acetaminophen),
the name labels are matched by. A reader should see the name their list used: `as-listed`
shows `Paracetamol (also known as Acetaminophen)`; `inn` shows the International
Nonproprietary Name and `us` the US name, each with the others after it. A brand is never
shown as the generic (`Lipitor 20mg` shows Atorvastatin).
"""

from __future__ import annotations

from typing import Literal

from medpages.catalog.canonical import active_moiety, load_dictionary, resolve_ingredient
from medpages.catalog.names import read_name
from medpages.catalog.national_names import combination_named, names_for, us_name
from medpages.model import Medicine

NamePreference = Literal["as-listed", "inn", "us"]


def preferred_generic_name(medicine: Medicine, prefer: NamePreference = "as-listed") -> tuple[str, list[str]]:
    """The generic name to show and its other names, in the order given; a medicine that did not
    resolve shows its ingredients (or title) as listed, with no other names."""
    if not medicine.generic_name:
        return " + ".join(medicine.ingredients) or medicine.title, []
    inn = " + ".join(_inn(name) for name in medicine.ingredients) or medicine.generic_name
    us = " + ".join(_us(name) for name in medicine.ingredients) or medicine.generic_name
    listed = listed_generic_name(medicine.title)
    shown = {"as-listed": listed or inn, "inn": inn, "us": us}[prefer]
    others: list[str] = []
    for name in (listed, inn, us, medicine.generic_name):
        if name and name.casefold() != shown.casefold() and name.casefold() not in {o.casefold() for o in others}:
            others.append(name)
    return shown, others


def listed_generic_name(title: str) -> str | None:
    """The generic name as the list wrote it, without its salt (`Paracetamol`, `Co-amoxiclav`,
    `Losartan` for `Losartan potassium`), or None when the title names a brand or something the
    dictionary does not know."""
    parts = []
    for name in read_name(title).ingredients:
        combination = combination_named(name)
        if combination is not None:
            if combination.is_brand:
                return None
            parts.append(_as_written(name))
            continue
        match = resolve_ingredient(name)
        moiety = active_moiety(match.listed) if match else ""
        if match is None or not _is_generic_spelling(moiety, match.drug.name):
            return None
        parts.append(_as_written(moiety))  # the salt stays in the title
    return " + ".join(parts) or None


def _is_generic_spelling(spelling: str, generic: str) -> bool:
    """Whether a listed spelling is a generic's name rather than a brand. The dictionary marks few
    brands (`Calpol`, `Tylenol` carry no mark), so a spelling counts as generic only when it is the
    drug's own name, a name in the UK names table, or one the dictionary marks as no brand."""
    lowered = spelling.lower()
    return lowered == generic.lower() or us_name(lowered) is not None or load_dictionary().is_brand(lowered) is False


def _as_written(name: str) -> str:
    """A name as written, but an all-capitals one (`ACETAMINOPHEN`, from a US list) in sentence case."""
    return name[:1].upper() + name[1:].lower() if name.isupper() else name


def _inn(ingredient: str) -> str:
    names = names_for(ingredient)
    return _sentence_case(names.inn) if names else ingredient


def _us(ingredient: str) -> str:
    names = names_for(ingredient)
    return _sentence_case(names.us) if names else ingredient


def _sentence_case(name: str) -> str:
    return name[:1].upper() + name[1:]
