"""Helpers for catalogue tests: write a list to a real file and import it."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from medpages.catalog import CatalogImport, import_catalog

WriteList = Callable[..., Path]


@pytest.fixture
def write_list(tmp_path: Path) -> WriteList:
    """Write bytes or text to `tmp_path/<name>` and return the path."""

    def write(content: str | bytes, name: str = "generics.txt") -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write


@pytest.fixture
def import_text(write_list: WriteList) -> Callable[..., CatalogImport]:
    """Import a generics.txt with the given content (names resolved unless told not to)."""

    def run(content: str | bytes, name: str = "generics.txt", **options) -> CatalogImport:
        return import_catalog([write_list(content, name)], **options)

    return run


def rejected_lines(result: CatalogImport) -> dict[int, str]:
    return {entry.line: entry.reason for entry in result.report.rejected}


def titles(result: CatalogImport) -> list[str]:
    return [medicine.title for medicine in result.medicines]
