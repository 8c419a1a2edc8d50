"""Huge inputs: a 100 MB line is rejected without being read whole, and memory stays bounded."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from medpages.catalog import ImportStatus, import_catalog
from medpages.catalog.lines import MAX_LINE_BYTES

from .conftest import rejected_lines, titles

MB = 1024 * 1024


def write_huge_line(stream, size: int, byte: bytes = b"A") -> None:
    block = byte * MB
    for _ in range(size // MB):
        stream.write(block)
    stream.write(byte * (size % MB))


def peak_memory_of(run) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_a_100_mb_file_with_one_huge_line_imports_the_rest_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "generics.txt"
    with path.open("wb") as stream:
        stream.write(b"Paracetamol 500mg\n")
        write_huge_line(stream, 100 * MB)
        stream.write(b"\nIbuprofen 200mg\n")
        write_huge_line(stream, 3 * MB, b"B")  # and one more at the very end, with no newline
    assert path.stat().st_size > 100 * MB

    result, peak = peak_memory_of(lambda: import_catalog([path], resolve_names=False))

    assert titles(result) == ["Paracetamol 500mg", "Ibuprofen 200mg"]
    reasons = rejected_lines(result)
    assert reasons[2] == f"line is {100 * MB:,} bytes long; lines over {MAX_LINE_BYTES:,} bytes are skipped unread"
    assert reasons[4].startswith(f"line is {3 * MB:,} bytes long")
    assert result.status is ImportStatus.WARNINGS
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB"


@pytest.mark.slow
def test_a_100_mb_file_with_no_newline_at_all(tmp_path: Path) -> None:
    path = tmp_path / "generics.txt"
    with path.open("wb") as stream:
        write_huge_line(stream, 100 * MB)
    result, peak = peak_memory_of(lambda: import_catalog([path], resolve_names=False))
    assert rejected_lines(result) == {
        1: f"line is {100 * MB:,} bytes long; lines over {MAX_LINE_BYTES:,} bytes are skipped unread"
    }
    assert result.status is ImportStatus.FAILED  # nothing importable
    assert peak < 8 * MB


@pytest.mark.slow
def test_huge_csv_and_json_inputs_are_bounded_too(tmp_path: Path) -> None:
    csv_path = tmp_path / "list.csv"
    with csv_path.open("wb") as stream:
        stream.write(b"name,strength\nParacetamol,500mg\n")
        write_huge_line(stream, 20 * MB)
        stream.write(b"\nIbuprofen,200mg\n")
    json_path = tmp_path / "list.json"
    with json_path.open("wb") as stream:
        stream.write(b'["Omeprazole 20mg",\n"')
        write_huge_line(stream, 20 * MB)
        stream.write(b'"]')

    result, peak = peak_memory_of(lambda: import_catalog([csv_path, json_path], resolve_names=False))

    assert titles(result) == ["Paracetamol 500mg", "Ibuprofen 200mg", "Omeprazole 20mg"]
    assert rejected_lines(result)[3].startswith(f"line is {20 * MB:,} bytes long")
    assert "an item longer than" in str(result.problems[0])  # JSON cannot resync after it
    assert peak < 16 * MB, f"peak {peak / MB:.1f} MB"


@pytest.mark.slow
def test_memory_does_not_grow_with_rejected_or_duplicate_lines(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("medpages.catalog.report.MAX_DETAILS", 100)

    def peak_for(lines: int) -> int:
        path = tmp_path / f"{lines}.txt"
        with path.open("w", encoding="utf-8") as stream:
            stream.write("Paracetamol 500mg\n")
            for number in range(lines):
                stream.write("--- ???\n" if number % 2 else "PARACETAMOL  500MG\n")
        result, peak = peak_memory_of(lambda: import_catalog([path], resolve_names=False))
        assert result.report.rejected_count + result.report.merged_count == lines
        return peak

    small, large = peak_for(2_000), peak_for(20_000)
    assert large < small * 1.5 + 256 * 1024, (small, large)


@pytest.mark.slow
def test_a_large_json_file_is_streamed_not_loaded(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("medpages.catalog.report.MAX_DETAILS", 100)
    path = tmp_path / "list.json"
    junk = "-" * 1000  # rejected: no letters; 30 MB of them in all
    with path.open("w", encoding="utf-8") as stream:
        stream.write('{"medicines": [\n"Paracetamol 500mg"')
        for _ in range(30_000):
            stream.write(f',\n"{junk}"')
        stream.write(',\n"Ibuprofen 200mg"]}')
    result, peak = peak_memory_of(lambda: import_catalog([path], resolve_names=False))
    assert titles(result) == ["Paracetamol 500mg", "Ibuprofen 200mg"]
    assert result.report.rejected_count == 30_000
    assert result.origins[1].line == 30_003
    assert peak < 4 * MB, f"peak {peak / MB:.1f} MB for a {path.stat().st_size / MB:.0f} MB file"
