"""References: DailyMed SPL and openFDA label files, folders and zips read into the project's store."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from medpages.project import Project


def add_label_sources(project: Project, paths: Iterable[Path], progress: Callable[[str], None] | None = None):
    """Read label files into the store: facts per ingredient list, with their source and date."""
    from medpages.sources import add_sources

    return add_sources(project.store(), paths, progress=progress)


def label_lookup(store):
    """`facts_for(medicine)`: the most recent label for its ingredients, read once per ingredient list.

    Medicines come in slug order, so a medicine's strengths follow each other (atorvastatin 10, 20,
    40, 80 mg): a small cache saves reading the same label, sections and all, for each of them.
    """
    from functools import lru_cache

    from medpages.sources.ingredients import canonical_ingredients

    @lru_cache(maxsize=32)
    def best(ingredients: tuple[str, ...]):
        names = canonical_ingredients(ingredients)
        return store.best_label(names, with_sections=True) if names else None

    return lambda medicine: best(tuple(medicine.ingredients))
