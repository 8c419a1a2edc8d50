"""Synonyms and brands resolved to one generic, with identifiers and links, from the real dictionary."""

from __future__ import annotations

import subprocess
import sys

import pytest

from medpages.catalog.canonical import (
    canonical_fields,
    load_dictionary,
    lookup_spellings,
    repair_nhs_url,
    resolve_ingredient,
    resolve_name,
)


@pytest.mark.parametrize(
    "name", ["paracetamol", "Paracetamol", "acetaminophen", "ACETAMINOPHEN", "Calpol", "Tylenol", "Panadol"]
)
def test_paracetamol_its_synonyms_and_brands_are_one_generic(name: str) -> None:
    drug = resolve_name(name)
    assert drug is not None
    assert drug.name == "Acetaminophen"
    assert drug.drugbank == "DB00316"


def test_lipitor_is_atorvastatin_and_is_listed_as_a_brand() -> None:
    fields = canonical_fields(["Lipitor"])
    assert fields.generic_name == "Atorvastatin"
    assert fields.ingredients == ["Atorvastatin"]
    assert fields.brands[0] == "Lipitor"
    assert "Lipitor" not in fields.synonyms
    assert fields.identifiers.drugbank == "DB01076"
    assert fields.identifiers.medlineplus == "a600045"


def test_the_listed_spelling_is_a_synonym_and_the_generic_is_not_repeated() -> None:
    fields = canonical_fields(["Paracetamol"])
    assert fields.generic_name == "Acetaminophen"
    assert fields.synonyms[0] == "Paracetamol"
    assert "acetaminophen" not in [s.lower() for s in fields.synonyms]
    assert len({s.lower() for s in fields.synonyms}) == len(fields.synonyms)


def test_unknown_names_resolve_to_nothing() -> None:
    assert resolve_name("Foobarzolam") is None
    fields = canonical_fields(["Foobarzolam"])
    assert fields.generic_name is None
    assert fields.ingredients == ["Foobarzolam"]  # kept as written, not invented
    assert fields.synonyms == fields.brands == fields.links == []
    assert fields.identifiers.model_dump() == {"mesh": None, "drugbank": None, "medlineplus": None, "rxcui": None}


def test_a_combination_resolves_each_ingredient() -> None:
    fields = canonical_fields(["Amoxicillin", "Clavulanic Acid"])
    assert fields.generic_name == "Amoxicillin + Clavulanic Acid"
    assert fields.ingredients == ["Amoxicillin", "Clavulanic Acid"]
    # One set of identifiers cannot describe two drugs; the links name each ingredient.
    assert fields.identifiers.drugbank is None
    assert "https://medlineplus.gov/druginfo/meds/a685001.html" in [link.url for link in fields.links]


def test_a_combination_with_an_unknown_ingredient_gets_no_generic_name() -> None:
    fields = canonical_fields(["Amoxicillin", "Foobarzolam"])
    assert fields.generic_name is None
    assert fields.ingredients == ["Amoxicillin", "Foobarzolam"]


def test_links_are_authoritative_and_nhs_urls_repaired() -> None:
    links = {link.publisher: link for link in canonical_fields(["Atorvastatin"]).links}
    assert links["MedlinePlus"].url == "https://medlineplus.gov/druginfo/meds/a600045.html"
    assert links["NHS"].url == "https://www.nhs.uk/medicines/atorvastatin/"
    assert links["Wikipedia"].url == "https://en.wikipedia.org/wiki/Atorvastatin"
    assert links["MedlinePlus"].title == "Atorvastatin"


@pytest.mark.parametrize(
    ("broken", "repaired"),
    [
        ("https://nhswebsite-dev.nhs.ukhttps://api.nhs.uk/medicines/atorvastatin/",
         "https://www.nhs.uk/medicines/atorvastatin/"),
        ("https://nhswebsite-dev.nhs.ukhttps://api.nhs.uk/medicines/paracetamol-for-children/",
         "https://www.nhs.uk/medicines/paracetamol-for-children/"),
        ("https://nhs.uk/medicines/insulin", "https://www.nhs.uk/medicines/insulin/"),
        ("https://nhswebsite-dev.nhs.ukhttps://api.nhs.uk/conditions/flu/", None),
        (None, None),
    ],
)
def test_repair_nhs_url(broken: str | None, repaired: str | None) -> None:
    assert repair_nhs_url(broken) == repaired


def test_no_broken_nhs_url_is_ever_given_out() -> None:
    dictionary = load_dictionary()
    for key in dictionary.canonical_data:
        for _, url, publisher in dictionary.drug(key).links:
            if publisher == "NHS":
                assert url.startswith("https://www.nhs.uk/medicines/") and url.count("https://") == 1


def test_mesh_ids_from_the_dictionary_are_not_used() -> None:
    # The dictionary gives acetaminophen and aspirin the same MeSH id (a drug class).
    data = load_dictionary().canonical_data
    assert data["acetaminophen"]["mesh_id"] == data["aspirin"]["mesh_id"]
    assert canonical_fields(["Paracetamol"]).identifiers.mesh is None


@pytest.mark.parametrize(
    ("listed", "generic"),
    [
        ("Metformin Hydrochloride", "Metformin"),
        ("Metformin HCl", "Metformin"),
        ("Cetirizine Hydrochloride", "Cetirizine"),
        ("Ferrous Sulphate", "Ferrous sulfate"),
        ("Paracetamol 500", "Acetaminophen"),
        ("Salbutamol", "Albuterol"),
    ],
)
def test_salts_british_spellings_and_bare_numbers_fall_back_to_the_generic(listed: str, generic: str) -> None:
    drug = resolve_name(listed)
    assert drug is not None and drug.name == generic


def test_a_bare_number_is_not_kept_in_the_synonym() -> None:
    assert canonical_fields(["Paracetamol 500"]).synonyms[0] == "Paracetamol"


def test_lookup_spellings_order() -> None:
    assert lookup_spellings("Ferrous  Sulphate 200") == [
        "ferrous sulphate 200", "ferrous sulfate 200", "ferrous sulphate", "ferrous sulfate", "ferrous"
    ]


def test_resolution_is_memoised_per_ingredient() -> None:
    resolve_ingredient("Omeprazole")
    before = resolve_ingredient.cache_info().hits
    for _ in range(10):
        resolve_ingredient("Omeprazole")
    assert resolve_ingredient.cache_info().hits == before + 10


def test_each_medicine_gets_its_own_mutable_parts() -> None:
    first = canonical_fields(["Atorvastatin"])
    first.identifiers.rxcui = "83367"
    first.synonyms.append("mine")
    first.links[0].title = "changed"
    second = canonical_fields(["Atorvastatin"])
    assert second.identifiers.rxcui is None
    assert "mine" not in second.synonyms
    assert second.links[0].title == "Atorvastatin"


def test_the_finder_module_is_never_imported() -> None:
    code = (
        "import sys\n"
        "from medpages.catalog import import_catalog, resolve_name\n"
        "assert resolve_name('paracetamol') is not None\n"
        "assert 'drug_named_entity_recognition.drugs_finder' not in sys.modules, 'finder imported'\n"
        "assert 'drug_named_entity_recognition' not in sys.modules, 'package imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
