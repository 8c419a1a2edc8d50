"""Choosing a medicine's label among those with its ingredients: route and form, then strength, then date."""

from __future__ import annotations

import pytest

from medpages.catalog import medicine_from_title
from medpages.model.facts import LabelFacts
from medpages.sources.ingredients import canonical_ingredients
from medpages.sources.choice import choose_label, label_families, medicine_route


def _candidates(corpus: dict[str, LabelFacts], ingredients: list[str]) -> list[LabelFacts]:
    """What `Store.labels_for` gives: the labels of exactly these ingredients, most recent first."""
    found = [facts for facts in corpus.values() if facts.ingredients == sorted(ingredients)]
    return sorted(found, key=lambda facts: facts.source.effective_date, reverse=True)


def _choose(corpus: dict[str, LabelFacts], title: str):
    medicine = medicine_from_title(title)
    # Route words the catalogue may still read as names (its own tests cover that) are left out.
    ingredients = [name for name in canonical_ingredients(medicine.ingredients) if name not in ("oral", "topical")]
    return choose_label(_candidates(corpus, ingredients), form=medicine.form, strengths=medicine.strengths,
                        title=medicine.title)


def _stem(corpus: dict[str, LabelFacts], label: LabelFacts | None) -> str | None:
    return next((stem for stem, facts in corpus.items() if facts is label), None)


@pytest.mark.parametrize(("title", "expected"), [
    ("Diclofenac Sodium 1% Gel", "voltaren-diclofenac-gel"),
    ("Diclofenac Sodium 3% Gel", "diclofenac-3pct-gel-nonplr"),
    ("Diclofenac 2% topical solution", "pennsaid-diclofenac-topsol"),
    ("Diclofenac Potassium 50mg oral powder", "cambia-diclofenac-oral-soln-powder"),
    ("Diclofenac 50mg tablets", "cambia-diclofenac-oral-soln-powder"),
    ("Diclofenac 50mg capsules", "cambia-diclofenac-oral-soln-powder"),
    ("Ketorolac 10mg tablets", "ketorolac-tab-1998"),
    ("Ketorolac 0.5% eye drops", "ketorolac-ophth-nonplr"),
    ("Ketorolac 15.75mg nasal spray", "sprix-ketorolac-nasal"),
    ("Metformin 500mg/5ml oral solution", "metformin-oral-solution-500mg5ml"),
    ("Metformin 500mg tablets", "glumetza-metformin-er"),
    ("Naproxen 125mg/5ml oral suspension", "naproxen-oral-susp-plr"),
    ("Ibuprofen 100mg/5ml oral suspension", "otc-childrens-ibuprofen-susp"),
    ("Ibuprofen 200mg tablets", "otc-advil-multiproduct"),
    ("Ibuprofen 200mg", "otc-advil-multiproduct"),
    ("Bromfenac 0.075% eye drops", "bromsite-bromfenac"),
    ("Bromfenac 0.07% eye drops", "prolensa-bromfenac-ophth"),
    ("Hydrocodone 7.5mg + Ibuprofen 200mg tablets", "hydrocodone-ibuprofen-tab"),
    ("Naproxen + Esomeprazole", "vimovo-naproxen-esomeprazole"),
])
def test_the_label_for_the_route_and_form(corpus_facts, title, expected):
    choice = _choose(corpus_facts, title)
    assert _stem(corpus_facts, choice.label) == expected, choice.reason


@pytest.mark.parametrize(("title", "never"), [
    ("Diclofenac 50mg tablets", ("voltaren-diclofenac-gel", "diclofenac-3pct-gel-nonplr", "pennsaid-diclofenac-topsol")),
    ("Ketorolac 10mg tablets", ("ketorolac-ophth-nonplr", "sprix-ketorolac-nasal")),
])
def test_another_route_is_never_borrowed(corpus_facts, title, never):
    assert _stem(corpus_facts, _choose(corpus_facts, title).label) not in never


def test_no_label_for_the_route_says_so_and_names_what_there_is(corpus_facts):
    choice = _choose(corpus_facts, "Ketorolac 30mg/ml injection")
    assert choice.label is None
    assert choice.reason.startswith("no label for this route and form (injection")
    assert "tablet" in choice.reason and "spray, metered" in choice.reason
    gel_only = [corpus_facts["voltaren-diclofenac-gel"]]
    choice = choose_label(gel_only, form="tablet", strengths=[], title="Diclofenac 50mg tablets")
    assert choice.label is None and "labels found: gel" in choice.reason


def test_a_name_without_route_takes_the_only_route_or_oral(corpus_facts):
    eye = [corpus_facts["prolensa-bromfenac-ophth"], corpus_facts["bromsite-bromfenac"]]
    assert choose_label(eye, form=None, title="Bromfenac").label is not None
    ketorolac = _candidates(corpus_facts, ["ketorolac"])
    assert choose_label(ketorolac, form=None, title="Ketorolac").label is corpus_facts["ketorolac-tab-1998"]
    topical = [corpus_facts["voltaren-diclofenac-gel"]]
    eye_and_skin = eye[:1] + [facts.model_copy(update={"ingredients": ["bromfenac"]}) for facts in topical]
    refused = choose_label(eye_and_skin, form=None, title="Bromfenac")
    assert refused.label is None and "several" in refused.reason


def test_combinations_and_single_ingredients_never_share_labels(corpus_facts):
    assert all(facts.ingredients == ["esomeprazole", "naproxen"]
               for facts in _candidates(corpus_facts, ["naproxen", "esomeprazole"]))
    naproxen = _candidates(corpus_facts, ["naproxen"])
    assert naproxen and all(facts.ingredients == ["naproxen"] for facts in naproxen)
    assert corpus_facts["treximet-sumatriptan-naproxen"] not in naproxen


def test_route_families_of_labels_and_names(corpus_facts):
    assert label_families(corpus_facts["omidria-phenylephrine-ketorolac"]) == {"injection"}
    assert label_families(corpus_facts["depo-medrol-v20-2021"]) == {"injection"}
    assert label_families(corpus_facts["nudroxipak-celecoxib-kit"]) == {"oral", "skin"}
    assert medicine_route("eye drops") == ("eye", "drops")
    assert medicine_route("solution", "Metformin 500mg/5ml oral solution") == ("oral", "liquid")
    assert medicine_route("gastro-resistant capsule") == ("oral", "capsule")
    assert medicine_route(None, "Ibuprofen 200mg") == (None, None)
