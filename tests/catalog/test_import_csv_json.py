"""CSV and JSON lists: the column mapping, rows of the wrong shape, malformed files."""

from __future__ import annotations

import json

import pytest

from medpages.catalog import ImportStatus, import_catalog

from .conftest import rejected_lines, titles


# --------------------------------------------------------------------------- CSV


def test_csv_columns_are_matched_ignoring_case_and_spacing(write_list) -> None:
    path = write_list(
        "Medicine_Name,STRENGTH,Dosage-Form,Brand Names,Synonyms,Price\n"
        "Paracetamol,500mg,Tablet,Panadol; Crocin,APAP,1.20\n"
        '"Amoxicillin, Clavulanic Acid",625mg,tablet,,,3\n',
        "list.csv",
    )
    result = import_catalog([path])
    paracetamol, coamox = result.medicines
    assert paracetamol.title == "Paracetamol 500mg Tablet"  # strength and form join the name
    assert paracetamol.form == "tablet"
    assert paracetamol.brands[:2] == ["Panadol", "Crocin"]  # the publisher's own first
    assert paracetamol.synonyms[0] == "APAP"
    assert paracetamol.generic_name == "Acetaminophen"
    assert coamox.title == "Amoxicillin + Clavulanic Acid 625mg tablet"
    assert result.report.notes == [f"{path}: column(s) not used: 'Price'"]
    assert result.status is ImportStatus.WARNINGS


def test_csv_strength_already_in_the_name_is_not_repeated(write_list) -> None:
    path = write_list("name,strength\nParacetamol 500mg,500mg\n", "list.csv")
    assert titles(import_catalog([path])) == ["Paracetamol 500mg"]


def test_csv_title_column_wins_over_name_and_generic_is_a_resolution_hint(write_list) -> None:
    path = write_list("name,title,generic\nignored,Crocin 500mg,Paracetamol\nFoo 5mg,,Barzolam\n", "list.csv")
    result = import_catalog([path])
    crocin, foo = result.medicines
    assert crocin.title == "Crocin 500mg"
    assert crocin.generic_name == "Acetaminophen"  # the dictionary does not know Crocin; the column says
    assert foo.title == "Foo 5mg"  # an empty title cell falls back to the name column
    assert foo.generic_name == "Barzolam"  # unknown to the dictionary: the publisher's word is kept


def test_csv_with_only_a_generic_column(write_list) -> None:
    path = write_list("generic name,strength\nIbuprofen,200mg\n", "list.csv")
    assert titles(import_catalog([path])) == ["Ibuprofen 200mg"]


def test_csv_rows_with_missing_or_extra_cells(write_list) -> None:
    path = write_list(
        "name,strength,form\n"
        "Paracetamol,500mg,tablet\n"  # 2
        "Ibuprofen\n"  # 3: missing cells are empty
        "Amoxicillin, Clavulanic Acid,625mg,tablet\n"  # 4: an unquoted comma makes an extra cell
        ",,\n"  # 5: blank
        ",500mg,tablet\n"  # 6: no name
        "Omeprazole,20mg,capsule\n",  # 7
        "list.csv",
    )
    result = import_catalog([path])
    assert titles(result) == ["Paracetamol 500mg tablet", "Ibuprofen", "Omeprazole 20mg capsule"]
    reasons = rejected_lines(result)
    assert sorted(reasons) == [4, 6]
    assert "4 cells but the header has 3" in reasons[4] and "double quotes" in reasons[4]
    assert reasons[6] == "no medicine name"  # the strength alone is not taken for a name
    assert result.report.blank_lines == 1


def test_csv_without_a_name_column_fails_with_the_header_shown(write_list) -> None:
    path = write_list("price,stock\n1,2\n", "list.csv")
    result = import_catalog([path])
    assert result.status is ImportStatus.FAILED
    message = str(result.problems[0])
    assert "no column for the medicine name" in message and "'price'" in message and ":1:" in message


def test_csv_semicolons_and_tabs_are_recognised(write_list) -> None:
    semicolons = write_list("Name;Strength\nParacetamol;500mg\n", "list.csv")
    tabs = write_list("name\tstrength\nIbuprofen\t200mg\n", "list.tsv")
    assert titles(import_catalog([semicolons, tabs])) == ["Paracetamol 500mg", "Ibuprofen 200mg"]


def test_csv_bad_bytes_and_multiline_cells_keep_line_numbers(write_list) -> None:
    path = write_list(
        b'name,form\nParacetamol 500mg,tablet\nIbu\xffprofen,tablet\n"Omeprazole\n20mg",capsule\nAspirin 75mg,tablet\n',
        "list.csv",
    )
    result = import_catalog([path])
    assert rejected_lines(result) == {3: "not valid UTF-8 (byte 0xff at position 4); save the file as UTF-8"}
    assert [str(o) for o in result.origins] == [f"{path}:2", f"{path}:4", f"{path}:6"]
    assert result.medicines[1].title == "Omeprazole 20mg capsule"  # a line break in a cell is a space


def test_csv_with_a_byte_order_mark_in_the_header(write_list) -> None:
    path = write_list("\ufeffName,Strength\nParacetamol,500mg\n", "list.csv")
    assert titles(import_catalog([path])) == ["Paracetamol 500mg"]


def test_an_empty_csv_fails(write_list) -> None:
    result = import_catalog([write_list("", "list.csv")])
    assert "no header row" in str(result.problems[0])


# --------------------------------------------------------------------------- JSON


def test_json_list_of_strings(write_list) -> None:
    path = write_list(json.dumps(["Paracetamol 500mg", "Amoxicillin, Clavulanic Acid 625mg"]), "list.json")
    assert titles(import_catalog([path])) == ["Paracetamol 500mg", "Amoxicillin + Clavulanic Acid 625mg"]


def test_json_objects_under_medicines_with_case_insensitive_keys(write_list) -> None:
    document = {
        "version": 2,
        "medicines": [
            {"Name": "Ibuprofen", "Strength": "400 mg", "brands": ["Advil", "Nurofen"], "colour": "red"},
            {"title": "Lipitor 20mg", "synonyms": "atorvastatin calcium; Sortis"},
        ],
    }
    path = write_list(json.dumps(document, indent=2), "list.json")
    result = import_catalog([path])
    ibuprofen, lipitor = result.medicines
    assert ibuprofen.title == "Ibuprofen 400 mg"
    assert ibuprofen.brands[:2] == ["Advil", "Nurofen"]
    assert lipitor.synonyms[:2] == ["atorvastatin calcium", "Sortis"]
    assert result.report.notes == [f"{path}: key(s) not used: colour"]
    assert [o.line for o in result.origins] == [4, 13]


def test_json_items_of_the_wrong_shape_are_rejected_by_line(write_list) -> None:
    path = write_list(
        '[\n"Paracetamol 500mg",\n42,\n{"strength": "5mg"},\n{"name": ["x"]},\n"  ",\nnull,\n[1, 2],\n'
        '{"name": "Ibuprofen", "brands": 7},\n"Omeprazole 20mg"\n]\n',
        "list.json",
    )
    result = import_catalog([path])
    assert titles(result) == ["Paracetamol 500mg", "Omeprazole 20mg"]
    reasons = rejected_lines(result)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert "must be a medicine name (text) or an object" in reasons[3]
    assert "needs a name" in reasons[4]
    assert '"name" must be text, not a list' in reasons[5]
    assert reasons[6] == "empty medicine name"
    assert '"brands" must be text or a list of texts, not a number' in reasons[9]


@pytest.mark.parametrize(
    ("content", "line", "column", "words"),
    [
        ('[\n"Paracetamol 500mg",\n"Ibuprofen 200mg"\n"Aspirin"\n]', 4, 1, "expected , or ]"),
        ('[\n"Paracetamol 500mg",\n{"name": "x",}\n]', 3, 14, "malformed JSON"),
        ('[\n"Paracetamol 500mg",\n', 3, 1, "a ] is missing"),
        ('[\n"Paracetamol 500mg"]\ntrailing', 3, 1, "unexpected text after the end"),
        ('[\n  "Paracetamol 500mg",\n  "unterminated\n]', 3, 16, "malformed JSON"),
    ],
)
def test_malformed_json_names_line_and_column_and_keeps_the_items_before(
    write_list, content: str, line: int, column: int, words: str
) -> None:
    path = write_list(content, "list.json")
    result = import_catalog([path])
    assert result.status is ImportStatus.FAILED
    message = str(result.problems[0])
    assert f"{path}:{line}: column {column}:" in message, message
    assert words in message
    assert titles(result)[:1] == ["Paracetamol 500mg"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"drugs": ["Paracetamol"]}', 'no "medicines" list'),
        ('{"medicines": "Paracetamol"}', '"medicines" must be a list'),
        ("42", "expected a list of medicines"),
        ('"Paracetamol"', "expected a list of medicines"),
        ("", "the JSON file is empty"),
    ],
)
def test_json_of_the_wrong_shape_fails_with_a_clear_message(write_list, content: str, words: str) -> None:
    result = import_catalog([write_list(content, "list.json")])
    assert result.status is ImportStatus.FAILED
    assert words in str(result.problems[0])


def test_json_invalid_utf8_rejects_only_that_item(write_list) -> None:
    path = write_list(b'["Paracetamol 500mg",\n"Ibu\xffprofen",\n"Omeprazole 20mg"]', "list.json")
    result = import_catalog([path])
    assert titles(result) == ["Paracetamol 500mg", "Omeprazole 20mg"]
    assert rejected_lines(result)[2].startswith("not valid UTF-8 (byte 0xff)")


def test_json_streams_items_across_read_chunks(write_list) -> None:
    names = [f"Medicine{i:05d} {i % 900 + 1}mg" for i in range(6000)]  # several 64 KB chunks
    path = write_list("[\n" + ",\n".join(json.dumps(n) for n in names) + "\n]", "list.json")
    result = import_catalog([path], resolve_names=False)
    assert titles(result) == names
    assert [o.line for o in result.origins][-1] == 6001
