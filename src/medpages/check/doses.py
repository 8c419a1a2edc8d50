"""Dose figures: a "mg", "g", "mcg" or "mL" figure on the page that no known strength or labelled dose has.

Only run with label facts. The known figures are the medicine's catalogue strengths, the
label's product strengths, and every figure in the label's dosing statements and dosage,
strength, supply, package and patient information text (not
interactions or studies, which quote other medicines' doses). Ranges ("10 to 80 mg") give both ends. Grams and
micrograms are compared as milligrams. Laboratory units (mg/dL, mg/kg) are not doses.
"""

from __future__ import annotations

import re

from medpages.check.label_evidence import LabelEvidence
from medpages.check.page_text import page_passages, plain
from medpages.model import Finding, Medicine, Page

_UNIT = r"(?:mg|milligrams?|mcg|µg|μg|micrograms?|g|grams?|ml|mL|millilitres?|milliliters?)"
_FIGURE = re.compile(
    rf"(?<![\w.])(\d+(?:[.,]\d+)?)(?:\s*{_UNIT})?(?:\s*(?:to|or|and|-|–|—)\s*(\d+(?:[.,]\d+)?))?\s*({_UNIT})"
    r"(?!\w)(?!\s*/\s*(?:dl|kg|m2|m²|l\b|min|hour|h\b))", re.IGNORECASE)
_TO_MG = {"mg": 1.0, "milligram": 1.0, "milligrams": 1.0, "g": 1000.0, "gram": 1000.0, "grams": 1000.0,
          "mcg": 0.001, "µg": 0.001, "μg": 0.001, "microgram": 0.001, "micrograms": 0.001}


def _unit_kind(unit: str) -> tuple[str, float]:
    unit = unit.lower()
    if unit in _TO_MG:
        return "mg", _TO_MG[unit]
    return "ml", 1.0


def figures(text: str) -> list[tuple[str, tuple[str, float]]]:
    """(figure as written, (unit kind, amount in mg or mL)) for each dose figure in `text`."""
    found: list[tuple[str, tuple[str, float]]] = []
    for match in _FIGURE.finditer(text):
        kind, factor = _unit_kind(match.group(3))
        for number in (match.group(1), match.group(2)):
            if number:
                amount = float(number.replace(",", ".")) if number.count(",") == 1 and len(number.split(",")[1]) != 3 \
                    else float(number.replace(",", ""))
                found.append((f"{number} {match.group(3)}" if match.group(2) else match.group(0).strip(),
                              (kind, round(amount * factor, 6))))
    return found


def known_figures(medicine: Medicine, evidence: LabelEvidence) -> set[tuple[str, float]]:
    known: set[tuple[str, float]] = set()
    for strength in medicine.strengths:
        known |= {value for _, value in figures(strength.text)}
        for amount, unit in ((strength.amount, strength.unit), (strength.per_amount, strength.per_unit)):
            if amount is not None and unit:
                kind, factor = _unit_kind(unit)
                if unit.lower() in _TO_MG or unit.lower() in ("ml", "millilitre", "milliliter"):
                    known.add((kind, round(amount * factor, 6)))
    for text in evidence.dose_texts:
        known |= {value for _, value in figures(text)}
    return known


def _shown(known: set[tuple[str, float]]) -> str:
    ordered = sorted(known, key=lambda value: (value[0], value[1]))
    return ", ".join(f"{amount:g} {kind}" for kind, amount in ordered[:12]) + (" …" if len(ordered) > 12 else "")


def check_doses(page: Page, medicine: Medicine, evidence: LabelEvidence) -> list[Finding]:
    known = known_figures(medicine, evidence)
    findings: list[Finding] = []
    reported: set[tuple[str, tuple[str, float]]] = set()
    for passage in page_passages(page):
        for written, value in figures(plain(passage.text)):
            if value in known or (passage.section, value) in reported:
                continue
            reported.add((passage.section, value))
            findings.append(Finding(
                code="dose.unknown_figure", severity="warning", section=passage.section,
                message=f"{passage.where}: {written!r} matches no strength of {medicine.title} and no dose on the "
                        f"label ({evidence.citation}); known figures: {_shown(known) or 'none'}"))
    return findings
