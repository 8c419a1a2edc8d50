"""Reference labels in the store: one per set id, the newest wins, found by canonical ingredients."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text

from medpages.errors import InputError
from medpages.model.facts import Fact, LabelFacts, LabelSource
from medpages.sources.ingredients import canonical_ingredients
from medpages.model.label import LabelSection
from medpages.store import Store


def make_label(
    set_id: str = "0000aaaa-0000-4000-8000-000000000001",
    *,
    ingredients: list[str] | None = None,
    version: int | None = 1,
    effective: date | None = date(2020, 1, 1),
    kind: str = "openfda",
    indication: str = "Synthetic indication.",
) -> LabelFacts:
    return LabelFacts(
        source=LabelSource(
            kind=kind, set_id=set_id, version=version, effective_date=effective, title=f"label {set_id}",
            publisher="test", url=f"https://example.invalid/{set_id}",
        ),
        ingredients=ingredients if ingredients is not None else ["examplamine"],
        indications=[Fact(section="indications", text=indication)],
        sections=[LabelSection(key="indications", code="34067-9", heading="1 INDICATIONS", text=indication)],
    )


def test_a_label_is_stored_and_found_by_its_ingredient(store: Store) -> None:
    label = make_label()
    assert store.add_label(label) is True
    found = store.labels_for(["examplamine"])
    assert [f.source.set_id for f in found] == [label.source.set_id]
    assert found[0].sections == []  # sections only on request
    assert store.labels_for(["Examplamine"], with_sections=True)[0] == label
    assert store.get_label(label.source.set_id) == label
    assert store.label_counts() == {"labels": 1, "labels.openfda": 1, "ingredients": 1}


def test_a_set_id_keeps_its_newest_version(store: Store) -> None:
    assert store.add_label(make_label(version=2, indication="Version two.")) is True
    assert store.add_label(make_label(version=1, indication="Version one.")) is False  # older
    assert store.add_label(make_label(version=2, indication="Version two.")) is False  # unchanged
    assert store.add_label(make_label(version=3, indication="Version three.")) is True  # newer
    [label] = store.labels_for(["examplamine"])
    assert label.source.version == 3 and label.indications[0].text == "Version three."
    assert store.label_counts()["labels"] == 1


def test_outcomes_say_what_happened_to_each_label(store: Store) -> None:
    labels = [
        make_label(version=2), make_label(version=1), make_label(version=2),
        make_label(version=2, kind="spl"),  # the SPL document outranks openFDA's copy of a version
        make_label("0000aaaa-0000-4000-8000-000000000002"),
    ]
    outcomes = store.add_labels(labels, batch_size=2)
    assert [o.status for o in outcomes] == ["new", "older", "unchanged", "replaced", "new"]
    assert store.get_label(labels[0].source.set_id).source.kind == "spl"
    assert store.label_counts() == {"labels": 2, "labels.openfda": 1, "labels.spl": 1, "ingredients": 1}


def test_the_same_version_read_again_with_other_facts_replaces_the_stored_one(store: Store) -> None:
    store.add_label(make_label(indication="Read by an older extractor."))
    assert store.add_label(make_label(indication="Read by a newer extractor.")) is True
    assert store.labels_for(["examplamine"])[0].indications[0].text == "Read by a newer extractor."


def test_the_most_recent_label_comes_first(store: Store) -> None:
    store.add_labels([
        make_label("0000aaaa-0000-4000-8000-000000000001", effective=date(2019, 5, 1), version=9),
        make_label("0000aaaa-0000-4000-8000-000000000002", effective=date(2021, 5, 1), version=1),
        make_label("0000aaaa-0000-4000-8000-000000000003", effective=date(2021, 5, 1), version=4),
        make_label("0000aaaa-0000-4000-8000-000000000004", effective=None, version=12),
    ])
    assert [label.source.set_id[-1] for label in store.labels_for(["examplamine"])] == ["3", "2", "1", "4"]
    assert store.best_label(["examplamine"]).source.set_id.endswith("3")


def test_a_combination_needs_all_its_ingredients_and_matches_no_single_one(store: Store) -> None:
    store.add_labels([
        make_label("0000aaaa-0000-4000-8000-000000000001", ingredients=["examplamine"]),
        make_label("0000aaaa-0000-4000-8000-000000000002", ingredients=["examplamine", "testocillin"]),
        make_label("0000aaaa-0000-4000-8000-000000000003", ingredients=["examplamine", "testocillin", "third"]),
    ])
    assert [f.source.set_id[-1] for f in store.labels_for(["examplamine"])] == ["1"]
    assert [f.source.set_id[-1] for f in store.labels_for(["Testocillin", " examplamine"])] == ["2"]
    assert store.labels_for(["testocillin"]) == []
    assert store.best_label(["examplamine", "unknownine"]) is None
    assert store.labels_for([]) == [] and store.labels_for(["  "]) == []


def test_catalogue_names_find_labels_by_their_canonical_names(store: Store) -> None:
    # The store matches canonical names; the sources layer makes them (the store knows no dictionary).
    store.add_label(make_label(ingredients=["acetaminophen"]))
    for name in ("Paracetamol", "acetaminophen", "ACETAMINOPHEN"):
        assert store.best_label(canonical_ingredients([name])) is not None, name
    assert store.best_label(["Paracetamol"]) is None


def test_a_label_that_cannot_be_stored_is_refused_alone(store: Store) -> None:
    bad = make_label("0000aaaa-0000-4000-8000-000000000001", indication="NUL \x00 inside")
    surrogate = make_label("0000aaaa-0000-4000-8000-000000000002", indication="lone \ud800 surrogate")
    long_name = make_label("0000aaaa-0000-4000-8000-000000000003", ingredients=["x" * 300])
    good = make_label("0000aaaa-0000-4000-8000-000000000004")
    outcomes = store.add_labels([bad, surrogate, long_name, good])
    assert [o.status for o in outcomes] == ["refused", "refused", "refused", "new"]
    assert "NUL" in outcomes[0].reason and "surrogate" in outcomes[1].reason and "300" in outcomes[2].reason
    assert store.label_counts()["labels"] == 1
    with pytest.raises(InputError, match="NUL"):
        store.add_label(bad)


def test_a_replaced_label_leaves_no_stale_ingredient_rows(store: Store, raw_engine: Engine) -> None:
    store.add_label(make_label(version=1, ingredients=["examplamine", "testocillin"]))
    store.add_label(make_label(version=2, ingredients=["examplamine"]))
    assert store.labels_for(["examplamine", "testocillin"]) == []
    assert len(store.labels_for(["examplamine"])) == 1
    with raw_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM label_ingredients")).scalar() == 1


def test_many_labels_are_added_in_batches(store: Store) -> None:
    labels = [make_label(f"0000aaaa-0000-4000-8000-{n:012d}", ingredients=[f"examplamine{n % 7}"])
              for n in range(450)]
    outcomes = store.add_labels(labels, batch_size=100)
    assert all(o.status == "new" for o in outcomes)
    assert store.label_counts() == {"labels": 450, "labels.openfda": 450, "ingredients": 7}
    assert len(store.labels_for(["examplamine3"])) == len([n for n in range(450) if n % 7 == 3])
