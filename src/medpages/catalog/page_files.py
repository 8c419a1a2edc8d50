"""Existing pages on disk: a Jekyll tree of seed-format pages, walked and read into `Page`s.

`iter_page_files` lists a tree's candidate pages in a stable order (Jekyll's own folders
skipped), `read_page_file` reads one into a `Page`, keeps its exact bytes as raw text with the
reason, or says why it was not read at all; `path_parts` tells whether a file already sits at
`<letter>/<slug>.md`. Reading is two steps, `load_page_file` (the file system) and
`parse_page_file` (pure), so that an import can tell an unchanged file from its bytes alone and
parse the others in worker processes.

A tree may be hostile: folders thousands deep, links to nothing, to themselves or out of the
tree, named pipes and devices posing as pages, names that are not UTF-8. The walk is a loop
(no recursion), only regular files are read, and only up to `MAX_PAGE_BYTES`, in chunks.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medpages.catalog.seed_reader import parse_seed_markdown_with_findings
from medpages.model import Finding, Page

PAGE_SUFFIXES = (".md", ".markdown", ".txt")
MAX_PAGE_BYTES = 2_000_000  # a medicine page is a few KB; anything this large is not one
_READ_CHUNK = 1 << 16
_SKIPPED_DIRS = {".git", "node_modules", ".jekyll-cache", ".sass-cache", "vendor"}
_LOOKS_LIKE_PAGE_BYTES = 4096


@dataclass
class PageFile:
    """A page read from a file: its Page (and what the reader noticed), or why it is not one.

    `raw` holds the file's exact bytes whenever it was read; a file that was not read at all (not
    a regular file, a link to nothing or out of the tree, too large) has `raw` None and `error`.
    """

    path: Path
    relative: str  # for messages: relative to the tree, bytes that are not UTF-8 written as \\xff
    page: Page | None = None
    findings: list[Finding] = field(default_factory=list)
    text: str | None = None  # decoded; bytes that are not UTF-8 shown as U+FFFD
    error: str | None = None
    raw: bytes | None = None  # the exact bytes, whenever the file was read


def looks_like_page(path: Path) -> bool:
    """A page is a `.md`/`.markdown` file, or starts (after blank lines) with front matter or a `# title`
    heading; a list of names does not."""
    if path.suffix.lower() in (".md", ".markdown"):
        return True
    with path.open("rb") as handle:
        head = handle.read(_LOOKS_LIKE_PAGE_BYTES).removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    return head.startswith(b"---") or head.startswith(b"# ")


def iter_page_files(root: Path, *, follow_links_out: bool = False) -> Iterator[Path]:
    """Every candidate page under a folder, in a stable order; Jekyll's own folders skipped.

    Walked with a stack, not recursion, so any depth is fine. Links to folders inside the tree
    are not walked (the folder is walked through its own path, once); links to folders out of
    the tree are not followed unless `follow_links_out`, and are listed so that
    `read_page_file` reports them. Links, named pipes and devices with a page's name are listed
    too: `read_page_file` says why each is not read.
    """
    root_real = os.path.realpath(root)
    seen_folders: set[tuple[int, int]] = set()
    stack = [Path(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
            seen_folders.add(_identity(os.stat(folder)))
        except OSError:
            if folder != Path(root):
                yield folder  # read_page_file reports why the folder cannot be read
            continue
        folders: list[Path] = []
        for entry in entries:
            if entry.name.startswith((".", "_")):
                continue
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in _SKIPPED_DIRS:
                    folders.append(path)
            elif entry.is_symlink() and _is_folder(path):
                if entry.name in _SKIPPED_DIRS or _inside(os.path.realpath(path), root_real):
                    continue
                if not follow_links_out:
                    yield path
                elif _identity(os.stat(path)) not in seen_folders:
                    folders.append(path)
            elif entry.name.endswith(PAGE_SUFFIXES):
                yield path
        stack.extend(reversed(folders))


def read_page_file(path: Path, root: Path | None = None, *, follow_links_out: bool = False) -> PageFile:
    """Read one file into a page; or keep its bytes with the reason; or say why it was not read."""
    return parse_page_file(load_page_file(path, root, follow_links_out=follow_links_out))


def load_page_file(path: Path, root: Path | None = None, *, follow_links_out: bool = False) -> PageFile:
    """The first half of `read_page_file`: the file's exact bytes (`raw`), not yet parsed; or why it
    was not read at all (`error`, `raw` None)."""
    result = PageFile(path=path, relative=printable_path(path.relative_to(root) if root else Path(path.name)))
    result.error = _not_readable(path, root, follow_links_out)
    if result.error:
        return result
    try:
        data = _read_bounded(path)
    except OSError as error:
        result.error = f"cannot be read: {error.strerror or error}; not read"
        return result
    if data is None:
        result.error = "is not a regular file (a named pipe, device or socket); not read"
        return result
    if len(data) > MAX_PAGE_BYTES:
        size = max(os.stat(path).st_size, len(data))
        result.error = (f"{size:,} bytes is too large for a medicine page (limit {MAX_PAGE_BYTES:,}); "
                        "refused, not kept")
        return result
    result.raw = data
    return result


def parse_page_file(result: PageFile) -> PageFile:
    """The second half of `read_page_file`: the bytes `load_page_file` read, made into a page or
    kept as raw text with the reason. Pure: it touches no file (a worker process may run it)."""
    data = result.raw
    if data is None or result.error or result.page is not None:
        return result
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        result.text = data.decode("utf-8", errors="replace")  # to show; `raw` is what is kept
        result.error = f"line {line}: not valid UTF-8 (byte {error.start}); kept as raw text"
        return result
    result.text = text
    if "\x00" in text:
        result.error = "contains NUL bytes: not a text page; kept as raw text"
        return result
    page, findings = parse_seed_markdown_with_findings(text)
    if not page.title:
        front_matter = [f.message for f in findings if f.code == "parse.front_matter_invalid"]
        result.error = "; ".join([*front_matter, "no title in front matter or heading; kept as raw text"])
        return result
    result.page, result.findings = page, findings
    return result


def printable_path(path: Path | str) -> str:
    """A path for messages and the store: bytes that are not UTF-8 shown as `\\xff`."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


def _not_readable(path: Path, root: Path | None, follow_links_out: bool) -> str | None:
    """Why `path` is not to be read at all, judged from the link and the file type; None to read it."""
    try:
        info = os.lstat(path)
    except OSError as error:
        return f"cannot be read: {error.strerror or error}; not read"
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.path.realpath(path, strict=True)
        except OSError as error:
            if error.errno == errno.ELOOP:
                return "a symbolic link in a loop (it leads back to itself); not followed"
            return f"a symbolic link to nothing ({os.readlink(path)!r} does not exist); not followed"
        info = os.stat(target)
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
            return f"a symbolic link to {printable_path(target)}, which is not a regular file; not read"
        if root is not None and not follow_links_out and not _inside(target, os.path.realpath(root)):
            kind = "folder" if stat.S_ISDIR(info.st_mode) else "file"
            return (f"a symbolic link to a {kind} out of the imported folder ({printable_path(target)}); "
                    "not followed")
    if stat.S_ISDIR(info.st_mode):
        try:
            os.scandir(path).close()
        except OSError as error:
            return f"a folder that cannot be read: {error.strerror or error}; not read"
        return "a folder, not a page; not read"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a named pipe, device or socket); not read"
    return None


def _read_bounded(path: Path) -> bytes | None:
    """At most MAX_PAGE_BYTES + 1 bytes, in chunks; None when the file opened is not a regular file.

    Opened without blocking (a named pipe swapped in after the check would otherwise wait for a
    writer) and checked again once open, since the file can change between the two.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return None
        chunks, total = [], 0
        while total <= MAX_PAGE_BYTES:
            wanted = min(_READ_CHUNK, MAX_PAGE_BYTES + 1 - total)
            chunk = os.read(descriptor, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if len(chunk) < wanted and total >= info.st_size:
                break  # the end, as the size said: no second read to be told so (one read a page, not two)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def _inside(target: str, root_real: str) -> bool:
    return target == root_real or target.startswith(root_real.rstrip(os.sep) + os.sep)


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


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
