"""`add_sources`: files, folders and archives into the store, every problem reported, nothing stored damaged."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

import medpages.sources.openfda as openfda_module
from medpages.errors import InputError
from medpages.sources.ingest import add_sources, unsafe_member_name
from medpages.sources.ingredients import canonical_ingredients
from medpages.store import Store

from label_samples import (
    LIPITOR_SET_ID,
    LIPITOR_XML,
    OPENFDA_LABELS,
    OPENFDA_SYNTHETIC,
    OTC_SET_ID,
    OTC_XML,
    SPL_DIR,
    make_zip,
    zip_bytes,
)

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE document [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    + ']><document xmlns="urn:hl7-org:v3"><title>&lol9;</title></document>'
).encode()


def snapshot(store: Store) -> dict:
    return {set_id: store.get_label(set_id) for set_id in (LIPITOR_SET_ID, OTC_SET_ID)}


def test_the_spl_folder_is_read_into_the_store(store: Store) -> None:
    messages: list[str] = []
    report = add_sources(store, [SPL_DIR], progress=messages.append)
    assert [Path(f.path).name for f in report.files] == ["lipitor-atorvastatin.xml", "otc-cough.xml"]
    assert [(f.read, f.new, f.problems) for f in report.files] == [(1, 1, []), (1, 1, [])]
    assert report.stored == 2 and report.warnings == 0
    assert messages == [f"reading {SPL_DIR / 'lipitor-atorvastatin.xml'}", f"reading {SPL_DIR / 'otc-cough.xml'}"]
    label = store.best_label(canonical_ingredients(["Atorvastatin"]), with_sections=True)
    assert label.source.set_id == LIPITOR_SET_ID and label.sections
    assert store.best_label(canonical_ingredients(["Diphenhydramine", "Phenylephrine"])).source.set_id == OTC_SET_ID
    assert store.best_label(["Diphenhydramine"]) is None  # a combination's label is not a single ingredient's


def test_adding_again_changes_nothing(store: Store) -> None:
    add_sources(store, [SPL_DIR])
    before = snapshot(store)
    report = add_sources(store, [LIPITOR_XML, OTC_XML])
    assert report.total("unchanged") == 2 and report.stored == 0
    assert snapshot(store) == before


def test_the_spl_document_outranks_openfdas_copy_of_the_same_version(store: Store) -> None:
    first = add_sources(store, [OPENFDA_LABELS])
    assert first.total("new") == 2 and store.get_label(LIPITOR_SET_ID).source.kind == "openfda"
    second = add_sources(store, [SPL_DIR])
    assert second.total("replaced") == 2 and store.get_label(LIPITOR_SET_ID).source.kind == "spl"
    third = add_sources(store, [OPENFDA_LABELS])
    assert third.total("older") == 2 and store.get_label(LIPITOR_SET_ID).source.kind == "spl"


def test_versions_combinations_and_bad_records_in_one_file(store: Store) -> None:
    [report] = add_sources(store, [OPENFDA_SYNTHETIC]).files
    assert (report.read, report.new, report.older, report.unreadable) == (4, 3, 1, 3)
    assert [p.split(": ", 1)[1] for p in report.problems] == [
        "the record has no set_id", "a record is a JSON object, not str",
        "names no active ingredient, so it cannot be matched to a medicine",
    ]
    assert report.problems[0].startswith(f"{OPENFDA_SYNTHETIC} record 5: ")
    newest = store.best_label(canonical_ingredients(["Examplamine Hydrochloride"]))
    assert newest.source.set_id.endswith("002")  # the most recent label of the ingredient
    assert [label.source.version for label in store.labels_for(["examplamine"])] == [1, 2]
    assert store.best_label(["examplamine", "testocillin"]).source.set_id.endswith("003")


def test_zips_of_spl_and_of_openfda_json(store: Store, tmp_path: Path) -> None:
    spl_zip = make_zip(tmp_path / "spl.zip", {
        "spl/lipitor.xml": LIPITOR_XML.read_bytes(), "spl/lipitor-01.jpg": b"\xff\xd8 not read",
    })
    openfda_zip = make_zip(tmp_path / "drug-label-0001-of-0001.json.zip", {
        "drug-label-0001-of-0001.json": OPENFDA_SYNTHETIC.read_bytes(),
    })
    report = add_sources(store, [spl_zip, openfda_zip])
    assert [(f.read, f.new) for f in report.files] == [(1, 1), (4, 3)]
    assert report.files[1].problems[0].startswith(f"{openfda_zip}!drug-label-0001-of-0001.json record 5: ")


def test_dailymed_release_archives_hold_one_zip_per_label(store: Store, tmp_path: Path) -> None:
    release = make_zip(tmp_path / "dm_spl_release_human_rx_part1.zip", {
        "prescription/20140113_c6e131fe.zip": zip_bytes({"lipitor.xml": LIPITOR_XML.read_bytes(), "a.jpg": b"x"}),
        "prescription/20110426_00f66f25.zip": zip_bytes({"otc.xml": OTC_XML.read_bytes()}),
        "prescription/broken.zip": b"PK\x03\x04 not really a zip",
    })
    [report] = add_sources(store, [release]).files
    assert (report.read, report.new) == (2, 2)
    assert report.problems == [
        f"{release}!prescription/broken.zip: not a readable zip archive (File is not a zip file)"]


# --------------------------------------------------------------------------- hostile inputs


def test_hostile_files_are_reported_and_nothing_stored_is_damaged(store: Store, tmp_path: Path) -> None:
    add_sources(store, [SPL_DIR])
    before = snapshot(store)
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    (hostile / "a-malformed.xml").write_bytes(
        b'<?xml version="1.0"?>\n<document xmlns="urn:hl7-org:v3">\n<title>x</document>')
    (hostile / "b-bomb.xml").write_bytes(BILLION_LAUGHS)
    make_zip(hostile / "c-empty.zip", {})
    make_zip(hostile / "d-traversal.zip", {"../../etc/evil.xml": LIPITOR_XML.read_bytes(),
                                           "/abs/evil.xml": b"x", "ok/otc.xml": OTC_XML.read_bytes()})
    whole = make_zip(tmp_path / "whole.zip", {"lipitor.xml": LIPITOR_XML.read_bytes()}).read_bytes()
    (hostile / "e-truncated.zip").write_bytes(whole[: len(whole) // 2])
    (hostile / "f-not-json.json").write_text("<html>nothing here</html>")
    (hostile / "g-notes.txt").write_text("not read: not a label file suffix")

    report = add_sources(store, [hostile])
    by_name = {Path(f.path).name: f for f in report.files}
    assert sorted(by_name) == ["a-malformed.xml", "b-bomb.xml", "c-empty.zip", "d-traversal.zip", "e-truncated.zip",
                               "f-not-json.json"]
    assert by_name["a-malformed.xml"].problems == [
        f"{hostile / 'a-malformed.xml'}:3: malformed XML (mismatched tag, column 10)"]
    assert "declares entities" in by_name["b-bomb.xml"].problems[0]
    assert by_name["c-empty.zip"].problems == [f"{hostile / 'c-empty.zip'}: the archive is empty"]
    traversal = by_name["d-traversal.zip"]
    assert traversal.problems == [
        f"{hostile / 'd-traversal.zip'}!../../etc/evil.xml: skipped, its name climbs out of the archive (`..`)",
        f"{hostile / 'd-traversal.zip'}!/abs/evil.xml: skipped, its name is an absolute path",
    ]
    assert (traversal.read, traversal.unchanged) == (1, 1)  # the good member was still read
    assert "not a readable zip archive" in by_name["e-truncated.zip"].problems[0]
    assert "not JSON" in by_name["f-not-json.json"].problems[0]
    assert report.stored == 0
    assert snapshot(store) == before
    assert not list(tmp_path.rglob("evil.xml")) and not Path("/abs/evil.xml").exists()


def test_a_damaged_member_is_reported_and_the_others_read(store: Store, tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "damaged.zip",
                       {"1-otc.xml": OTC_XML.read_bytes(), "2-lipitor.xml": LIPITOR_XML.read_bytes()})
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as reading:
        info = reading.getinfo("1-otc.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 100] ^= 0xFF  # flip a byte in the compressed data
    archive.write_bytes(bytes(data))
    [report] = add_sources(store, [archive]).files
    assert report.read == 1 and store.get_label(LIPITOR_SET_ID) is not None
    assert report.problems[0].startswith(f"{archive}!1-otc.xml: ")


def test_a_huge_json_string_stops_that_file_only(store: Store, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(openfda_module, "MAX_RECORD_BYTES", 500_000)
    good = json.loads(OPENFDA_SYNTHETIC.read_text())["results"][0]
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps({"results": [good, {"set_id": "y" * 3_000_000}, good]}))
    report = add_sources(store, [huge, LIPITOR_XML])
    assert (report.files[0].read, report.files[0].new) == (1, 1)
    assert "record 2 is larger than 500,000 bytes" in report.files[0].problems[0]
    assert report.files[1].new == 1


def test_a_missing_path_stops_before_anything_is_read(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        add_sources(store, [LIPITOR_XML, tmp_path / "nowhere.xml"])
    assert store.label_counts()["labels"] == 0


def test_an_unreadable_file_is_reported(store: Store, tmp_path: Path) -> None:
    unreadable = tmp_path / "locked.xml"
    shutil.copy(LIPITOR_XML, unreadable)
    unreadable.chmod(0)
    try:
        report = add_sources(store, [unreadable])
    finally:
        unreadable.chmod(0o644)
    if report.files[0].read:  # root reads anything
        pytest.skip("running as root: permissions do not stop reading")
    assert "cannot be read" in report.files[0].problems[0]


@pytest.mark.parametrize(("name", "unsafe"), [
    ("labels/x.xml", False), ("x.xml", False), ("a/../b.xml", True), ("../b.xml", True), ("/etc/b.xml", True),
    ("C:/b.xml", True), ("c:b.xml", True), ("..\\b.xml", True), ("a\x00b.xml", True),
])
def test_unsafe_member_names(name: str, unsafe: bool) -> None:
    assert (unsafe_member_name(name) is not None) == unsafe
