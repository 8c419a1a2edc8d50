"""A realistic pharmacy list (UK and US styles): what each line must become, or why it is refused.

The expectations were written from the names themselves before the code was changed: release
and form words are the form, salts resolve to the active moiety, a combination gets only
combination brands, UK and INN names resolve, and a name that resolves to nothing is reported
with a suggestion rather than kept silently.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medpages.catalog import import_catalog
from medpages.catalog.names import parse_name

LIST = Path(__file__).parent / "fixtures" / "pharmacy-list.txt"

# title -> (generic name, canonical ingredients, form, strengths as written)
RESOLVED: dict[str, tuple[str, list[str], str | None, list[str]]] = {
    "Omeprazole 20mg gastro-resistant capsules": ("Omeprazole", ["Omeprazole"], "gastro-resistant capsule", ["20mg"]),
    "Esomeprazole magnesium 40mg delayed-release capsules": (
        "Esomeprazole", ["Esomeprazole"], "delayed-release capsule", ["40mg"]),
    "Lansoprazole 30mg orodispersible tablets": ("Lansoprazole", ["Lansoprazole"], "orodispersible tablet", ["30mg"]),
    "Hydrochlorothiazide 25mg + Losartan 50mg": (
        "Hydrochlorothiazide + Losartan", ["Hydrochlorothiazide", "Losartan"], None, ["25mg", "50mg"]),
    "Losartan potassium 50mg film-coated tablets": ("Losartan", ["Losartan"], "film-coated tablet", ["50mg"]),
    "Paracetamol 500mg soluble tablets": ("Acetaminophen", ["Acetaminophen"], "soluble tablet", ["500mg"]),
    "Ibuprofen 200mg tablets": ("Ibuprofen", ["Ibuprofen"], "tablet", ["200mg"]),
    "Amoxicillin 500mg capsules": ("Amoxicillin", ["Amoxicillin"], "capsule", ["500mg"]),
    "Co-amoxiclav 625mg": ("Amoxicillin + Clavulanic Acid", ["Amoxicillin", "Clavulanic Acid"], None, ["625mg"]),
    "Augmentin 625mg": ("Amoxicillin + Clavulanic Acid", ["Amoxicillin", "Clavulanic Acid"], None, ["625mg"]),
    "Co-codamol 30/500": ("Codeine + Acetaminophen", ["Codeine", "Acetaminophen"], None, ["30mg", "500mg"]),
    "Co-trimoxazole 480mg tablets": (
        "Sulfamethoxazole + Trimethoprim", ["Sulfamethoxazole", "Trimethoprim"], "tablet", ["480mg"]),
    "Co-careldopa 25mg/100mg": ("Carbidopa + Levodopa", ["Carbidopa", "Levodopa"], None, ["25mg", "100mg"]),
    "Salbutamol 100mcg inhaler": ("Albuterol", ["Albuterol"], "inhaler", ["100mcg"]),
    "Albuterol sulfate 90mcg/actuation inhaler": ("Albuterol", ["Albuterol"], "inhaler", ["90mcg/actuation"]),
    "Diclofenac sodium 50mg EC tablets": ("Diclofenac", ["Diclofenac"], "enteric-coated tablet", ["50mg"]),
    "Diclofenac potassium 50mg tablets": ("Diclofenac", ["Diclofenac"], "tablet", ["50mg"]),
    "Diclofenac epolamine 1.3% patch": ("Diclofenac", ["Diclofenac"], "patch", ["1.3%"]),
    "Metformin 500mg MR": ("Metformin", ["Metformin"], "modified-release", ["500mg"]),
    "Metformin hydrochloride 500mg tablets": ("Metformin", ["Metformin"], "tablet", ["500mg"]),
    "Nifedipine 20mg SR": ("Nifedipine", ["Nifedipine"], "sustained-release", ["20mg"]),
    "Amlodipine besilate 5mg": ("Amlodipine", ["Amlodipine"], None, ["5mg"]),
    "Levothyroxine sodium 50mcg": ("Levothyroxine", ["Levothyroxine"], None, ["50mcg"]),
    "Naproxen sodium 220mg": ("Naproxen", ["Naproxen"], None, ["220mg"]),
    "Ketorolac tromethamine 10mg": ("Ketorolac", ["Ketorolac"], None, ["10mg"]),
    "Ibuprofen lysine 342mg": ("Ibuprofen", ["Ibuprofen"], None, ["342mg"]),
    "Aspirin 75mg dispersible": ("Aspirin", ["Aspirin"], "dispersible", ["75mg"]),
    "Calcium carbonate chewable tablets": ("Calcium Carbonate", ["Calcium Carbonate"], "chewable tablet", []),
    "Adrenaline 1mg/ml injection": ("Epinephrine", ["Epinephrine"], "injection", ["1mg/ml"]),
    "Glyceryl trinitrate 400mcg spray": ("Nitroglycerin", ["Nitroglycerin"], "spray", ["400mcg"]),
    "Aciclovir 400mg tablets": ("Acyclovir", ["Acyclovir"], "tablet", ["400mg"]),
    "Colecalciferol 1000 IU capsules": ("Cholecalciferol", ["Cholecalciferol"], "capsule", ["1000 IU"]),
    "Tramadol 50mg prolonged-release tablets": ("Tramadol", ["Tramadol"], "prolonged-release tablet", ["50mg"]),
    "Naproxen 500mg + Esomeprazole 20mg delayed-release tablets": (
        "Naproxen + Esomeprazole", ["Naproxen", "Esomeprazole"], "delayed-release tablet", ["500mg", "20mg"]),
    "Naproxen 500mg tablets": ("Naproxen", ["Naproxen"], "tablet", ["500mg"]),
    "ACETAMINOPHEN 500 MG TABLET": ("Acetaminophen", ["Acetaminophen"], "tablet", ["500 MG"]),
    "Atorvastatin 20mg film-coated tablets": ("Atorvastatin", ["Atorvastatin"], "film-coated tablet", ["20mg"]),
}
# title -> (the name that did not resolve, the suggestion or None)
UNRESOLVED: dict[str, tuple[str, str | None]] = {
    "Paracetmol 1g": ("Paracetmol", "paracetamol"),
    "Ibuprofin 400mg": ("Ibuprofin", "ibuprofen"),
    "Amoxicilin 500mg": ("Amoxicilin", "amoxicillin"),
}
# Homeopathic remedies: the potency is a strength, the name is reported (the dictionary does not
# know these remedies by their pharmacy names).
HOMEOPATHIC: dict[str, tuple[str, str]] = {"Arnica 30C": ("Arnica", "30C"), "Nux vomica 6X": ("Nux vomica", "6X")}
REJECTED = {"Take two tablets twice daily": "instruction", "Keep out of reach of children": "instruction"}
# title -> (brands it must have, brands it must not have)
BRANDS: dict[str, tuple[set[str], set[str]]] = {
    "Hydrochlorothiazide 25mg + Losartan 50mg": ({"Hyzaar"}, {"cozaar", "Cozaar"}),
    "Losartan potassium 50mg film-coated tablets": ({"cozaar"}, {"Hyzaar"}),
    "Augmentin 625mg": ({"Augmentin"}, set()),
    "Amoxicillin 500mg capsules": (set(), {"Augmentin"}),
    "Naproxen 500mg + Esomeprazole 20mg delayed-release tablets": ({"Vimovo"}, {"naprosyn", "nexium"}),
    "Naproxen 500mg tablets": ({"naprosyn"}, {"Vimovo", "vimovo"}),
    "Esomeprazole magnesium 40mg delayed-release capsules": ({"nexium"}, {"Vimovo", "vimovo"}),
    "Co-careldopa 25mg/100mg": ({"Sinemet"}, set()),
}


@pytest.fixture(scope="module")
def imported():
    result = import_catalog([LIST])
    return result, {medicine.title: medicine for medicine in result.medicines}


def test_the_list_is_every_kind_of_line() -> None:
    lines = [line for line in LIST.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert sorted(lines) == sorted([*RESOLVED, *UNRESOLVED, *HOMEOPATHIC, *REJECTED])


@pytest.mark.parametrize("title", RESOLVED)
def test_each_listed_name_resolves_to_its_active_moiety(imported, title: str) -> None:
    generic, ingredients, form, strengths = RESOLVED[title]
    medicine = imported[1][title]
    assert (medicine.generic_name, medicine.ingredients, medicine.form, [s.text for s in medicine.strengths]) == (
        generic, ingredients, form, strengths)


def test_release_words_are_never_ingredients_nor_other_names(imported) -> None:
    for medicine in imported[1].values():
        listed = medicine.synonyms[:1]  # the listed spelling, when it is not the generic's
        words = {word.lower() for name in [*medicine.ingredients, *listed] for word in name.split()}
        assert not words & {"gastro-resistant", "delayed-release", "film-coated", "ec", "mr", "sr", "soluble",
                            "orodispersible", "dispersible", "prolonged-release"}, medicine.title
        assert "magnesium" not in medicine.synonyms, medicine.title


@pytest.mark.parametrize("title", BRANDS)
def test_a_combination_gets_only_combination_brands(imported, title: str) -> None:
    present, absent = BRANDS[title]
    brands = set(imported[1][title].brands)
    assert present <= brands, brands
    assert not absent & brands, brands


@pytest.mark.parametrize("title", UNRESOLVED)
def test_an_unknown_name_is_reported_with_a_suggestion(imported, title: str) -> None:
    name, suggestion = UNRESOLVED[title]
    medicine = imported[1][title]
    assert medicine.generic_name is None
    reported = {entry.title: entry for entry in imported[0].report.unresolved}
    assert reported[title].name == name
    assert reported[title].suggestion == suggestion
    assert f"did you mean {suggestion!r}" in str(reported[title])


@pytest.mark.parametrize("title", HOMEOPATHIC)
def test_a_homeopathic_potency_is_a_strength(imported, title: str) -> None:
    name, potency = HOMEOPATHIC[title]
    medicine = imported[1][title]
    assert medicine.ingredients == [name]
    assert [s.text for s in medicine.strengths] == [potency]
    assert title in {entry.title for entry in imported[0].report.unresolved}


@pytest.mark.parametrize("title", REJECTED)
def test_an_instruction_is_not_a_medicine(imported, title: str) -> None:
    assert title not in imported[1]
    reasons = {entry.text: entry.reason for entry in imported[0].report.rejected}
    assert REJECTED[title] in reasons[title]


def test_the_report_counts_what_did_not_resolve(imported) -> None:
    report = imported[0].report
    assert report.imported == len(RESOLVED) + len(UNRESOLVED) + len(HOMEOPATHIC)
    assert report.unresolved_count == len(UNRESOLVED) + len(HOMEOPATHIC)
    assert report.rejected_count == len(REJECTED)


@pytest.mark.parametrize(("title", "potency", "amount", "unit"), [
    ("Arnica 30C", "30C", 30.0, "C"), ("Belladonna 12ch", "12ch", 12.0, "CH"),
    ("Calendula 4X", "4X", 4.0, "X"), ("Nux vomica 6x pillules", "6x", 6.0, "X"),
])
def test_potencies(title: str, potency: str, amount: float, unit: str) -> None:
    parsed = parse_name(title)
    assert [(s.text, s.amount, s.unit) for s in parsed.strengths] == [(potency, amount, unit)]


@pytest.mark.parametrize("title", ["Paracetamol 500mg 10 x 10", "Vitamin C 500mg", "Metformin 500mg x30"])
def test_what_is_not_a_potency(title: str) -> None:
    assert all(s.unit not in {"C", "X", "CH"} for s in parse_name(title).strengths)


@pytest.mark.parametrize(("title", "label_ingredients"), [
    ("Ketorolac tromethamine 10mg", ["KETOROLAC TROMETHAMINE"]),
    ("Levothyroxine sodium 50mcg", ["LEVOTHYROXINE SODIUM"]),
    ("Diclofenac epolamine 1.3% patch", ["DICLOFENAC EPOLAMINE"]),
    ("Diclofenac sodium 50mg EC tablets", ["DICLOFENAC SODIUM"]),
    ("Ibuprofen lysine 342mg", ["IBUPROFEN LYSINE"]),
    ("Esomeprazole magnesium 40mg delayed-release capsules", ["ESOMEPRAZOLE MAGNESIUM"]),
    ("Glyceryl trinitrate 400mcg spray", ["NITROGLYCERIN"]),
    ("Aciclovir 400mg tablets", ["ACYCLOVIR"]),
    ("Salbutamol 100mcg inhaler", ["ALBUTEROL SULFATE"]),
    ("Co-amoxiclav 625mg", ["AMOXICILLIN", "CLAVULANATE POTASSIUM"]),
    ("Hydrochlorothiazide 25mg + Losartan 50mg", ["LOSARTAN POTASSIUM", "HYDROCHLOROTHIAZIDE"]),
])
def test_a_label_that_names_the_salt_matches_the_listed_medicine(imported, title, label_ingredients) -> None:
    from medpages.sources.ingredients import canonical_ingredients

    medicine = imported[1][title]
    assert canonical_ingredients(medicine.ingredients) == canonical_ingredients(label_ingredients)
