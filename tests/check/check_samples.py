"""Samples for the check tests: the real labels, the evaluation pages, medicines and page builders."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from fixture_files import LIPITOR_XML, OTC_XML, SEED_PAGE, SPL_DIR
from medpages.model import FrontMatter, Medicine, Page, Strength
from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.model.facts import LabelFacts
from medpages.sources.facts import extract_facts
from medpages.sources.spl import read_spl

EVAL = Path(__file__).resolve().parent / "eval"


@lru_cache(maxsize=None)
def label_facts(path: Path) -> LabelFacts:
    return extract_facts(read_spl(path.read_bytes(), origin=str(path)))


def eval_text(name: str) -> str:
    return (EVAL / "pages" / name).read_bytes().decode("utf-8")


def eval_page(name: str) -> Page:
    return parse_seed_markdown(eval_text(name))


def eval_entry(name: str) -> dict:
    return json.loads((EVAL / "labels.json").read_text(encoding="utf-8"))["pages"][name]


def medicine(title: str = "Atorvastatin 10mg", ingredients: tuple[str, ...] = ("atorvastatin",),
             strengths: tuple[str, ...] = ("10mg",)) -> Medicine:
    return Medicine(title=title, slug=title.lower().replace(" ", "-"), letter=title[:1].lower(),
                    ingredients=list(ingredients), strengths=[Strength(text=s) for s in strengths])


ATORVASTATIN = medicine()
TRIAMINIC = medicine("Triaminic Night Time Cold and Cough syrup", ("diphenhydramine", "phenylephrine"),
                     ("6.25mg/5ml", "2.5mg/5ml"))


def with_text(page: Page, old: str, new: str) -> Page:
    """The page re-parsed after replacing `old` with `new` in its Markdown (which must contain `old`)."""
    text = page.original.text
    assert old in text, old
    return parse_seed_markdown(text.replace(old, new, 1))


def empty_page(title: str = "Atorvastatin 10mg") -> Page:
    return Page(title=title, front_matter=FrontMatter(title=title))


def codes(findings) -> set[str]:
    return {finding.code for finding in findings}
