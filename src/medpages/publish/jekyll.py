"""The Jekyll Markdown tree, both ways: read an existing tree of seed-format pages, write one back.

Writing is atomic per file (temporary file + rename), touches only files whose bytes change,
and deletes only files that an earlier export wrote and nobody has edited since.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medpages.errors import InputError
from medpages.model import Medicine, Page
from medpages.publish.seed_reader import parse_seed_markdown
from medpages.publish.seed_writer import render_seed_markdown

PAGE_SUFFIXES = (".md", ".markdown", ".txt")
MAX_PAGE_BYTES = 2_000_000  # a medicine page is a few KB; anything this large is not one
_SKIPPED_DIRS = {".git", "node_modules", ".jekyll-cache", ".sass-cache", "vendor"}


# --------------------------------------------------------------------------- reading


@dataclass
class PageFile:
    """A page read from a file: its Page, or the raw text and why it could not be read."""

    path: Path
    relative: str
    page: Page | None = None
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
    page = parse_seed_markdown(text)
    if not page.title:
        result.error = "no title in front matter or heading; kept as raw text"
        return result
    result.page = page
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


# --------------------------------------------------------------------------- writing


@dataclass
class ExportReport:
    out_dir: Path
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)  # files we wrote that someone changed since


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and a rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export_jekyll(entries: Iterable[tuple[Medicine, Page]], out_dir: Path, manifest: Path) -> ExportReport:
    """Write `<letter>/<slug>.md` for every page; `manifest` remembers what this export owns."""
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    report = ExportReport(out_dir=out_dir)
    previous: dict[str, str] = {}
    if manifest.is_file():
        try:
            previous = json.loads(manifest.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            previous = {}  # an unreadable manifest only means we delete nothing this time
    owned: dict[str, str] = {}
    for medicine, page in entries:
        relative = medicine.path
        target = (out_dir / relative).resolve()
        if not target.is_relative_to(out_dir):  # slugs cannot do this; refuse loudly if one ever does
            raise InputError(f"refusing to write outside {out_dir}", source=relative)
        data = render_seed_markdown(page).encode("utf-8")
        owned[relative] = _digest(data)
        try:
            if target.read_bytes() == data:
                report.unchanged += 1
                continue
        except FileNotFoundError:
            pass
        write_atomic(target, data)
        report.written.append(relative)
    for relative, digest in sorted(previous.items()):
        if relative in owned:
            continue
        target = out_dir / relative
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            continue
        if _digest(current) == digest:
            target.unlink()
            report.deleted.append(relative)
        else:
            report.kept_edited.append(relative)
    write_atomic(manifest, json.dumps(owned, indent=0, sort_keys=True).encode("utf-8"))
    return report
