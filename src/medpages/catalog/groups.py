"""The strengths and forms of one medicine grouped together (`Paracetamol 500mg`, `Paracetamol 650mg`)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from medpages.model import Medicine


def group_key(medicine: Medicine) -> str:
    """Medicines with the same key are strengths or forms of one medicine.

    The key is the canonical ingredients, in any order (`A + B` = `B + A`); a title nothing
    could be read from is its own group.
    """
    if medicine.ingredients:
        return " + ".join(sorted(_folded(name) for name in medicine.ingredients))
    return _folded(medicine.title)


def _folded(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def group_strengths(medicines: Iterable[Medicine]) -> dict[str, list[Medicine]]:
    """Group key -> its medicines, each group ordered by form then first strength."""
    groups: dict[str, list[Medicine]] = {}
    for medicine in medicines:
        groups.setdefault(group_key(medicine), []).append(medicine)
    for members in groups.values():
        members.sort(key=_strength_order)
    return groups


def _strength_order(medicine: Medicine) -> tuple[str, str, float, str]:
    first = medicine.strengths[0] if medicine.strengths else None
    amount = first.amount if first and first.amount is not None else float("inf")
    return (medicine.form or "", (first.unit or "") if first else "", amount, medicine.title)
