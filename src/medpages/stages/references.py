"""References: DailyMed SPL and openFDA label files, folders and zips read into the project's store."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from medpages.project import Project


def add_label_sources(project: Project, paths: Iterable[Path], progress: Callable[[str], None] | None = None):
    """Read label files into the store: facts per ingredient list, with their source and date."""
    from medpages.sources import add_sources

    return add_sources(project.store(), paths, progress=progress)


class LabelLookup:
    """`lookup(medicine)`: the label a medicine is composed and checked from, or None.

    The candidates are the labels with exactly the medicine's canonical ingredients; of those,
    `medpages.sources.choice.choose_label` takes the one for the same route and dosage form, then
    strength, then the most recent. `lookup.choice(medicine)` says why (or why none fits: "no
    label for this route and form …"). Medicines come in slug order, so one ingredient list's
    strengths follow each other (atorvastatin 10, 20, 40, 80 mg): small caches save reading the
    same candidates, and the same label with its sections, for each of them.
    """

    def __init__(self, store):
        from functools import lru_cache

        self.store = store
        self._candidates = lru_cache(maxsize=32)(self._read_candidates)
        self._with_sections = lru_cache(maxsize=8)(self._read_label)

    def __call__(self, medicine):
        return self.choice(medicine).label

    def choice(self, medicine):
        from medpages.sources.choice import LabelChoice, choose_label

        candidates = self._candidates(tuple(medicine.ingredients))
        if not candidates:
            return LabelChoice(None, "no label with exactly these ingredients")
        chosen = choose_label(candidates, form=medicine.form, strengths=medicine.strengths, title=medicine.title)
        if chosen.label is None:
            return chosen
        full = self._with_sections(chosen.label.source.set_id)
        return LabelChoice(full or chosen.label, chosen.reason)

    def _read_candidates(self, ingredients: tuple[str, ...]):
        from medpages.sources.ingredients import canonical_ingredients

        names = canonical_ingredients(ingredients)
        return self.store.labels_for(names) if names else []

    def _read_label(self, set_id: str):
        return self.store.get_label(set_id, with_sections=True)


def label_lookup(store) -> LabelLookup:
    """The label lookup of a store: call it with a medicine for its label (see `LabelLookup`)."""
    return LabelLookup(store)
