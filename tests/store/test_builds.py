"""The build manifest: what changed since a target's last build, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from medpages.model import FrontMatter, Medicine, Page
from medpages.store import Store
from medpages.store.builds import BuiltPage


def _medicine(title: str) -> Medicine:
    slug = title.lower().replace(" ", "-")
    return Medicine(title=title, slug=slug, letter=slug[0])


def _record(store: Store, target: str, version: str = "v1") -> None:
    """A build of every medicine, as a build stage records it."""
    rows = [BuiltPage(source.medicine_id, source.medicine.slug, source.medicine_digest, source.current_revision_id,
                      None, "current" if source.page else "not_written", version, {"file": source.medicine.path})
            for source in store.build_sources()]
    store.save_build(target, out_dir="/out", render_version=version, stamp="s1", pages=rows, full=True)


def _page(title: str, note: str | None = None) -> Page:
    return Page(title=title, front_matter=FrontMatter(title=title), note=note)


def _ids(store: Store, *slugs: str) -> list[int]:
    return sorted(source.medicine_id for source in store.build_sources() if source.medicine.slug in slugs)


def test_changes_are_what_was_added_changed_saved_or_removed(store: Store) -> None:
    store.upsert_medicines([_medicine("Aspirin"), _medicine("Ibuprofen"), _medicine("Zinc")])
    store.save_page("aspirin", _page("Aspirin"), author="model:test", kind="model")
    assert store.build_target("site:x") is None
    assert store.build_changes("site:x", "v1").changed == _ids(store, "aspirin", "ibuprofen", "zinc")
    _record(store, "site:x")
    assert not store.build_changes("site:x", "v1")
    assert store.build_target("site:x").stamp == "s1"
    assert store.build_changes("jekyll:y", "v1").changed  # another target has its own manifest
    assert len(store.build_changes("site:x", "v2").changed) == 3  # another render version: every medicine

    store.save_page("aspirin", _page("Aspirin", "changed"), author="model:test", kind="model")
    store.save_page("ibuprofen", _page("Ibuprofen"), author="model:test", kind="model")
    store.upsert_medicine(_medicine("Zinc").model_copy(update={"form": "tablet"}))
    store.upsert_medicine(_medicine("Quinine"))
    assert store.build_changes("site:x", "v1").changed == _ids(store, "aspirin", "ibuprofen", "zinc", "quinine")

    _record(store, "site:x")
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM medicines WHERE slug = 'quinine'"))
    changes = store.build_changes("site:x", "v1")
    assert changes.changed == [] and [row.slug for row in changes.removed] == ["quinine"]
    assert changes.removed[0].outputs == {"file": "q/quinine.md"}


def test_a_partial_save_replaces_its_rows_and_drops_the_removed(store: Store) -> None:
    store.upsert_medicines([_medicine("Aspirin"), _medicine("Ibuprofen")])
    _record(store, "site:x")
    aspirin, ibuprofen = _ids(store, "aspirin"), _ids(store, "ibuprofen")
    row = store.built_pages("site:x", aspirin)[0]
    store.save_build("site:x", out_dir="/out", render_version="v1", stamp="s2",
                     pages=[row._replace(published="left_out", outputs={})], removed=ibuprofen)
    assert [r.slug for r in store.built_pages("site:x")] == ["aspirin"]
    assert store.built_counts("site:x") == {"left_out": 1}
    assert store.built_slugs("site:x", "left_out") == ["aspirin"]
    assert store.build_target("site:x").stamp == "s2"
    store.forget_build("site:x")
    assert store.build_target("site:x") is None and store.built_pages("site:x") == []


def test_build_sources_of_some_medicines_and_of_all(store: Store) -> None:
    store.upsert_medicines([_medicine(f"Medicine {n}") for n in range(5)])
    store.save_page("medicine-3", _page("Medicine 3"), author="model:test", kind="model")
    everything = list(store.build_sources())
    assert [s.medicine.slug for s in everything] == [f"medicine-{n}" for n in range(5)]
    some = list(store.build_sources(_ids(store, "medicine-3", "medicine-1")))
    assert [(s.medicine.slug, s.page is not None, s.current_revision_id is not None) for s in some] == [
        ("medicine-1", False, False), ("medicine-3", True, True)]
