"""The Generic Name a page shows: the list's own name, the INN or the US name, with the others after it;
and the suggestions offered for names that resolve to nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medpages.catalog import medicine_from_title
from medpages.catalog.generic_names import preferred_generic_name
from medpages.catalog.national_names import national_names
from medpages.catalog.suggestions import edit_distance, suggest_spelling


@pytest.mark.parametrize(("title", "as_listed", "inn", "us"), [
    ("Paracetamol 500mg", "Paracetamol", "Paracetamol", "Acetaminophen"),
    ("ACETAMINOPHEN 500 MG TABLET", "Acetaminophen", "Paracetamol", "Acetaminophen"),
    ("Salbutamol 100mcg inhaler", "Salbutamol", "Salbutamol", "Albuterol"),
    ("Albuterol sulfate 90mcg/actuation inhaler", "Albuterol", "Salbutamol", "Albuterol"),
    ("Glyceryl trinitrate 400mcg spray", "Glyceryl trinitrate", "Glyceryl trinitrate", "Nitroglycerin"),
    ("Adrenaline 1mg/ml injection", "Adrenaline", "Epinephrine", "Epinephrine"),
    ("Co-codamol 30/500", "Co-codamol", "Codeine + Paracetamol", "Codeine + Acetaminophen"),
    ("Losartan potassium 50mg", "Losartan", "Losartan", "Losartan"),  # the salt stays in the title
    ("Calpol 120mg/5ml", "Paracetamol", "Paracetamol", "Acetaminophen"),  # a brand is never the generic
    ("Augmentin 625mg", "Amoxicillin + Clavulanic Acid", "Amoxicillin + Clavulanic Acid",
     "Amoxicillin + Clavulanic Acid"),
])
def test_the_generic_shown_follows_the_preference(title, as_listed, inn, us) -> None:
    medicine = medicine_from_title(title)
    shown = {prefer: preferred_generic_name(medicine, prefer) for prefer in ("as-listed", "inn", "us")}
    assert (shown["as-listed"][0], shown["inn"][0], shown["us"][0]) == (as_listed, inn, us)
    for name, others in shown.values():
        assert medicine.generic_name in [name, *others]  # the name labels are matched by is always there


def test_every_table_entry_names_its_source_and_resolves() -> None:
    from medpages.catalog.canonical import resolve_ingredient

    table = national_names()
    for names in table.by_spelling.values():
        assert names.source and resolve_ingredient(names.us) is not None, names
    for combination in table.combinations.values():
        assert combination.source and len(combination.ingredients) > 1, combination
        assert all(resolve_ingredient(name) is not None for name in combination.ingredients), combination


@pytest.mark.parametrize(("name", "suggestion"), [
    ("Paracetmol", "paracetamol"), ("Ibuprofin", "ibuprofen"), ("Amoxicilin", "amoxicillin"),
    ("Salbutomol", "salbutamol"), ("Atorvastatn", "atorvastatin"), ("Co-amoxyclav", "co-amoxiclav"),
    ("Arnica", "arnica montana"), ("Foobarzolam", None), ("Xq", None),
])
def test_a_close_name_is_suggested(name, suggestion) -> None:
    assert suggest_spelling(name) == suggestion


def test_edit_distance_counts_a_swap_as_one_and_stops_past_the_limit() -> None:
    assert edit_distance("paracetmol", "paracetamol", 2) == 1
    assert edit_distance("ibuprofne", "ibuprofen", 2) == 1
    assert edit_distance("abcdef", "uvwxyz", 2) == 3


def _alignment_distance(a: str, b: str) -> int:
    """The textbook table: Levenshtein with a swap of two neighbours as one edit (optimal string alignment)."""
    table = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
    return table[-1][-1]


_NAME_LETTERS = st.text(alphabet="abcen -é", max_size=14)


@given(_NAME_LETTERS, _NAME_LETTERS, st.integers(min_value=0, max_value=4))
def test_edit_distance_is_the_tables_up_to_the_limit(a: str, b: str, limit: int) -> None:
    assert edit_distance(a, b, limit) == min(_alignment_distance(a, b), limit + 1)


@given(st.sampled_from(["paracetamol", "ibuprofen", "amoxicillin", "co-amoxiclav", "salbutamol"]), st.data())
def test_a_misspelling_one_edit_from_a_name_gets_a_name_at_most_one_edit_away(name: str, data) -> None:
    at = data.draw(st.integers(min_value=1, max_value=len(name) - 2))
    misspelt = data.draw(st.sampled_from([name[:at] + name[at + 1:], name[:at] + name[at] + name[at:],
                                          name[:at] + name[at + 1] + name[at] + name[at + 2:]]))
    suggestion = suggest_spelling(misspelt.title())
    assert suggestion is not None and _alignment_distance(misspelt, suggestion) <= 1, (misspelt, suggestion)
