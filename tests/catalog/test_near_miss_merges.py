"""Duplicates: names that differ only in case, spacing or punctuation spacing are one medicine;
names whose words or strengths differ never are (`Vitamin B12 5mg` is not `Vitamin B1 25mg`)."""

from __future__ import annotations

import pytest

from medpages.project import Project
from medpages.stages.importing import import_paths

NEAR_MISSES = [
    ("Vitamin B1 25mg", "Vitamin B12 5mg"),
    ("Vitamin B1 25mg", "Vitamin B 125mg"),
    ("Haloperidol 25mg", "Haloperidol 2.5mg"),
    ("Metformin 500mg XR", "Metformin 500mg"),
    ("Metformin 500mg", "Metformin 500mgXR"),
    ("Clonazepam 0.5mg", "Clonazepam 5mg"),
    ("Clonazepam .5mg", "Clonazepam 5mg"),
    ("Ceftriaxone 1 g", "Ceftriaxone 10 g"),
    ("Vitamin D", "Vitamin D3"),
    ("Vitamin D 3", "Vitamin D3"),
    ("Insulin 10 0 units", "Insulin 100 units"),
    ("Iron 1 10mg", "Iron 110mg"),
    ("Co-codamol 30/500", "Co-codamol 3/0500"),
    ("Paracetamol 500mg Tablet", "Paracetamol500mg Tablet"),
]

SAME_MEDICINE = [
    ("Amoxicillin + Clavulanic Acid 625mg", "AMOXICILLIN + CLAVULANIC ACID 625MG"),
    ("Amoxicillin + Clavulanic Acid 625mg", "amoxicillin  +   clavulanic acid 625 mg"),
    ("Amoxicillin + Clavulanic Acid 625mg", "Amoxicillin, Clavulanic Acid 625mg"),
    ("Amoxicillin + Clavulanic Acid 625mg", "Amoxicillin,Clavulanic Acid 625mg"),
    ("Paracetamol 500mg", "paracetamol 500MG"),
    ("Paracetamol 500mg", "  Paracetamol\u00a0500 mg  "),
    ("Ceftriaxone 1 g", "ceftriaxone 1g"),
    ("Ado-trastuzumab emtansine 160mg", "ado - trastuzumab emtansine 160 mg"),
    ("Ｐａｒａｃｅｔａｍｏｌ 500mg", "Paracetamol 500mg"),  # full-width letters: a Unicode compatibility form
]


def _import(tmp_path, first: str, second: str):
    project = Project.init(tmp_path / "project")
    listed = tmp_path / "generics.txt"
    listed.write_text(f"{first}\n{second}\n", encoding="utf-8")
    report = import_paths(project, [listed])
    with project.store() as store:
        titles = sorted(medicine.title for medicine in store.iter_medicines())
    return report, titles


@pytest.mark.parametrize(("first", "second"), NEAR_MISSES)
def test_names_whose_words_or_strengths_differ_are_two_medicines(tmp_path, first, second):
    report, titles = _import(tmp_path, first, second)
    assert report.medicines == 2, report.notices
    assert titles == sorted([first.strip(), second.strip()])
    assert not any("merged" in notice for notice in report.notices), report.notices


@pytest.mark.parametrize(("first", "second"), SAME_MEDICINE)
def test_names_differing_only_in_case_spacing_or_punctuation_spacing_are_merged(tmp_path, first, second):
    report, titles = _import(tmp_path, first, second)
    assert report.medicines == 1
    assert titles == [first]
    assert len(report.notices) == 1 and "merged" in report.notices[0], report.notices
