"""UK, international (INN) and US names of one drug, and the UK names and brands of fixed combinations.

The drug dictionary knows most names, but it files some pairs as two drugs (`aciclovir` and
`acyclovir`, `glyceryl trinitrate` and `nitroglycerin`), knows the BNF's compound names
(`co-amoxiclav`) only as names of their own with no ingredients, and has few combination
brands. The small table in `data/uk_names.toml` joins them up, each entry with its source.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from medpages.errors import MedpagesError

TABLE = "uk_names.toml"


@dataclass(frozen=True, slots=True)
class DrugNames:
    """One drug's names: the INN, the US name (the one labels and the dictionary file it under), others."""

    inn: str
    us: str
    also: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Combination:
    """A name that stands for a fixed combination: a UK compound name or a brand."""

    name: str
    ingredients: tuple[str, ...]
    is_brand: bool
    source: str = ""


@dataclass(frozen=True, slots=True)
class NationalNames:
    by_spelling: dict[str, DrugNames]  # any of a drug's names, lower case -> its names
    by_us_name: dict[str, DrugNames]
    combinations: dict[str, Combination]  # compound name or brand, lower case -> the combination

    def brands_of(self, ingredient_keys: frozenset[str], key_of) -> list[str]:
        """The table's brands for exactly these ingredients (`key_of` gives an ingredient's key)."""
        return [c.name for c in self.combinations.values()
                if c.is_brand and frozenset(key_of(name) for name in c.ingredients) == ingredient_keys]

    def compound_names_of(self, ingredient_keys: frozenset[str], key_of) -> list[str]:
        return [c.name for c in self.combinations.values()
                if not c.is_brand and frozenset(key_of(name) for name in c.ingredients) == ingredient_keys]


def _spelling(name: str) -> str:
    return " ".join(name.lower().replace("-", " - ").split()).replace(" - ", "-")


@cache
def national_names() -> NationalNames:
    """The table, read once from the package's data."""
    text = resources.files("medpages.catalog").joinpath("data", TABLE).read_text(encoding="utf-8")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:  # a packaging mistake, not a user's
        raise MedpagesError(f"medpages/catalog/data/{TABLE} is not valid TOML: {error}") from None
    by_spelling: dict[str, DrugNames] = {}
    by_us_name: dict[str, DrugNames] = {}
    for entry in table.get("name", []):
        names = DrugNames(entry["inn"], entry["us"], tuple(entry.get("also", ())), entry["source"])
        by_us_name[_spelling(names.us)] = names
        for spelling in (names.inn, names.us, *names.also):
            by_spelling[_spelling(spelling)] = names
    combinations: dict[str, Combination] = {}
    for kind, is_brand in (("compound", False), ("brand", True)):
        for entry in table.get(kind, []):
            combination = Combination(entry["name"], tuple(entry["ingredients"]), is_brand, entry["source"])
            combinations[_spelling(combination.name)] = combination
    return NationalNames(by_spelling, by_us_name, combinations)


def combination_named(name: str) -> Combination | None:
    """The combination a listed name stands for (`Co-amoxiclav`, `Augmentin`), if the table has it."""
    return national_names().combinations.get(_spelling(name))


def us_name(spelling: str) -> str | None:
    """The US name of a drug a list names otherwise (`glyceryl trinitrate` -> `nitroglycerin`), if tabled."""
    names = national_names().by_spelling.get(_spelling(spelling))
    return names.us if names else None


def names_for(us: str) -> DrugNames | None:
    """The table's names of a drug, by its US name (the dictionary's name for it)."""
    return national_names().by_us_name.get(_spelling(us))
