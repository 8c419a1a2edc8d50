"""The Jekyll tree: atomic writes, no diff when nothing changed, never deleting others' files."""

from __future__ import annotations

import json
import os

import pytest

from medpages.catalog.slug import folder_for, slugify
from medpages.errors import InputError
from medpages.model import Medicine
from medpages.catalog.page_files import iter_page_files, path_parts, read_page_file
from medpages.publish.jekyll import export_jekyll
from medpages.catalog.seed_reader import parse_seed_markdown


def _medicine(title: str) -> Medicine:
    return Medicine(title=title, slug=slugify(title), letter=folder_for(title))


def _entries(seed_text, titles):
    page = parse_seed_markdown(seed_text)
    return [(_medicine(t), page if t.startswith("Ado") else page.model_copy(update={"title": t, "original": None}))
            for t in titles]


def test_export_writes_letter_slug_paths_and_seed_bytes(tmp_path, seed_text):
    report = export_jekyll(_entries(seed_text, ["Ado-trastuzumab emtansine 160mg", "5-FU 500mg"]),
                           tmp_path / "site", tmp_path / "manifest.json")
    assert sorted(report.written) == ["0-9/5-fu-500mg.md", "a/ado-trastuzumab-emtansine-160mg.md"]
    assert (tmp_path / "site/a/ado-trastuzumab-emtansine-160mg.md").read_text(encoding="utf-8") == seed_text


def test_second_export_touches_nothing(tmp_path, seed_text):
    entries = _entries(seed_text, ["Ado-trastuzumab emtansine 160mg", "Aspirin 75mg"])
    export_jekyll(entries, tmp_path / "site", tmp_path / "m.json")
    target = tmp_path / "site/a/aspirin-75mg.md"
    os.utime(target, (1, 1))
    report = export_jekyll(entries, tmp_path / "site", tmp_path / "m.json")
    assert report.written == [] and report.unchanged == 2
    assert target.stat().st_mtime == 1  # not rewritten
    assert not [p for p in (tmp_path / "site").rglob("*.tmp")]


def test_removed_page_is_deleted_only_if_we_wrote_it_and_nobody_edited_it(tmp_path, seed_text):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.md").write_text("the publisher's own page")
    export_jekyll(_entries(seed_text, ["Aspirin 75mg", "Atenolol 50mg", "Ado-trastuzumab emtansine 160mg"]),
                  site, tmp_path / "m.json")
    (site / "a/atenolol-50mg.md").write_text("edited by hand")
    report = export_jekyll(_entries(seed_text, ["Ado-trastuzumab emtansine 160mg"]), site, tmp_path / "m.json")
    assert report.deleted == ["a/aspirin-75mg.md"]
    assert report.kept_edited == ["a/atenolol-50mg.md"]
    assert (site / "a/atenolol-50mg.md").read_text() == "edited by hand"
    assert (site / "index.md").read_text() == "the publisher's own page"


def test_a_medicine_path_outside_the_tree_is_refused(tmp_path, seed_text):
    page = parse_seed_markdown(seed_text)
    # The model allows any string; the writer must still refuse to leave the tree.
    evil = Medicine(title="x", slug="../../escape", letter="a")
    with pytest.raises(InputError, match="outside"):
        export_jekyll([(evil, page)], tmp_path / "site", tmp_path / "m.json")
    assert not (tmp_path / "escape.md").exists()


def test_unreadable_manifest_deletes_nothing(tmp_path, seed_text):
    site = tmp_path / "site"
    export_jekyll(_entries(seed_text, ["Aspirin 75mg"]), site, tmp_path / "m.json")
    (tmp_path / "m.json").write_text("{not json")
    report = export_jekyll([], site, tmp_path / "m.json")
    assert report.deleted == [] and (site / "a/aspirin-75mg.md").exists()
    assert json.loads((tmp_path / "m.json").read_text()) == {}


def test_reading_a_tree(tmp_path, seed_text):
    (tmp_path / "a").mkdir()
    (tmp_path / "_layouts").mkdir()
    (tmp_path / "a/ado-trastuzumab-emtansine-160mg.md").write_text(seed_text, encoding="utf-8")
    (tmp_path / "_layouts/minimal-medicine.html").write_text("<html>")
    (tmp_path / "b").mkdir()
    (tmp_path / "b/broken.md").write_bytes(b"---\ntitle: B\n---\n\n# B \xff\xfe\n")
    (tmp_path / "b/empty.md").write_bytes(b"")
    files = list(iter_page_files(tmp_path))
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "a/ado-trastuzumab-emtansine-160mg.md", "b/broken.md", "b/empty.md"]
    good, broken, empty = (read_page_file(f, tmp_path) for f in files)
    assert good.page is not None and good.error is None
    assert broken.page is None and "line 5: not valid UTF-8" in broken.error and "B" in broken.text
    assert empty.page is None and "no title" in empty.error
    assert path_parts("a/ado-trastuzumab-emtansine-160mg.md") == ("a", "ado-trastuzumab-emtansine-160mg")
    assert path_parts("A/Bad Name.md") is None
