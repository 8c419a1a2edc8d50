"""`run_demo` in process: the sample project shows pages written from real labels, not only gaps."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from medpages.demo import run_demo
from medpages.project import Project

SKELETON_TAG = '<span class="tag">not yet written</span>'


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Project:
    return run_demo(tmp_path_factory.mktemp("demo") / "project", say=lambda _: None)


def composed_from_labels(project: Project) -> dict[str, str]:
    """slug → the label a page's usage was composed from (`spl:<set id>`), for every such page."""
    composed = {}
    for medicine, page in project.store().iter_pages():
        usage = page.provenance.get("usage") if page else None
        if usage and usage.kind == "reference":
            composed[medicine.slug] = usage.by.rsplit(" from ", 1)[1]
    return composed


def test_at_least_twelve_pages_are_composed_each_from_its_own_label(demo):
    composed = composed_from_labels(demo)
    assert len(composed) >= 12, sorted(composed)
    assert len(set(composed.values())) == len(composed)  # no label stands in for another medicine's
    assert "atorvastatin-20mg" in composed and "carvedilol-6-25mg" in composed


def test_every_bundled_label_composes_one_page_of_its_own_form_and_people(demo):
    # Issue 13: the ibuprofen label is Advil's tablets, listed as such; a page is never composed
    # from a label of another form or from a children's product for an adult's medicine.
    from zipfile import ZipFile

    from medpages.stages.references import label_lookup

    with ZipFile(resources.files("medpages.demo").joinpath("labels", "fda-labels.zip").open("rb")) as bundle:
        bundled = len(bundle.namelist())
    composed = composed_from_labels(demo)
    assert len(composed) == bundled, sorted(composed)
    assert composed["ibuprofen-200mg-tablets"] == "spl:1a665e64-9f30-be37-4a83-38789f1f1e89"  # Advil
    store, lookup = demo.store(), label_lookup(demo.store())
    differences = {slug: lookup.choice(store.get_medicine(slug)).differences for slug in composed}
    assert not any(note for notes in differences.values() for note in notes
                   if not note.startswith("no label of the listed strength")), differences


def test_no_composed_page_has_an_error_finding(demo):
    store = demo.store()
    errors = {slug: [f.message for f in store.findings(slug) if f.severity == "error"]
              for slug in composed_from_labels(demo)}
    assert not any(errors.values()), errors
    assert all(store.get_page(slug).status == "checked" for slug in errors)


def test_the_home_page_counts_them_and_its_letters_link_each_as_written(demo):
    composed = composed_from_labels(demo)
    site = demo.site_dir
    home = (site / "index.html").read_text(encoding="utf-8")
    # The composed pages and the imported seed page are what the home page counts as information.
    assert f"Plain-language information about {len(composed) + 1} medicines" in home
    for slug in composed:
        letter = slug[0]
        assert f'href="{letter}/"' in home
        listing = (site / letter / "index.html").read_text(encoding="utf-8")
        entry = re.search(rf'<li><a href="{re.escape(slug)}/">[^<]*</a>(.*?)</li>', listing)
        assert entry, f"{slug} is not listed under {letter.upper()}"
        assert SKELETON_TAG not in entry.group(1)
        assert (site / letter / slug / "index.html").is_file()


def test_the_bundled_labels_stay_small():
    labels = resources.files("medpages.demo").joinpath("labels")
    sizes = {entry.name: len(entry.read_bytes()) for entry in labels.iterdir() if entry.is_file()}
    assert list(sizes) == ["fda-labels.zip"]
    assert sum(sizes.values()) < 1_000_000


def test_the_catalogue_lists_no_medicine_twice():
    lines = [line for line in resources.files("medpages.demo").joinpath("generics.txt")
             .read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == len(set(lines))
