"""Properties of slugs, folders and paths: whatever the title, the page stays inside its tree."""

from __future__ import annotations

import string
from pathlib import PurePosixPath, PureWindowsPath

from hypothesis import given, settings
from hypothesis import strategies as st

from medpages.catalog.builder import CatalogBuilder
from medpages.catalog.records import ListedRecord
from medpages.catalog.report import ImportReport
from medpages.catalog.slug import DIGIT_FOLDER, MAX_SLUG, OTHER_FOLDER, folder_for, slugify

FOLDERS = set(string.ascii_lowercase) | {DIGIT_FOLDER, OTHER_FOLDER}
SLUG_CHARACTERS = set(string.ascii_lowercase + string.digits + "-")

# Any Unicode, plus text built from the characters paths and slugs care about.
titles = st.text(max_size=400) | st.text(alphabet="./\\-_ aZ09~:%\u202e\u0627\u00e9\x00\n", max_size=60)


@settings(max_examples=500, deadline=None)
@given(titles)
def test_a_slug_is_one_safe_path_part(title: str) -> None:
    slug = slugify(title)
    assert slug
    assert set(slug) <= SLUG_CHARACTERS
    assert "/" not in slug and "\\" not in slug and ".." not in slug
    assert len(slug) <= MAX_SLUG
    assert PurePosixPath(slug).parts == (slug,)
    assert PureWindowsPath(slug).parts == (slug,)


@settings(max_examples=500, deadline=None)
@given(titles)
def test_slugs_are_stable(title: str) -> None:
    # Stable: the same title always gives the same slug (no randomness, no state), and a
    # slug is a fixed point: slugifying a slug gives it back, so slugs can be re-derived.
    slug = slugify(title)
    assert slugify(title) == slug
    assert slugify(slug) == slug


@settings(max_examples=500, deadline=None)
@given(titles)
def test_the_folder_is_a_letter_digits_or_other(title: str) -> None:
    assert folder_for(title) in FOLDERS


@settings(max_examples=300, deadline=None)
@given(st.lists(titles, min_size=1, max_size=12))
def test_no_imported_medicine_path_can_escape_and_slugs_are_unique(names: list[str]) -> None:
    builder = CatalogBuilder(ImportReport(), resolve_names=False)
    for line, name in enumerate(names, 1):
        builder.add(ListedRecord(name=name), "list.txt", line)
    slugs = [medicine.slug for medicine in builder.medicines]
    assert len(set(slugs)) == len(slugs)
    for medicine in builder.medicines:
        path = PurePosixPath(medicine.path)
        assert not path.is_absolute()
        assert path.parts == (medicine.letter, f"{medicine.slug}.md")
        assert ".." not in path.parts and medicine.letter in FOLDERS
        assert set(medicine.slug) <= SLUG_CHARACTERS and len(medicine.slug) <= MAX_SLUG
    handled = len(builder.medicines) + builder.report.rejected_count + builder.report.merged_count
    assert handled == len(names)  # every line is imported, rejected or merged: none is lost
