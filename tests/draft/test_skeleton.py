"""Skeleton pages: the Generic Name line the catalogue alone can write."""

from __future__ import annotations

from medpages.catalog import medicine_from_title
from medpages.draft.skeleton import generic_name_line, skeleton_page


def test_the_generic_name_line_gives_the_others_and_the_brands() -> None:
    assert generic_name_line(medicine_from_title("Paracetamol 500mg")) == "Paracetamol (also known as Acetaminophen)"
    assert generic_name_line(medicine_from_title("Paracetamol 500mg"), "us") == "Acetaminophen (also known as Paracetamol)"
    assert generic_name_line(medicine_from_title("Hydrochlorothiazide 25mg + Losartan 50mg")) == (
        "Hydrochlorothiazide + Losartan (brand names: Hyzaar, Cozaar Comp)")
    assert generic_name_line(medicine_from_title("Foobarzolam 5mg")) == "Foobarzolam"


def test_a_skeleton_shows_the_preferred_name() -> None:
    medicine = medicine_from_title("Salbutamol 100mcg inhaler")
    assert skeleton_page(medicine).generic_name == "Salbutamol (also known as Albuterol)"
    assert skeleton_page(medicine, "us").generic_name == "Albuterol (also known as Salbutamol)"
