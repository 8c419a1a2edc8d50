"""Choosing a medicine's label among those with its ingredients: route and form, then strength, then date."""

from __future__ import annotations

import pytest

from medpages.catalog import medicine_from_title
from medpages.model.facts import LabelFacts
from medpages.sources.choice import (
    choose_label,
    label_families,
    label_for_children,
    label_form_kinds,
    medicine_route,
)
from medpages.sources.ingredients import canonical_ingredients


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


# --------------------------------------------------------------------------- form, people, strength


def _retitled(facts: LabelFacts, title: str, name: str) -> LabelFacts:
    """The same label as another product: its title and product names changed, nothing else."""
    return facts.model_copy(update={"source": facts.source.model_copy(update={"title": title}),
                                    "product_names": [name]})


def test_a_medicine_without_a_listed_form_is_not_given_the_childrens_product(corpus_facts):
    # The demo's "Ibuprofen 400mg": the children's suspension is the most recent, and neither
    # label has 400 mg; the adults' tablets are the label for it.
    choice = _choose(corpus_facts, "Ibuprofen 400mg")
    assert _stem(corpus_facts, choice.label) == "otc-advil-multiproduct", choice.reason
    assert choice.reason == "tablet, coated (oral); no label of the listed strength (400mg)"
    assert choice.differences == ["no label of the listed strength (400mg)"]


def test_a_childrens_product_only_for_a_medicine_listed_as_one(corpus_facts):
    childrens = corpus_facts["otc-childrens-ibuprofen-susp"]
    adults = _retitled(childrens, "Ibuprofen (Ibuprofen) suspension", "Ibuprofen Oral Suspension")
    for candidates in ([childrens, adults], [adults, childrens]):  # whichever is the more recent
        listed = choose_label(candidates, form="oral suspension", strengths=[], title="Ibuprofen oral suspension")
        assert listed.label is adults, listed.reason
        for title in ("Children's ibuprofen oral suspension", "Childrens ibuprofen oral suspension",
                      "Infants' ibuprofen oral suspension", "Ibuprofen junior oral suspension"):
            assert choose_label(candidates, form="oral suspension", strengths=[], title=title).label is childrens


def test_a_childrens_product_when_it_is_the_only_one_of_the_listed_form(corpus_facts):
    choice = _choose(corpus_facts, "Ibuprofen 200mg/5ml oral suspension")
    assert _stem(corpus_facts, choice.label) == "otc-childrens-ibuprofen-susp"
    assert choice.reason == ("suspension (oral); a children's product (no other label fits); "
                             "no label of the listed strength (200mg/5ml)")
    assert len(choice.differences) == 2


def test_the_listed_form_comes_before_the_people_and_the_strength(corpus_facts):
    # A children's tablet of the listed strength loses to nothing but a tablet: the suspension's
    # 100 mg/5 mL is another form whatever the people.
    advil = corpus_facts["otc-advil-multiproduct"]
    junior = _retitled(advil, "Junior Strength Ibuprofen (ibuprofen) tablet", "Junior Strength Ibuprofen")
    suspension = corpus_facts["otc-childrens-ibuprofen-susp"]
    choice = choose_label([suspension, junior], form="tablet", strengths=[], title="Ibuprofen 400mg tablets")
    assert choice.label is junior and choice.reason.endswith("a children's product (no other label fits)")
    choice = choose_label([suspension, junior, advil], form="tablet", strengths=[], title="Ibuprofen 400mg tablets")
    assert choice.label is advil and choice.reason == "tablet, coated (oral)"


def test_no_label_of_the_listed_form_is_said(corpus_facts):
    choice = _choose(corpus_facts, "Ibuprofen 200mg capsules")
    assert _stem(corpus_facts, choice.label) == "otc-advil-multiproduct"
    assert choice.reason == "tablet, coated (oral); no label of the listed form (capsule)"
    exact = _choose(corpus_facts, "Ibuprofen 200mg tablets")
    assert exact.reason == "tablet, coated (oral)" and exact.differences == []
    missing = _choose(corpus_facts, "Ketorolac 30mg/ml injection")
    assert missing.label is None and missing.differences == []


@pytest.mark.parametrize(("title", "expected"), [
    ("Diclofenac 1.16% gel", "voltaren-diclofenac-gel"),  # 11.6 mg/g is nearer 10 than 30
    ("Diclofenac 2.5% gel", "diclofenac-3pct-gel-nonplr"),
    ("Ibuprofen 400mg", "otc-advil-multiproduct"),  # 400 mg each is nearer 200 mg each than any mg/mL
])
def test_the_nearest_strength_of_the_same_measure(corpus_facts, title, expected):
    choice = _choose(corpus_facts, title)
    assert _stem(corpus_facts, choice.label) == expected, choice.reason


def test_eye_forms_of_names_and_labels(corpus_facts):
    assert medicine_route("eye ointment") == ("eye", "ointment")
    assert medicine_route("eye drops") == ("eye", "drops")
    # SPL calls the ketorolac eye drops a `solution`; by the eye it is drops all the same.
    assert label_form_kinds(corpus_facts["ketorolac-ophth-nonplr"]) == {"liquid", "drops"}
    assert label_form_kinds(corpus_facts["metformin-oral-solution-500mg5ml"]) == {"liquid"}
    assert label_for_children(corpus_facts["otc-childrens-ibuprofen-susp"])
    assert not any(label_for_children(facts) for stem, facts in corpus_facts.items() if "childrens" not in stem)


def test_a_label_for_adults_and_children_alike_is_for_adults(corpus_facts):
    advil = corpus_facts["otc-advil-multiproduct"]
    both = advil.model_copy(update={"product_names": ["Advil", "Children's Advil"]})
    assert not label_for_children(both)
    assert label_for_children(both.model_copy(update={"product_names": ["Children's Advil", "Infants' Advil"]}))
    untitled = both.model_copy(update={"product_names": []})
    assert not label_for_children(untitled)
    assert label_for_children(_retitled(untitled, "Children's Advil (ibuprofen) suspension", "")
                              .model_copy(update={"product_names": []}))


@pytest.mark.parametrize(("form", "title", "expected"), [
    (None, "Ibuprofen 200mg oral caplets", ("oral", "tablet")),  # the catalogue has no `caplets`
    (None, "Ibuprofen 400mg oral", ("oral", None)),  # `oral` says the route, not a liquid
    ("oral gel", "Miconazole 2% oral gel", ("oral", None)),
    ("tablet", "ibuprofen 400 MG Oral Tablet", ("oral", "tablet")),
    ("oral suspension", "Ibuprofen 100mg/5ml oral suspension", ("oral", "liquid")),
    ("solution", "Diclofenac 75mg/3ml solution for injection", ("injection", "injection")),
    ("solution", "Diclofenac 1.5% topical solution", ("skin", "liquid")),
    ("solution", "bromfenac 0.7 MG/ML Ophthalmic Solution", ("eye", "liquid")),
    ("eye ointment", "Chloramphenicol 1% eye ointment", ("eye", "ointment")),
])
def test_route_and_form_of_listed_names(form, title, expected):
    assert medicine_route(form, title) == expected


def test_oral_in_a_name_does_not_make_a_tablet_a_liquid(corpus_facts):
    candidates = _candidates(corpus_facts, ["ibuprofen"])
    choice = choose_label(candidates, form=None, strengths=[], title="Ibuprofen 200mg oral caplets")
    assert _stem(corpus_facts, choice.label) == "otc-advil-multiproduct", choice.reason


def test_a_solution_or_suspension_for_injection_is_an_injection(corpus_facts):
    choice = _choose(corpus_facts, "Methylprednisolone acetate 40mg/ml suspension for injection")
    assert _stem(corpus_facts, choice.label) == "depo-medrol-v20-2021", choice.reason
    assert choice.differences == [], choice.reason
