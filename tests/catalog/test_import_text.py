"""generics.txt: the original conventions, and every kind of bad line named with its line and reason."""

from __future__ import annotations

from pathlib import PurePosixPath

from medpages.catalog import EXIT_FAILED, EXIT_SUCCESS, EXIT_WARNINGS, ImportStatus, import_catalog
from medpages.catalog.titles import title_from_listed_name

from .conftest import rejected_lines, titles


def test_the_original_conventions(import_text) -> None:
    result = import_text(
        "  Ado-trastuzumab emtansine 160mg  \n"
        "\n"
        "Amoxicillin, Clavulanic Acid 625mg\n"
        '"Paracetamol" (500mg)\n'
        "Pfizer's Atorvastatin 10mg\n"
        "   \n"
    )
    assert titles(result) == [
        "Ado-trastuzumab emtansine 160mg",
        "Amoxicillin + Clavulanic Acid 625mg",
        "Paracetamol 500mg",
        "Pfizers Atorvastatin 10mg",
    ]
    assert [m.path for m in result.medicines][:2] == [
        "a/ado-trastuzumab-emtansine-160mg.md",
        "a/amoxicillin-clavulanic-acid-625mg.md",
    ]
    assert result.report.blank_lines == 2
    assert result.report.rejected == []
    # `Pfizers Atorvastatin` is no name the dictionary knows: imported, and reported (not a warning).
    assert [entry.name for entry in result.report.unresolved] == ["Pfizers Atorvastatin"]
    assert result.status is ImportStatus.SUCCESS
    assert result.exit_code == EXIT_SUCCESS == 0


def test_a_comma_inside_a_number_is_kept() -> None:
    assert title_from_listed_name("Metformin 1,000mg") == "Metformin 1,000mg"
    assert title_from_listed_name("Vitamin B1,B6") == "Vitamin B1 +B6"  # the original's literal ` +`


def test_medicines_carry_the_parse_and_the_canonical_names(import_text) -> None:
    result = import_text("Calpol 120mg/5ml Oral Suspension\nLipitor 10mg Tablets\nAmoxicillin, Clavulanic Acid 625mg\n")
    calpol, lipitor, coamox = result.medicines
    assert calpol.generic_name == "Acetaminophen"
    assert calpol.ingredients == ["Acetaminophen"]
    assert calpol.form == "oral suspension"
    assert calpol.strengths[0].per_amount == 5.0
    assert "Calpol" in calpol.synonyms
    assert calpol.identifiers.medlineplus == "a621016"
    assert lipitor.brands[0] == "Lipitor"
    assert lipitor.letter == "l"
    assert coamox.ingredients == ["Amoxicillin", "Clavulanic Acid"]
    assert coamox.strengths[0].amount == 625.0


def test_names_can_be_left_unresolved(import_text) -> None:
    result = import_text("Paracetamol 500mg\n", resolve_names=False)
    assert result.medicines[0].generic_name is None
    assert result.medicines[0].ingredients == ["Paracetamol"]


def test_bad_lines_are_named_with_line_number_and_reason_and_the_rest_is_imported(import_text) -> None:
    lines = [
        "Paracetamol 500mg",  # 1
        "",  # 2 blank: skipped, not an error
        "()",  # 3
        "---",  # 4
        "!!! ??? ...",  # 5
        "A" * 10_000,  # 6
        "Ibuprofen\x07 200mg",  # 7
        "Aspirin\x00 75mg",  # 8
        "../../etc/passwd",  # 9
        "/etc/passwd",  # 10
        "Atorvastatin 10mg",  # 11
        "Para\u202ecetamol",  # 12: a right-to-left override hides what is written
        "\"'()\"",  # 13
        "Omeprazole 20mg",  # 14
    ]
    result = import_text("\n".join(lines) + "\n")
    reasons = rejected_lines(result)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    assert "empty" in reasons[3]
    assert "no letters or digits" in reasons[4] and "no letters or digits" in reasons[5]
    assert "10,000 characters" in reasons[6] and "300" in reasons[6]
    assert "control character (U+0007" in reasons[7]
    assert "control character (U+0000" in reasons[8]
    assert "starts with '.'" in reasons[9]
    assert "starts with '/'" in reasons[10]
    assert "text-direction control (U+202E" in reasons[12]
    assert "empty" in reasons[13]
    assert titles(result) == ["Paracetamol 500mg", "Atorvastatin 10mg", "Omeprazole 20mg"]
    assert result.status is ImportStatus.WARNINGS
    assert result.exit_code == EXIT_WARNINGS == 3
    for entry in result.report.rejected:
        assert str(entry).startswith(f"{entry.source}:{entry.line}: ")
        assert len(entry.text) <= 61  # a 10,000-character line is shown as its start only


def test_invalid_utf8_rejects_the_line_not_the_file(import_text) -> None:
    result = import_text(b"Paracetamol 500mg\nIbu\xffprofen 200mg\n\xc3\x28 bad\nOmeprazole 20mg\n")
    assert titles(result) == ["Paracetamol 500mg", "Omeprazole 20mg"]
    reasons = rejected_lines(result)
    assert reasons[2].startswith("not valid UTF-8 (byte 0xff at position 4)")
    assert reasons[3].startswith("not valid UTF-8 (byte 0xc3")


def test_a_byte_order_mark_and_windows_line_ends_are_not_part_of_the_name(import_text) -> None:
    result = import_text("\ufeffParacetamol 500mg\r\nIbuprofen 200mg\r\n")
    assert titles(result) == ["Paracetamol 500mg", "Ibuprofen 200mg"]
    assert result.medicines[0].path == "p/paracetamol-500mg.md"


def test_names_differing_only_by_case_or_spacing_are_merged_and_reported(import_text) -> None:
    result = import_text(
        "Amoxicillin + Clavulanic Acid 625mg\n"
        "AMOXICILLIN + CLAVULANIC ACID 625MG\n"
        "amoxicillin  +   clavulanic acid 625 mg\n"
        "Amoxicillin, Clavulanic Acid 625mg\n"
        "Paracetamol 500mg\n"
    )
    assert titles(result) == ["Amoxicillin + Clavulanic Acid 625mg", "Paracetamol 500mg"]
    merged = {entry.line: entry for entry in result.report.merged}
    assert sorted(merged) == [2, 3, 4]
    assert all(entry.kept.line == 1 for entry in merged.values())
    assert "(" in str(merged[2]) and ":1); merged" in str(merged[2])
    assert result.status is ImportStatus.WARNINGS


def test_slug_collisions_get_numbered_slugs_in_listing_order(import_text) -> None:
    result = import_text("Vitamin B-12 1000mcg\nVitamin B 12 1000mcg\nVitamin B/12 1000mcg\nvitamin-b-12-1000mcg-2\n")
    slugs = [m.slug for m in result.medicines]
    assert slugs == [
        "vitamin-b-12-1000mcg",
        "vitamin-b-12-1000mcg-2",
        "vitamin-b-12-1000mcg-3",
        "vitamin-b-12-1000mcg-2-2",  # its own slug was taken by the renamed second line
    ]
    collisions = {c.line: c for c in result.report.collisions}
    assert collisions[2].wanted_slug == "vitamin-b-12-1000mcg" and collisions[2].taken_by.line == 1
    assert collisions[4].taken_by_title == "Vitamin B 12 1000mcg"
    assert len(set(slugs)) == len(slugs)


def test_slug_collisions_are_resolved_the_same_way_every_time(write_list) -> None:
    path = write_list("".join(f"Name{'-' * i}X 10mg\n" for i in range(1, 30)))
    first = [m.slug for m in import_catalog([path], resolve_names=False).medicines]
    second = [m.slug for m in import_catalog([path], resolve_names=False).medicines]
    assert first == second
    assert len(set(first)) == 29


def test_right_to_left_and_other_scripts_are_accepted(import_text) -> None:
    result = import_text("باراسيتامول 500mg\nפרצטמול\nПарацетамол 500 мг\nÉthinylestradiol 30mcg\n")
    assert len(result.medicines) == 4
    assert result.medicines[0].title == "باراسيتامول 500mg"
    for medicine in result.medicines:
        assert medicine.letter in {"other", "e"}
        assert medicine.slug and "/" not in medicine.slug
    assert result.medicines[3].letter == "e"
    assert len({m.slug for m in result.medicines}) == 4


def test_no_path_can_escape_the_tree(import_text) -> None:
    hostile = ["../../etc/passwd", "..\\..\\windows", "/absolute 10mg", "a/../../b", "C:\\x 5mg", "~root 1mg",
               "x" * 299, ". 10mg", "Name/../.. 5mg", "....", "%2e%2e%2f 10mg"]
    result = import_text("\n".join(hostile) + "\n", resolve_names=False)
    for medicine in result.medicines:
        path = PurePosixPath(medicine.path)
        assert not path.is_absolute()
        assert ".." not in path.parts
        assert len(path.parts) == 2
        assert "/" not in medicine.slug and "\\" not in medicine.slug
        assert set(medicine.slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


def test_a_missing_file_fails_but_the_other_files_import(write_list, tmp_path) -> None:
    good = write_list("Paracetamol 500mg\n")
    result = import_catalog([tmp_path / "missing.txt", good, tmp_path])
    assert titles(result) == ["Paracetamol 500mg"]
    messages = [str(p) for p in result.problems]
    assert any("missing.txt: cannot be read" in m for m in messages)
    assert any("is a folder" in m for m in messages)
    assert result.status is ImportStatus.FAILED
    assert result.exit_code == EXIT_FAILED == 1


def test_nothing_importable_is_a_failure(import_text) -> None:
    result = import_text("\n\n()\n---\n")
    assert result.medicines == []
    assert result.status is ImportStatus.FAILED
    assert "no medicine could be imported" in result.report.notes


def test_spreadsheets_and_utf16_are_refused_with_advice(write_list) -> None:
    xlsx = write_list(b"PK\x03\x04", "list.xlsx")
    utf16 = write_list("Paracetamol\n".encode("utf-16"), "list.txt")
    binary = write_list(b"\x00\x01\x02abc", "list.bin")
    result = import_catalog([xlsx, utf16, binary])
    messages = " | ".join(str(p) for p in result.problems)
    assert "spreadsheet; save it as CSV" in messages
    assert "UTF-16 text; save it as UTF-8" in messages
    assert "binary file" in messages


def test_duplicates_are_found_across_files(write_list, tmp_path) -> None:
    first = write_list("Paracetamol 500mg\n", "a.txt")
    second = write_list("paracetamol 500mg\nIbuprofen 200mg\n", "b.txt")
    result = import_catalog([first, second])
    assert titles(result) == ["Paracetamol 500mg", "Ibuprofen 200mg"]
    assert result.report.merged[0].source == str(second)
    assert result.report.merged[0].kept.source == str(first)
    assert [str(o) for o in result.origins] == [f"{first}:1", f"{second}:2"]


def test_the_catalogue_writes_no_files(write_list, tmp_path, monkeypatch) -> None:
    path = write_list("Paracetamol 500mg\n../../etc/passwd\n")
    monkeypatch.chdir(tmp_path)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    import_catalog([path])
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_the_report_keeps_details_bounded_but_counts_everything(import_text, monkeypatch) -> None:
    monkeypatch.setattr("medpages.catalog.report.MAX_DETAILS", 5)
    result = import_text("---\n" * 20 + "Paracetamol 500mg\n", resolve_names=False)
    assert result.report.rejected_count == 20
    assert len(result.report.rejected) == 5
    assert result.report.messages()[-1] == "... and 15 more rejected lines"
