"""Properties of slugs, folders and paths: whatever the title, the page stays inside its tree."""

from __future__ import annotations

import hashlib
import re
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


def reference_slugify(title: str) -> str:
    """slugify as first written, step by step after the original script; the fast one must match it."""
    slug = re.sub(r"[^A-Za-z0-9\s]", "-", title)
    slug = re.sub(r"\s+", "-", slug)
    slug = re.sub(r"-+", "-", slug).lower()
    slug = re.sub(r"[^a-z0-9-]", "-", slug)
    slug = re.sub(r"-+", "-", slug)
    short_hash = hashlib.sha1(title.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if not re.search(r"[a-z0-9]", slug):
        return f"medicine-{short_hash}"
    if len(slug) > MAX_SLUG:
        slug = f"{slug[:MAX_SLUG - 9].rstrip('-')}-{short_hash}"
    return slug


# Characters where the two could part: Unicode spaces, digits and letters whose lower or upper
# case is ASCII (the Kelvin sign, dotted capital I), surrogates, separators at the edges.
tricky = st.text(alphabet="aZ09 -_.\t\n\u00a0\u2003\u0663\u212a\u0130\u00df\u00e9\ud800\x1c\x85/", max_size=140)


@settings(max_examples=2000, deadline=None)
@given(titles | tricky)
def test_slugify_gives_the_same_bytes_as_the_original_rule(title: str) -> None:
    assert slugify(title) == reference_slugify(title)


@settings(max_examples=500, deadline=None)
@given(titles)
def test_the_folder_is_a_letter_digits_or_other(title: str) -> None:
    assert folder_for(title) in FOLDERS


@settings(max_examples=300, deadline=None)
@given(st.lists(titles, min_size=1, max_size=12))
def test_no_imported_medicine_path_can_escape_and_slugs_are_unique(names: list[str]) -> None:
    medicines: list = []
    builder = CatalogBuilder(ImportReport(), medicines.extend, batch_size=3, resolve_names=False)
    for line, name in enumerate(names, 1):
        builder.add(ListedRecord(name=name), "list.txt", line)
    builder.finish()
    slugs = [medicine.slug for medicine in medicines]
    assert len(set(slugs)) == len(slugs)
    for medicine in medicines:
        path = PurePosixPath(medicine.path)
        assert not path.is_absolute()
        assert path.parts == (medicine.letter, f"{medicine.slug}.md")
        assert ".." not in path.parts and medicine.letter in FOLDERS
        assert set(medicine.slug) <= SLUG_CHARACTERS and len(medicine.slug) <= MAX_SLUG
    handled = len(medicines) + builder.report.rejected_count + builder.report.merged_count
    assert handled == len(names)  # every line is imported, rejected or merged: none is lost
