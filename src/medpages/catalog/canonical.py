"""Canonical generic names: synonyms and brands resolved to one generic, with identifiers and links.

The names come from the dictionary shipped by `drug-named-entity-recognition` (Fast Data
Science, MIT licence): about 20,000 canonical drugs and 107,000 spellings, brands and
synonyms merged from MeSH, DrugBank, MedlinePlus, the NHS and Wikipedia, in one 1.5 MB file
that loads offline in under a second. No other offline list of that coverage has a licence
that lets a publisher ship it. Only its data file is read; the package's `drugs_finder`
module is never imported (it takes seconds to import and can reach the network).

What is taken from it, and what is not (see docs/catalogue.md):
- the display generic name is the dictionary's own `name` ("Acetaminophen"), the heading the
  identifiers and links belong to; every other spelling ("Paracetamol") becomes a synonym;
- DrugBank and MedlinePlus identifiers are used; its MeSH identifiers are not: its MeSH
  harvester keeps the last `DescriptorUI` of a record, which is a pharmacological action
  (acetaminophen and aspirin both get D058633, "Antipyretics"), so they name drug classes;
- its NHS URLs are broken (`https://nhswebsite-dev.nhs.ukhttps://api.nhs.uk/medicines/x/`)
  and are repaired to `https://www.nhs.uk/medicines/x/`.
"""

from __future__ import annotations

import importlib.util
import re
import time
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple, Sequence

from medpages.catalog.collector import collector_paused
from medpages.catalog.dictionary_file import read_tables
from medpages.catalog.national_names import combination_named, national_names, us_name
from medpages.errors import MedpagesError
from medpages.model import Identifiers, Link

DICTIONARY_PACKAGE = "drug_named_entity_recognition"
DICTIONARY_FILE = "drug_ner_dictionary.pkl.bz2"

MEDLINEPLUS_URL = "https://medlineplus.gov/druginfo/meds/{id}.html"
NHS_URL = "https://www.nhs.uk/medicines/{page}/"
_MEDLINEPLUS_ID = re.compile(r"a\d{6}")
_DRUGBANK_ID = re.compile(r"DB\d{5}")
_NHS_PAGE = re.compile(r"/medicines/([a-z0-9][a-z0-9-]*)/?$")
_WIKIPEDIA = "https://en.wikipedia.org/wiki/"
_TRAILING_NUMBERS = re.compile(r"(?:\s+\d+)+$")
_COMBINATION_PARTS = re.compile(r"\s*/\s*|,?\s+and\s+|,\s*")
NO_IDENTIFIERS = Identifiers()  # shared by every product with none: never change it

# Lookup fallbacks, tried only when a name is not in the dictionary as written.
_BRITISH_SPELLINGS = (("sulph", "sulf"), ("aluminium", "aluminum"), ("oestr", "estr"))
# Salt, ester and hydrate words a generic's name often carries (`Metformin Hydrochloride`,
# `Diclofenac Epolamine`, `Ketorolac Tromethamine`): the active moiety is the name without them.
SALT_WORDS = frozenset(
    """hydrochloride hcl dihydrochloride hydrobromide hbr hydroiodide sodium disodium potassium
    dipotassium calcium magnesium zinc lithium aluminum besylate besilate maleate mesylate mesilate
    dimesylate succinate sulfate sulphate bisulfate hemisulfate phosphate diphosphate acetate
    diacetate citrate tartrate bitartrate fumarate hemifumarate monohydrate dihydrate trihydrate
    sesquihydrate hemihydrate hydrate anhydrous hyclate bromide dipropionate propionate valerate
    nitrate lactate gluconate tosylate malate oxalate pamoate embonate stearate palmitate
    benzoate salicylate xinafoate furoate tromethamine trometamol meglumine epolamine lysine
    arginine butyrate enanthate cypionate undecanoate decanoate""".split()
)


@dataclass(frozen=True, slots=True)
class CanonicalDrug:
    """One generic as the dictionary knows it: display name, other names, ids and links."""

    key: str
    name: str
    synonyms: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    drugbank: str | None = None
    medlineplus: str | None = None
    links: tuple[tuple[str, str, str], ...] = ()  # (title, url, publisher)

    def __hash__(self) -> int:
        # Equal drugs have equal keys; hashing the hundred names of a drug on every cache
        # lookup would cost more than the lookup saves.
        return hash(self.key)


@dataclass(frozen=True, slots=True)
class IngredientMatch:
    """A listed ingredient name and the generic it resolved to."""

    listed: str
    drug: CanonicalDrug
    listed_is_brand: bool | None  # None: the dictionary does not say


@dataclass
class CanonicalFields:
    """What resolution adds to a `Medicine`; empty when nothing resolved."""

    generic_name: str | None = None
    ingredients: list[str] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    identifiers: Identifiers = field(default_factory=Identifiers)
    links: list[Link] = field(default_factory=list)


class DrugDictionary:
    """The dictionary's three tables, and the reverse index from a generic to its names."""

    def __init__(self, tables: dict[str, Any], load_seconds: float):
        self.variant_to_canonical: dict[str, list[str]] = tables["drug_variant_to_canonical"]
        self.canonical_data: dict[str, dict[str, Any]] = tables["drug_canonical_to_data"]
        self.variant_data: dict[str, dict[str, Any]] = tables["drug_variant_to_variant_data"]
        self.load_seconds = load_seconds
        self.variants_of: dict[str, list[str]] = {}
        for variant, canonicals in self.variant_to_canonical.items():
            for canonical in canonicals:
                self.variants_of.setdefault(canonical, []).append(variant)
        self._drugs: dict[str, CanonicalDrug] = {}
        self._combinations: dict[frozenset[str], str] | None = None
        self._combination_names: frozenset[str] | None = None

    def canonical_key(self, name: str) -> str | None:
        """The canonical key a lower-cased spelling belongs to, if exactly one."""
        canonicals = self.variant_to_canonical.get(name)
        # A spelling shared by two generics is ambiguous: better no answer than a wrong one.
        if canonicals and len(canonicals) == 1 and canonicals[0] in self.canonical_data:
            return canonicals[0]
        return None

    def combination_key(self, ingredient_keys: frozenset[str]) -> str | None:
        """The dictionary's own entry for a combination of exactly these drugs
        (`naproxen/esomeprazole`, `trimethoprim/sulfamethoxazole`), if it has one."""
        if self._combinations is None:
            self._combinations = {}
            for key in self.canonical_data:
                parts = [part.strip() for part in _COMBINATION_PARTS.split(key) if part.strip()]
                keys = frozenset(self.canonical_key(part) for part in parts)
                if len(parts) > 1 and len(keys) == len(parts) and None not in keys:
                    self._combinations.setdefault(keys, key)
        return self._combinations.get(ingredient_keys)

    def combination_names(self) -> frozenset[str]:
        """Every spelling of every combination the dictionary or the table has: never a single drug's brand."""
        if self._combination_names is None:
            self.combination_key(frozenset())
            names = {name for key in set((self._combinations or {}).values()) for name in self.variants_of.get(key, ())}
            self._combination_names = frozenset(names | set(national_names().combinations))
        return self._combination_names

    def is_brand(self, variant: str) -> bool | None:
        data = self.variant_data.get(variant)
        return data.get("is_brand") if data else None

    def drug(self, key: str) -> CanonicalDrug:
        drug = self._drugs.get(key)
        if drug is None:
            drug = self._drugs[key] = self._build_drug(key)
        return drug

    def _build_drug(self, key: str) -> CanonicalDrug:
        data = self.canonical_data[key]
        name = str(data.get("name") or key)
        names = set(self.variants_of.get(key, ())) | set(data.get("synonyms") or ())
        names.discard(name.lower())
        brands = sorted(n for n in names if self.is_brand(n) is True)
        synonyms = sorted(n for n in names if self.is_brand(n) is not True)
        medlineplus = _valid(_MEDLINEPLUS_ID, data.get("medline_plus_id"))
        return CanonicalDrug(
            key=key,
            name=name,
            synonyms=tuple(synonyms),
            brands=tuple(brands),
            drugbank=_valid(_DRUGBANK_ID, data.get("drugbank_id")),
            medlineplus=medlineplus,
            links=tuple(_links(name, data, medlineplus)),
        )


def _valid(pattern: re.Pattern[str], value: Any) -> str | None:
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


def _links(name: str, data: dict[str, Any], medlineplus: str | None) -> list[tuple[str, str, str]]:
    links = []
    if medlineplus:
        links.append((name, MEDLINEPLUS_URL.format(id=medlineplus), "MedlinePlus"))
    nhs = repair_nhs_url(data.get("nhs_url") or data.get("nhs_api_url"))
    if nhs:
        links.append((name, nhs, "NHS"))
    wikipedia = data.get("wikipedia_url")
    if isinstance(wikipedia, str) and wikipedia.startswith(_WIKIPEDIA) and len(wikipedia) > len(_WIKIPEDIA):
        links.append((name, wikipedia, "Wikipedia"))
    return links


def repair_nhs_url(url: Any) -> str | None:
    """`https://nhswebsite-dev.nhs.ukhttps://api.nhs.uk/medicines/x/` -> `https://www.nhs.uk/medicines/x/`.

    Only the page name is kept; a URL without one gives None rather than a broken link.
    """
    if not isinstance(url, str):
        return None
    match = _NHS_PAGE.search(url)
    return NHS_URL.format(page=match.group(1)) if match else None


def dictionary_path() -> Path:
    """The dictionary file, found without importing the package (its import loads the finder)."""
    spec = importlib.util.find_spec(DICTIONARY_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / DICTIONARY_FILE
        if path.is_file():
            return path
    raise MedpagesError(
        f"the drug-name dictionary ({DICTIONARY_PACKAGE}/{DICTIONARY_FILE}) is not installed; "
        "reinstall medpages with its dependencies"
    )


@cache
def load_dictionary() -> DrugDictionary:
    """Load the dictionary once per process, on first use (a second the first time in a user's
    account, a fifth of that after: `dictionary_file.read_tables`)."""
    started = time.perf_counter()
    with collector_paused():
        tables = read_tables(dictionary_path())
    return DrugDictionary(tables, time.perf_counter() - started)


def lookup_spellings(name: str) -> list[str]:
    """The spellings tried for a listed name, in order: as written, then the fallbacks.

    British spellings are respelled, then trailing salt words and bare numbers are dropped
    one at a time (`Metformin Hydrochloride`, `Paracetamol 500`), fullest names first.
    """
    written = " ".join(name.lower().split())
    level = [written] + [
        written.replace(british, american) for british, american in _BRITISH_SPELLINGS if british in written
    ]
    spellings = list(level)
    while level:
        level = [_without_last_word(spelling) for spelling in level if _ends_with_salt_or_number(spelling)]
        spellings += level
    return list(dict.fromkeys(spellings))


def _ends_with_salt_or_number(spelling: str) -> bool:
    words = spelling.split()
    return len(words) > 1 and (words[-1].isdigit() or words[-1] in SALT_WORDS)


def _without_last_word(spelling: str) -> str:
    return spelling.rsplit(" ", 1)[0]


def active_moiety(name: str) -> str:
    """The name without its trailing salt, ester and hydrate words (`Levothyroxine sodium` ->
    `Levothyroxine`), unless only a salt word would be left (`Calcium acetate`, `Sodium chloride`)."""
    words = name.split()
    while len(words) > 1 and words[-1].lower().strip(".") in SALT_WORDS:
        words.pop()
    return name if len(words) == 1 and words[0].lower() in SALT_WORDS else " ".join(words)


def resolution_spellings(name: str) -> list[str]:
    """The spellings `resolve_ingredient` tries: the active moiety's first, then the name's own.

    The moiety goes first because the dictionary files some salts as drugs of their own
    (`Ketorolac Tromethamine`) or under another drug (`levothyroxine sodium` under thyroxine),
    while a label and a list must meet at one name whatever salt each writes.
    """
    written = " ".join(name.split())
    moiety = active_moiety(written)
    spellings = lookup_spellings(moiety) + lookup_spellings(written) if moiety != written else lookup_spellings(written)
    return list(dict.fromkeys(spellings))


@lru_cache(maxsize=65536)
def resolve_ingredient(name: str) -> IngredientMatch | None:
    """The generic a listed ingredient name stands for, or None if the dictionary lacks it.

    A UK or INN name the table in `data/uk_names.toml` knows is looked up by its US name, the
    one labels use (`Glyceryl trinitrate` -> Nitroglycerin, `Aciclovir` -> Acyclovir).
    """
    dictionary = load_dictionary()
    # Most names resolve as written (their active moiety's spelling, which comes first): tried
    # before every fallback spelling is made.
    first = " ".join(active_moiety(" ".join(name.split())).lower().split())
    spellings = [first] if dictionary.canonical_key(us_name(first) or first) else resolution_spellings(name)
    for spelling in spellings:
        key = dictionary.canonical_key(us_name(spelling) or spelling)
        if key is not None:
            # `Paracetamol 500` is listed as the synonym `Paracetamol`: the number is not a name.
            listed = _TRAILING_NUMBERS.sub("", name.strip()) or name
            return IngredientMatch(
                listed=listed, drug=dictionary.drug(key), listed_is_brand=dictionary.is_brand(spelling)
            )
    return None


def resolve_name(name: str) -> CanonicalDrug | None:
    """The generic one name (a generic, a synonym or a brand) stands for, or None."""
    match = resolve_ingredient(name.strip())
    return match.drug if match else None


def canonical_fields(ingredient_names: Sequence[str]) -> CanonicalFields:
    """Generic name, canonical ingredients, synonyms, brands, ids and links for a product.

    Each ingredient is resolved on its own. An ingredient the dictionary lacks is kept as
    written in `ingredients` and the product gets no generic name (it would be a half-truth).
    Identifiers describe one drug, so only single-ingredient products get them.
    """
    resolved = resolve_product(tuple(ingredient_names))
    # Fresh lists and models: the caller may change them.
    return CanonicalFields(
        generic_name=resolved.generic_name,
        ingredients=list(resolved.ingredients),
        synonyms=list(resolved.synonyms),
        brands=list(resolved.brands),
        identifiers=resolved.identifiers.model_copy(),
        links=[link.model_copy() for link in resolved.links],
    )


class ResolvedProduct(NamedTuple):
    """`canonical_fields` as the catalogue keeps it: tuples, and models shared by every product
    that resolves alike. Never change `identifiers` or `links` in place."""

    generic_name: str | None
    ingredients: tuple[str, ...]
    synonyms: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    identifiers: Identifiers = NO_IDENTIFIERS
    links: tuple[Link, ...] = ()


def brand_display(name: str) -> str:
    """A brand as a reader writes it: the dictionary lower-cases brand names (`lipitor` -> `Lipitor`)."""
    return name[:1].upper() + name[1:] if name.islower() else name


@lru_cache(maxsize=65536)
def resolve_product(ingredient_names: tuple[str, ...]) -> ResolvedProduct:
    """What the dictionary says about one list of ingredient names (memoised).

    A UK compound name or a combination brand the table knows (`Co-amoxiclav`, `Augmentin`)
    stands for its ingredients.
    """
    expanded: list[str] = []
    named: list[tuple[str, bool]] = []  # compound names and brands as listed, and whether a brand
    for name in ingredient_names:
        combination = listed_combination(name)
        if combination is None:
            expanded.append(name)
        else:
            named.append((name.strip(), combination.is_brand))
            expanded += combination.ingredients
    matches = [resolve_ingredient(name) for name in expanded]
    ingredients = tuple(m.drug.name if m else name for m, name in zip(matches, expanded))
    resolved = tuple(m for m in matches if m is not None)
    if not resolved:
        return ResolvedProduct(None, ingredients)
    # What follows depends on the resolved ingredients only: `A + Pack 1` and `A + Pack 2`
    # share it.
    complete = len(resolved) == len(matches)
    if len(matches) == 1:
        resolution = _resolved_single(resolved[0])
    else:
        resolution = _resolved_combination(resolved, complete, tuple(named))
    return ResolvedProduct(resolution.generic_name, ingredients, *resolution[2:])  # `_replace`, at a tenth of its cost


@lru_cache(maxsize=16384)
def _links_of(drug: CanonicalDrug) -> tuple[Link, ...]:
    """A drug's links as models, made once and shared by every product it is part of."""
    return tuple(Link(title=t, url=u, publisher=p) for t, u, p in drug.links)


# The table's combination a listed name stands for, once per distinct name (lists repeat names).
listed_combination = lru_cache(maxsize=65536)(combination_named)


@lru_cache(maxsize=16384)
def _resolved_single(match: IngredientMatch) -> ResolvedProduct:
    """Generic name, synonyms, brands, identifiers and links of one resolved drug.

    A brand of a combination the drug is part of is never one of its brands.
    """
    synonyms, brands = _other_names([match])
    combinations = load_dictionary().combination_names()
    drug = match.drug
    known = {"drugbank": drug.drugbank, "medlineplus": drug.medlineplus}
    return ResolvedProduct(
        generic_name=drug.name,
        ingredients=(),
        synonyms=tuple(synonyms),
        brands=tuple(brand for brand in brands if brand.lower() not in combinations),
        # Only the identifiers known are set: an unset field costs nothing in each medicine.
        identifiers=Identifiers(**{name: value for name, value in known.items() if value}),
        links=_links_of(drug),
    )


@lru_cache(maxsize=16384)
def _resolved_combination(matches: tuple[IngredientMatch, ...], complete: bool,
                          named: tuple[tuple[str, bool], ...]) -> ResolvedProduct:
    """Generic name, other names, brands and links of a combination.

    `complete`: no ingredient is unresolved, so it has a generic name. Its brands are the
    combination's own (the table's, or a listed combination brand), never one ingredient's:
    Cozaar is losartan, Hyzaar is losartan with hydrochlorothiazide. Identifiers describe one
    drug, so a combination has none; the links name each ingredient.
    """
    generic = " + ".join(m.drug.name for m in matches)
    synonyms = [name for name, is_brand in named if not is_brand]
    brands = [name for name, is_brand in named if is_brand]
    listed = " + ".join(m.listed for m in matches)
    if not named and listed.lower() != generic.lower():
        synonyms.append(listed)
    if complete:
        keys = frozenset(m.drug.key for m in matches)
        dictionary = load_dictionary()
        table_brands, table_compound_names = _table_combinations().get(keys, ((), ()))
        brands += table_brands
        synonyms += table_compound_names
        combination = dictionary.combination_key(keys)
        if combination is not None:
            synonyms += [name for name in dictionary.variants_of.get(combination, ()) if name != generic.lower()]
    return ResolvedProduct(
        generic_name=generic if complete else None,
        ingredients=(),
        synonyms=tuple(_without_repeats(synonyms, {generic.lower(), *(b.lower() for b in brands)})),
        brands=tuple(_without_repeats(brands, set())),
        links=tuple(link for m in matches for link in _links_of(m.drug)),
    )


@cache
def _table_combinations() -> dict[frozenset[str], tuple[tuple[str, ...], tuple[str, ...]]]:
    """The table's combination brands and UK compound names (`NationalNames.brands_of`,
    `compound_names_of`), in table order, by the keys of the drugs they combine: found for a
    combination in one look-up instead of resolving every ingredient of the table."""

    def key_of(name: str) -> str | None:
        match = resolve_ingredient(name)
        return match.drug.key if match else None

    by_keys: dict[frozenset[str | None], tuple[list[str], list[str]]] = {}
    for combination in national_names().combinations.values():
        brands, compound_names = by_keys.setdefault(frozenset(map(key_of, combination.ingredients)), ([], []))
        (brands if combination.is_brand else compound_names).append(combination.name)
    # An ingredient the dictionary lacks (a None key) is never in a resolved product's keys.
    return {keys: (tuple(brands), tuple(names)) for keys, (brands, names) in by_keys.items() if None not in keys}


def _without_repeats(names: list[str], seen: set[str]) -> list[str]:
    kept = []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            kept.append(name)
    return kept


def _other_names(matches: Sequence[IngredientMatch]) -> tuple[list[str], list[str]]:
    """Synonyms and brands: the listed spellings first, then the dictionary's, no repeats."""
    synonyms: list[str] = []
    brands: list[str] = []
    seen = {m.drug.name.lower() for m in matches}
    for m in matches:
        if m.listed.lower() not in seen:
            seen.add(m.listed.lower())
            (brands if m.listed_is_brand else synonyms).append(m.listed)
    for m in matches:
        for target, names in ((synonyms, m.drug.synonyms), (brands, m.drug.brands)):
            for name in names:
                if name not in seen:
                    seen.add(name)
                    target.append(name)
    return synonyms, brands
