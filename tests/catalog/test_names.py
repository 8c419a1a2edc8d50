"""Listed names read into ingredients, strengths and dosage form."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medpages.catalog import medicine_from_title
from medpages.catalog.names import parse_name


def strengths(title: str) -> list[tuple[str, float | None, str | None, float | None, str | None]]:
    return [(s.text, s.amount, s.unit, s.per_amount, s.per_unit) for s in parse_name(title).strengths]


@pytest.mark.parametrize(
    ("title", "ingredients"),
    [
        ("Ado-trastuzumab emtansine 160mg", ["Ado-trastuzumab emtansine"]),
        ("Amoxicillin + Clavulanic Acid 625mg", ["Amoxicillin", "Clavulanic Acid"]),
        ("Amoxicillin, Clavulanic Acid 625mg", ["Amoxicillin", "Clavulanic Acid"]),
        ("Amoxicillin 500mg + Clavulanic Acid 125mg", ["Amoxicillin", "Clavulanic Acid"]),
        ("Sulfamethoxazole/Trimethoprim 800/160mg", ["Sulfamethoxazole", "Trimethoprim"]),
        ("Artemether 20mg + Lumefantrine 120mg Tablets IP", ["Artemether", "Lumefantrine"]),
        ("5-Fluorouracil 500mg", ["5-Fluorouracil"]),
        ("Vitamin B12 1000 mcg", ["Vitamin B12"]),
        ("Vitamin D3 60000 IU Capsules", ["Vitamin D3"]),
        ("Water for Injection", ["Water"]),
        ("Lipitor", ["Lipitor"]),
        ("باراسيتامول 500mg", ["باراسيتامول"]),
    ],
)
def test_ingredients_are_the_words_without_strengths_and_form(title: str, ingredients: list[str]) -> None:
    assert parse_name(title).ingredients == ingredients


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Paracetamol 500mg", [("500mg", 500.0, "mg", None, None)]),
        ("Paracetamol 500 mg Tablets", [("500 mg", 500.0, "mg", None, None)]),
        ("Ceftriaxone 1 g", [("1 g", 1.0, "g", None, None)]),
        ("Ceftriaxone 1gm", [("1gm", 1.0, "g", None, None)]),
        ("Digoxin 0.25mg", [("0.25mg", 0.25, "mg", None, None)]),
        ("Ibuprofen .2g", [(".2g", 0.2, "g", None, None)]),
        ("Cyanocobalamin 500mcg", [("500mcg", 500.0, "mcg", None, None)]),
        ("Cyanocobalamin 500µg", [("500µg", 500.0, "mcg", None, None)]),
        ("Cyanocobalamin 500ug", [("500ug", 500.0, "mcg", None, None)]),
        ("Cholecalciferol 1000 IU", [("1000 IU", 1000.0, "IU", None, None)]),
        ("Hydrocortisone 1% Cream", [("1%", 1.0, "%", None, None)]),
        ("Hydrocortisone 1% w/w Cream", [("1% w/w", 1.0, "%", None, None)]),
        ("Lactulose 100ml", [("100ml", 100.0, "ml", None, None)]),
        ("Morphine 10mg/ml Injection", [("10mg/ml", 10.0, "mg", None, "ml")]),
        ("Paracetamol 120mg/5ml Suspension", [("120mg/5ml", 120.0, "mg", 5.0, "ml")]),
        ("Calpol 120 mg / 5 ml", [("120 mg / 5 ml", 120.0, "mg", 5.0, "ml")]),
        ("Insulin Glargine 100 units/ml", [("100 units/ml", 100.0, "unit", None, "ml")]),
        ("Salbutamol 100mcg/dose Inhaler", [("100mcg/dose", 100.0, "mcg", None, "dose")]),
        ("Fentanyl 25mcg/h Patch", [("25mcg/h", 25.0, "mcg", None, "h")]),
        (
            "Amoxicillin + Clavulanic Acid 500mg + 125mg",
            [("500mg", 500.0, "mg", None, None), ("125mg", 125.0, "mg", None, None)],
        ),
        (
            "Co-amoxiclav 500mg/125mg",
            [("500mg", 500.0, "mg", None, None), ("125mg", 125.0, "mg", None, None)],
        ),
        (
            "Co-trimoxazole 800/160mg",
            [("800mg", 800.0, "mg", None, None), ("160mg", 160.0, "mg", None, None)],
        ),
    ],
)
def test_strengths(title: str, expected: list[tuple]) -> None:
    assert strengths(title) == expected


def test_a_comma_before_three_digits_groups_thousands() -> None:
    assert strengths("Metformin 1,000mg") == [("1,000mg", 1000.0, "mg", None, None)]


def test_a_comma_before_other_digits_is_a_decimal_comma() -> None:
    assert strengths("Diclofenac 2,5mg") == [("2,5mg", 2.5, "mg", None, None)]


@pytest.mark.parametrize(
    "title",
    ["Paracetamol 500", "Vitamin B12", "5-Fluorouracil", "Nicotine 2 gum", "Co-Q10", "Ibuprofen 200mgx"],
)
def test_numbers_without_a_unit_are_not_strengths(title: str) -> None:
    assert parse_name(title).strengths == []


@pytest.mark.parametrize(
    ("title", "form"),
    [
        ("Paracetamol 500mg Tablets", "tablet"),
        ("Paracetamol 500mg tablet", "tablet"),
        ("Paracetamol 500mg Tab", "tablet"),
        ("Omeprazole 20mg Capsules", "capsule"),
        ("Ceftriaxone 1g Injection", "injection"),
        ("Ceftriaxone Powder for Injection 1 g", "powder for injection"),
        ("Ambroxol Syrup", "syrup"),
        ("Amoxicillin 250mg/5ml Oral Suspension", "oral suspension"),
        ("Amoxicillin 250mg/5ml Suspension", "suspension"),
        ("Clotrimazole 1% Cream", "cream"),
        ("Fusidic Acid Ointment", "ointment"),
        ("Diclofenac 1% Gel", "gel"),
        ("Timolol 0.5% Eye Drops", "eye drops"),
        ("Ciprofloxacin Drops", "drops"),
        ("Salbutamol 100mcg Inhaler", "inhaler"),
        ("Nicotine 21mg Patches", "patch"),
        ("Glycerin Suppositories", "suppository"),
        ("Povidone-Iodine 10% Solution", "solution"),
        ("Artemether 20mg + Lumefantrine 120mg Tablets IP", "tablet"),
        ("Ibuprofen 200mg caplets", "caplet"),
        ("ibuprofen 400 MG Oral Tablet", "oral tablet"),  # a route before a form stays in it
        ("diclofenac sodium 1 % Topical Gel", "topical gel"),
        ("Ceftriaxone 1g powder for solution for injection vials", "powder for solution for injection"),
    ],
)
def test_dosage_form_is_found_and_singular(title: str, form: str) -> None:
    assert parse_name(title).form == form


def test_no_form_when_none_is_written() -> None:
    assert parse_name("Ado-trastuzumab emtansine 160mg").form is None


def test_a_hyphenated_word_is_not_a_form() -> None:
    parsed = parse_name("Co-Tab 10mg")
    assert parsed.form is None
    assert parsed.ingredients == ["Co-Tab"]


def test_release_and_pharmacopoeia_marks_are_qualifiers_not_names() -> None:
    parsed = parse_name("Metformin 1,000mg ER Tablets BP")
    assert parsed.ingredients == ["Metformin"]
    assert parsed.qualifiers == ["ER", "BP"]


def test_parsing_leaves_the_title_alone() -> None:
    title = "Amoxicillin + Clavulanic Acid 625mg"
    parse_name(title)
    assert title == "Amoxicillin + Clavulanic Acid 625mg"


def test_each_call_returns_its_own_strength_objects() -> None:
    first = parse_name("Paracetamol 500mg")
    first.strengths[0].amount = 1.0
    assert parse_name("Paracetamol 500mg").strengths[0].amount == 500.0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_parses_without_error(text: str) -> None:
    parsed = parse_name(text)
    for strength in parsed.strengths:
        assert strength.amount is None or strength.amount >= 0
        assert strength.unit
    for name in parsed.ingredients:
        assert name == name.strip()
        assert name


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["Paracetamol", "Clavulanic Acid", "Ado-trastuzumab emtansine", "Vitamin B12"]),
    st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False),
    st.sampled_from(["mg", "g", "mcg", "IU", "%", "ml"]),
    st.sampled_from(["", " "]),
)
def test_a_written_strength_is_read_back(name: str, amount, unit: str, space: str) -> None:
    written = f"{amount.normalize():f}"
    parsed = parse_name(f"{name} {written}{space}{unit}")
    assert parsed.ingredients == [name]
    assert [(s.amount, s.unit) for s in parsed.strengths] == [(float(written), unit)]


def test_a_combination_written_with_per_is_two_strengths() -> None:
    # `per` between two masses once split on a `/` that was not there, and crashed the import.
    assert strengths("Paracetamol 500 mg per 125mg") == [("500 mg", 500.0, "mg", None, None),
                                                         ("125mg", 125.0, "mg", None, None)]
    assert strengths("A 500mg w/v/125mg")[0][0] == "500mg w/v"


@pytest.mark.parametrize(("title", "ingredients", "strengths", "form"), [
    ("Paracetamol 500mg Tablets Pack 120", ["Paracetamol"], ["500mg"], "tablet"),
    ("Paracetamol 500mg Tablets x 100", ["Paracetamol"], ["500mg"], "tablet"),
    ("Ibuprofen 400mg Tablets 24s", ["Ibuprofen"], ["400mg"], "tablet"),
    ("Ibuprofen 400mg Tablets 10's", ["Ibuprofen"], ["400mg"], "tablet"),
    ("Omeprazole 20mg Capsules (Pack of 28)", ["Omeprazole"], ["20mg"], "capsule"),
    ("Amoxicillin 250mg/5ml Suspension 100ml bottle", ["Amoxicillin"], ["250mg/5ml"], "suspension"),
    ("Betamethasone 0.1% Cream 30g tube", ["Betamethasone"], ["0.1%"], "cream"),
    ("Metformin 500mg x30", ["Metformin"], ["500mg"], None),
])
def test_a_pack_size_is_neither_an_ingredient_nor_a_strength(title, ingredients, strengths, form):
    parsed = parse_name(title)
    assert parsed.ingredients == ingredients
    assert [strength.text for strength in parsed.strengths] == strengths
    assert parsed.form == form


@pytest.mark.parametrize(("title", "ingredient"), [("Vitamin B 12", "Vitamin B 12"), ("Box 10", "Box 10"),
                                                   ("Vitamin D3 1000 IU", "Vitamin D3")])
def test_names_with_numbers_that_are_not_pack_sizes_keep_them(title, ingredient):
    assert parse_name(title).ingredients == [ingredient]


def test_pack_sizes_are_read_only_at_the_end_of_a_long_name():
    from medpages.catalog.names import without_pack_size

    # Only the last characters are read (a pattern run over a whole hostile name took seconds).
    assert without_pack_size("Paracetamol Pack 120" + " tablets" * 10) == "Paracetamol Pack 120" + " tablets" * 10
    assert without_pack_size("Paracetamol" + " x" * 40 + " Pack 120") == "Paracetamol" + " x" * 40
    for hostile in ("a" + " x 1" * 3000 + "!", "a" + " " * 10_000 + "!", "a" + " pack 1" * 2000 + "z"):
        assert without_pack_size(hostile) == hostile


@pytest.mark.parametrize(("name", "ingredients", "strength", "unit"), [
    ("Levothyroxine 25 microgram tablets", ["Levothyroxine"], "25 microgram", "mcg"),
    ("Levothyroxine sodium 100 micrograms", ["Levothyroxine"], "100 micrograms", "mcg"),
    ("Morphine 10 milligrams per 5 millilitres oral solution", ["Morphine"], "10 milligrams per 5 millilitres", "mg"),
])
def test_units_written_out_are_strengths(name, ingredients, strength, unit):
    # UK lists write micrograms out in full (to avoid mg/mcg mix-ups); it is a unit, not part of the name.
    medicine = medicine_from_title(name)
    assert medicine.ingredients == ingredients
    assert [s.text for s in medicine.strengths] == [strength] and medicine.strengths[0].unit == unit
