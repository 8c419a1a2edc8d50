"""Existing pages on disk: a Jekyll tree of seed-format pages, walked and read into `Page`s.

`iter_page_files` lists a tree's candidate pages in a stable order (Jekyll's own folders
skipped), `read_page_file` reads one into a `Page` or says why it is kept as raw text, and
`path_parts` tells whether a file already sits at `<letter>/<slug>.md`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medpages.catalog.seed_reader import parse_seed_markdown_with_findings
from medpages.errors import InputError
from medpages.model import Finding, Page

PAGE_SUFFIXES = (".md", ".markdown", ".txt")
MAX_PAGE_BYTES = 2_000_000  # a medicine page is a few KB; anything this large is not one
_SKIPPED_DIRS = {".git", "node_modules", ".jekyll-cache", ".sass-cache", "vendor"}


@dataclass
class PageFile:
    """A page read from a file: its Page (and what the reader noticed), or the raw text and why it could not be read."""

    path: Path
    relative: str
    page: Page | None = None
    findings: list[Finding] = field(default_factory=list)
    text: str | None = None
    error: str | None = None


def looks_like_page(path: Path) -> bool:
    """A page starts with front matter or a `# title` heading; a list of names does not."""
    with path.open("rb") as handle:
        head = handle.read(64).removeprefix(b"\xef\xbb\xbf")
    return head.startswith(b"---") or head.startswith(b"# ")


def iter_page_files(root: Path) -> Iterator[Path]:
    """Every candidate page under a folder, in a stable order; Jekyll's own folders skipped."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith(("_", ".")))
        for name in sorted(files):
            if name.endswith(PAGE_SUFFIXES) and not name.startswith((".", "_")):
                yield Path(folder) / name


def read_page_file(path: Path, root: Path | None = None) -> PageFile:
    relative = str(path.relative_to(root)) if root else path.name
    result = PageFile(path=path, relative=relative)
    try:
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            result.error = f"{size:,} bytes is too large for a medicine page (limit {MAX_PAGE_BYTES:,})"
            return result
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", source=str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        result.text = data.decode("utf-8", errors="replace")
        result.error = f"line {line}: not valid UTF-8 (byte {error.start}); kept as raw text"
        return result
    result.text = text
    if "\x00" in text:
        result.error = "contains NUL bytes: not a text page; kept as raw text"
        return result
    page, findings = parse_seed_markdown_with_findings(text)
    if not page.title:
        result.error = "no title in front matter or heading; kept as raw text"
        return result
    result.page, result.findings = page, findings
    return result


def path_parts(relative: str) -> tuple[str, str] | None:
    """(letter, slug) when a file already sits at `<letter>/<slug>.md` with safe names."""
    parts = Path(relative).parts
    if len(parts) != 2:
        return None
    folder, name = parts
    stem = name.rsplit(".", 1)[0]
    safe = set("abcdefghijklmnopqrstuvwxyz0123456789-")
    if not (stem and set(stem) <= safe and folder and set(folder) <= safe):
        return None
    return folder, stem
