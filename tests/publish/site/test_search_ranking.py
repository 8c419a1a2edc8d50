"""What the name search ranks first among confusable neighbours, salts and combinations.

Titles as a wholesaler lists them, resolved by the catalogue (the shipped dictionary and the
curated table), searched with `search_query.py` (search.js's twin: the parity test keeps them
in step).
"""

from __future__ import annotations

import pytest

from medpages.catalog.builder import medicine_from_title
from medpages.publish.site.search_index import NameRecord, name_shards
from medpages.publish.site.search_query import NameSearch

TITLES = [
    "Metformin Hydrochloride 500mg Tablets", "Metoprolol Tartrate 50mg Tablets", "Methotrexate 2.5mg Tablets",
    "Metronidazole 400mg Tablets", "Paracetamol 500mg Tablets", "Paracetamol + Codeine 500mg/30mg Tablets",
    "Co-codamol 30/500mg Capsules", "Codeine Phosphate 30mg Tablets", "Levothyroxine Sodium 100mcg Tablets",
    "Docusate Sodium 100mg Capsules", "Colecalciferol 800 IU Capsules", "Adrenaline 1mg/ml Injection",
    "Glyceryl Trinitrate 400mcg Spray", "Aciclovir 400mg Tablets", "Fluticasone + Salmeterol 250mcg/25mcg Inhaler",
    "Fluticasone 50mcg Nasal Spray", "Amlodipine 5mg Tablets", "Chlorphenamine 4mg Tablets", "Ibuprofen 200mg Tablets",
    "Cetirizine 10mg Tablets", "Calcium Carbonate + Colecalciferol 1.5g/400 IU Chewable Tablets",
]


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return name_shards(NameRecord.of(medicine_from_title(title)) for title in TITLES)


@pytest.fixture(scope="module")
def search(files) -> NameSearch:
    return NameSearch(files)


@pytest.mark.parametrize(("typed", "first"), [
    # one typo anywhere, the first letter too: the other shard is searched
    ("ubuprofen", "Ibuprofen 200mg Tablets"), ("setirizine", "Cetirizine 10mg Tablets"),
    ("kodeine", "Codeine Phosphate 30mg Tablets"), ("netformin", "Metformin Hydrochloride 500mg Tablets"),
    # the whole word, or one typo of it, before a prefix of a neighbour
    ("metoprolo", "Metoprolol Tartrate 50mg Tablets"), ("metformine", "Metformin Hydrochloride 500mg Tablets"),
    ("methotrexat", "Methotrexate 2.5mg Tablets"), ("metronidazol", "Metronidazole 400mg Tablets"),
    # a salt word narrows, or is passed over; it never leads to another medicine with that salt
    ("levothyroxine sodium", "Levothyroxine Sodium 100mcg Tablets"),
    ("amlodipine besylate", "Amlodipine 5mg Tablets"),
    # UK and US names of one substance, and the other brands of a combination
    ("epinephrine", "Adrenaline 1mg/ml Injection"), ("nitroglycerin", "Glyceryl Trinitrate 400mcg Spray"),
    ("gtn", "Glyceryl Trinitrate 400mcg Spray"), ("acyclovir", "Aciclovir 400mg Tablets"),
    ("cholecalciferol", "Colecalciferol 800 IU Capsules"), ("Piriton", "Chlorphenamine 4mg Tablets"),
    ("Seretide", "Fluticasone + Salmeterol 250mcg/25mcg Inhaler"),
    ("Adcal-D3", "Calcium Carbonate + Colecalciferol 1.5g/400 IU Chewable Tablets"),
    # a generic before the combination that contains it, unless both are named
    ("paracetamol", "Paracetamol 500mg Tablets"), ("fluticasone", "Fluticasone 50mcg Nasal Spray"),
    ("salmeterol fluticasone", "Fluticasone + Salmeterol 250mcg/25mcg Inhaler"),
    ("calcium vitamin d", "Calcium Carbonate + Colecalciferol 1.5g/400 IU Chewable Tablets"),
])
def test_the_first_result_is_the_medicine_meant(search, typed, first):
    assert search.search(typed)[0].title == first


@pytest.mark.parametrize("typed", ["paracetamol codeine", "codeine paracetamol", "co-codamol", "Solpadol"])
def test_both_ingredients_find_the_combination_under_either_name(search, typed):
    titles = [hit.title for hit in search.search(typed)[:2]]
    assert set(titles) == {"Paracetamol + Codeine 500mg/30mg Tablets", "Co-codamol 30/500mg Capsules"}


def test_a_first_query_fetches_the_index_a_few_word_list_parts_and_at_most_three_shards(files):
    fresh = NameSearch(files)
    fresh.search("ubuprofen")
    assert "search/names/index.json" in fresh.fetched
    parts = {path for path in fresh.fetched if path.startswith("search/names/w-")}
    shards = fresh.fetched - parts - {"search/names/index.json"}
    assert 1 <= len(parts) <= 5  # the parts of its five typo keys
    assert 1 < len(shards) <= 3
