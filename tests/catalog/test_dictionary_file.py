"""The drug dictionary's tables load the same through the user's cached JSON copy as from the
shipped bz2 pickle; a damaged copy or a cache folder that cannot be written only costs time."""

from __future__ import annotations

import bz2
import pickle
import shutil

import pytest

from medpages.catalog.canonical import dictionary_path
from medpages.catalog.dictionary_file import read_tables


@pytest.fixture(scope="module")
def shipped_tables():
    return pickle.loads(bz2.decompress(dictionary_path().read_bytes()))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "medpages"


def test_the_copy_gives_the_shipped_tables_exactly(cache, shipped_tables):
    assert read_tables(dictionary_path()) == shipped_tables
    [copy] = cache.glob("drug-dictionary-*.json")
    assert read_tables(dictionary_path()) == shipped_tables  # now from the copy
    copy.write_text('{"drug_variant_to_canonical": {}}')  # a copy is what is read when there is one
    assert read_tables(dictionary_path()) == {"drug_variant_to_canonical": {}}


@pytest.mark.parametrize("damage", [b"", b'{"cut off', b"[1, 2]", b"\xff\xfe not json", b"[" * 100_000])
def test_a_damaged_copy_is_made_again(cache, shipped_tables, damage):
    read_tables(dictionary_path())
    [copy] = cache.glob("drug-dictionary-*.json")
    copy.write_bytes(damage)
    assert read_tables(dictionary_path()) == shipped_tables
    assert read_tables(dictionary_path()) == shipped_tables and copy.read_bytes() != damage


def test_a_cache_folder_that_cannot_be_written_still_loads(tmp_path, monkeypatch, shipped_tables):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert read_tables(dictionary_path()) == shipped_tables


def test_another_shipped_file_gets_its_own_copy(cache, tmp_path, shipped_tables):
    other = tmp_path / "other.pkl.bz2"
    smaller = {"drug_variant_to_canonical": {"x": ["y"]}, "drug_canonical_to_data": {}}
    other.write_bytes(bz2.compress(pickle.dumps(smaller)))
    shutil.copy(dictionary_path(), tmp_path / "shipped.pkl.bz2")
    assert read_tables(tmp_path / "shipped.pkl.bz2") == shipped_tables
    assert read_tables(other) == smaller
    assert len(list(cache.glob("drug-dictionary-*.json"))) == 2
