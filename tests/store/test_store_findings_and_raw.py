"""Check findings, replaced per page; files that could not be parsed, kept byte for byte."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine, text

from medpages.model import Finding
from medpages.store import Store, StoreError

from store_samples import make_medicine, make_page

FINDINGS = [
    Finding(code="structure.missing_section", severity="error", message="no Side Effects section", section="side_effects"),
    Finding(code="artefact.ai_self_reference", severity="warning", message="starts with “As an AI”", section="usage", line=12),
]


def test_findings_replace_the_previous_ones_and_point_at_the_checked_revision(
    store: Store, raw_engine: Engine
) -> None:
    medicine = make_medicine()
    store.upsert_medicine(medicine)
    store.replace_findings(medicine.slug, [Finding(code="parse.title_missing", severity="info", message="no page yet")])
    store.save_page(medicine.slug, make_page(medicine), author="model:m", kind="model")
    store.save_page(medicine.slug, make_page(medicine, usage="Better."), author="model:m", kind="model")
    store.replace_findings(medicine.slug, FINDINGS)

    assert store.findings(medicine.slug) == FINDINGS
    with raw_engine.connect() as connection:
        checked = connection.execute(text(
            "SELECT DISTINCT r.number FROM findings f JOIN revisions r ON r.id = f.revision_id")).scalars().all()
    assert checked == [2]
    store.replace_findings(medicine.slug, [])
    assert store.findings(medicine.slug) == [] and store.counts()["findings"] == 0


def test_findings_need_a_known_medicine(store: Store) -> None:
    with pytest.raises(StoreError, match="no medicine with slug 'missing'"):
        store.replace_findings("missing", FINDINGS)


def test_an_unparsable_file_is_kept_byte_for_byte(store: Store) -> None:
    content = b"---\nlayout: minimal-medicine\n\x00\xff\xfe not UTF-8 \r\n\x1b[31m" + os.urandom(2000)
    document_id = store.keep_raw("site/p/paracetamol.md", content, "line 3: front matter is not YAML")
    (kept,) = store.raw_documents()
    assert (kept.id, kept.path, kept.content, kept.error) == (
        document_id, "site/p/paracetamol.md", content, "line 3: front matter is not YAML")
    assert kept.text.startswith("---\nlayout: minimal-medicine\n\x00\ufffd")
    assert kept.created_at.tzinfo is not None


def test_keeping_the_same_file_twice_keeps_one_copy(store: Store) -> None:
    first = store.keep_raw("a.md", "text", "bad")
    assert store.keep_raw("a.md", "text", "still bad") == first
    assert store.keep_raw("a.md", "changed text", "bad") != first
    assert store.keep_raw("b.md", "text", "bad") != first
    assert store.counts()["raw_documents"] == 3


def test_raw_text_read_with_surrogateescape_gets_its_bytes_back(store: Store) -> None:
    original = b"Paracetamol \xe9 500mg\x00"
    decoded = original.decode("utf-8", "surrogateescape")
    undecodable_name = os.fsdecode(b"caf\xe9.md")
    store.keep_raw(undecodable_name, decoded, "error with a NUL \x00 in it")
    (kept,) = store.raw_documents()
    assert kept.content == original
    assert kept.path == "caf\\udce9.md"
    assert kept.error == "error with a NUL \\x00 in it"


def test_a_large_raw_document_round_trips(store: Store) -> None:
    content = "Ünïcödé ✓ عربى\n".encode() * 100_000
    store.keep_raw("big.json", content, "not JSON")
    assert store.raw_documents()[0].content == content
