"""Names: the catalogue's medicines whose names resolved to nothing, with suggestions, and accepting them.

`medpages import` keeps a medicine whose name the drug dictionary does not know (`Paracetmol
1g`), with no generic name, links or label, and says so. `unresolved_names` lists them with
the closest known name; `accept_suggestions` resolves them again with it, for all of them or
for the names the publisher chose. The title and slug never change: the page stays where it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from medpages.catalog.builder import with_names_corrected
from medpages.catalog.suggestions import suggest_spelling, unresolved_ingredients
from medpages.model import Medicine
from medpages.project import Project


@dataclass
class UnresolvedMedicine:
    """One medicine with names the dictionary does not know, and the closest each has (or None)."""

    slug: str
    title: str
    suggestions: dict[str, str | None]

    def __str__(self) -> str:
        parts = [f"{name!r}: did you mean {suggestion!r}?" if suggestion else f"{name!r}: no close name known"
                 for name, suggestion in self.suggestions.items()]
        return f"{self.title} ({self.slug}): " + "; ".join(parts)

    def matches(self, chosen: str) -> bool:
        """Whether the publisher named this medicine: by an unresolved name, its title or its slug."""
        wanted = chosen.casefold().strip()
        return wanted in {self.slug, self.title.casefold(), *(name.casefold() for name in self.suggestions)}


@dataclass
class NamesReport:
    unresolved: list[UnresolvedMedicine] = field(default_factory=list)  # still unresolved after this run
    accepted: list[str] = field(default_factory=list)  # what was changed, one line per medicine
    not_found: list[str] = field(default_factory=list)  # names given to accept that name no unresolved medicine

    @property
    def warnings(self) -> int:
        return len(self.unresolved) + len(self.not_found)


def unresolved_names(project: Project) -> NamesReport:
    """Every medicine with a name the dictionary does not know, with suggestions; changes nothing."""
    return NamesReport(unresolved=[_unresolved(m) for m in project.store().medicines_without_generic()])


def accept_suggestions(project: Project, chosen: Sequence[str] = ()) -> NamesReport:
    """Resolve medicines again with the suggested names: all that have one, or only those `chosen`
    names (an unresolved name, a title or a slug). A medicine that still does not resolve is left as it was."""
    report = NamesReport()
    store = project.store()
    medicines = store.medicines_without_generic()
    entries = [_unresolved(medicine) for medicine in medicines]
    report.not_found = [name for name in chosen if not any(entry.matches(name) for entry in entries)]
    for medicine, entry in zip(medicines, entries):
        corrections = {name: suggestion for name, suggestion in entry.suggestions.items() if suggestion}
        selected = not chosen or any(entry.matches(name) for name in chosen)
        corrected = with_names_corrected(medicine, corrections) if selected and corrections else None
        if corrected is None or corrected.generic_name is None:
            report.unresolved.append(entry)
            continue
        store.upsert_medicine(corrected)
        changes = ", ".join(f"{name} -> {suggestion}" for name, suggestion in corrections.items())
        report.accepted.append(f"{medicine.title} ({medicine.slug}): {changes}; generic name {corrected.generic_name}")
    return report


def _unresolved(medicine: Medicine) -> UnresolvedMedicine:
    names = unresolved_ingredients(medicine.ingredients) or [medicine.title]
    return UnresolvedMedicine(medicine.slug, medicine.title, {name: suggest_spelling(name) for name in names})
