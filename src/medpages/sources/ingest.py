"""`add_sources`: label files and folders into the store, with a report of every file.

Accepts DailyMed SPL `.xml`, openFDA drug-label `.json`, and `.zip` archives of either
(DailyMed's release archives hold one zip per label: those are read too, one level deep).
A file or archive member that cannot be read is reported with the reason and the rest goes
on; the store only ever gains labels or newer versions of them, so nothing stored is damaged.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING

from medpages.errors import InputError
from medpages.model.facts import LabelFacts
from medpages.model.label import LabelDocument
from medpages.sources.facts import extract_facts
from medpages.sources.openfda import UnreadableRecord, iter_openfda_labels
from medpages.sources.spl import read_spl

if TYPE_CHECKING:
    from medpages.store import Store

Progress = Callable[[str], None]

LABEL_SUFFIXES = (".xml", ".json", ".zip")
# An SPL document is rarely over 5 MB; a bigger one than this (or a zip member that unpacks to
# more, whatever its header claims) is refused before it is parsed: parsing takes about ten
# times the document's size in memory.
MAX_XML_BYTES = 32 * 1024 * 1024
# A prescription label is 100-400 KB of text; a section or a label far past these is refused
# (a zip of 500 KB can hold a 190 MB label: it would be stored whole, in the database).
MAX_SECTION_CHARS = 1_000_000
MAX_LABEL_CHARS = 4_000_000
# A zip inside a zip (DailyMed: one per label, with its images) is copied to a temporary file.
MAX_NESTED_ZIP_BYTES = 200 * 1024 * 1024
# Labels written per store transaction.
BATCH_SIZE = 200
# Problems listed per file; the rest are counted.
MAX_PROBLEMS_LISTED = 50
PROGRESS_EVERY = 5000


@dataclass
class FileReport:
    """What one file (or archive) gave: labels read and what became of them, and each problem."""

    path: str
    read: int = 0  # usable labels read from the file (new + replaced + unchanged + older)
    new: int = 0  # stored, their set id was new
    replaced: int = 0  # stored in place of an older version (or openFDA's copy of it)
    unchanged: int = 0  # already stored as they are
    older: int = 0  # a newer version is stored: kept out
    unreadable: int = 0  # documents or records that gave no usable label
    problems: list[str] = field(default_factory=list)  # "where: why", at most MAX_PROBLEMS_LISTED
    problems_not_listed: int = 0

    def problem(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS_LISTED:
            self.problems.append(message)
        else:
            self.problems_not_listed += 1

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.problems_not_listed

    def summary(self) -> str:
        counts = [f"{self.read:,} read", f"{self.new:,} new", f"{self.replaced:,} replaced",
                  f"{self.unchanged:,} unchanged", f"{self.older:,} older"]
        if self.unreadable:
            counts.append(f"{self.unreadable:,} unreadable")
        return f"{self.path}: {', '.join(counts)}"


@dataclass
class SourcesReport:
    files: list[FileReport] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(report, name) for report in self.files)

    @property
    def stored(self) -> int:
        return self.total("new") + self.total("replaced")

    @property
    def problems(self) -> list[str]:
        return [problem for report in self.files for problem in report.problems]

    @property
    def warnings(self) -> int:
        return sum(report.problem_count for report in self.files)


def add_sources(store: Store, paths: Iterable[Path | str], progress: Progress | None = None) -> SourcesReport:
    """Read every label file under `paths` into `store`; returns a report per file.

    Raises InputError before reading anything when a path does not exist.
    """
    files = list(label_files(paths))
    report = SourcesReport()
    for path in files:
        if progress:
            progress(f"reading {path}")
        file_report = FileReport(str(path))
        report.files.append(file_report)
        writer = _LabelWriter(store, file_report, progress)
        if not path.is_file():  # a named pipe or a device (reading one would block, or never end)
            file_report.problem(f"{path}: not a regular file; not read")
            continue
        try:
            writer.add_all(_read_file(path, file_report))
        except OSError as error:
            file_report.problem(f"{path}: cannot be read ({error.strerror or error})")
        finally:
            writer.flush()
    return report


def label_files(paths: Iterable[Path | str]) -> Iterator[Path]:
    """The files to read: each file given, and the label files in each folder given (sorted).

    In folders, hidden files and folders (`.name`, such as the download manifest) are skipped,
    and so are links to folders and files that are not regular files. Folders are walked with a
    stack (Python 3.11's `rglob` recursed once per level), so any depth is fine.
    """
    given = [Path(path) for path in paths]
    for path in given:
        if not path.exists():
            raise InputError("no such file or folder", source=str(path))
    for path in given:
        if path.is_dir():
            yield from sorted(_label_files_under(path))
        else:
            yield path


def _label_files_under(folder: Path) -> Iterator[Path]:
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as scan:
                entries = list(scan)
        except OSError:
            continue  # a folder that cannot be listed holds nothing we can read
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif entry.name.lower().endswith(LABEL_SUFFIXES) and entry.is_file():
                yield Path(entry.path)


# --------------------------------------------------------------------------- reading


_Read = LabelDocument | UnreadableRecord


def _read_file(path: Path, report: FileReport) -> Iterator[_Read]:
    suffix = path.suffix.lower()
    if suffix == ".xml":
        yield from _read_xml_file(path)
    elif suffix == ".json":
        with path.open("rb") as stream:
            yield from _read_json(stream, str(path))
    elif suffix == ".zip":
        yield from _read_zip_file(path, report)
    else:
        report.problem(f"{path}: not a label file (expected .xml, .json or .zip)")


def _read_xml_file(path: Path) -> Iterator[_Read]:
    size = path.stat().st_size
    if size > MAX_XML_BYTES:
        yield UnreadableRecord(str(path), f"{size:,} bytes: larger than any SPL document "
                                          f"({MAX_XML_BYTES // (1024 * 1024)} MB at most)")
        return
    with path.open("rb") as stream:
        data = stream.read(MAX_XML_BYTES + 1)  # the file may have grown since it was measured
    if len(data) > MAX_XML_BYTES:
        yield UnreadableRecord(str(path), f"larger than any SPL document ({MAX_XML_BYTES // (1024 * 1024)} MB at most)")
        return
    yield _spl(data, str(path))


def _spl(data: bytes, origin: str) -> _Read:
    try:
        return read_spl(data, origin=origin)
    except InputError as error:
        return _unreadable(error, origin)


def _read_json(stream: IO[bytes], origin: str) -> Iterator[_Read]:
    try:
        yield from iter_openfda_labels(stream, origin=origin)
    except InputError as error:
        yield _unreadable(error, origin)


def _unreadable(error: InputError, origin: str) -> UnreadableRecord:
    """The error as a problem of `origin` (with its line, when the error names one)."""
    where = origin if error.line is None else f"{origin}:{error.line}"
    return UnreadableRecord(where, str(error).removeprefix(f"{where}: "))


def _read_zip_file(path: Path, report: FileReport) -> Iterator[_Read]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as error:
        report.problem(f"{path}: not a readable zip archive ({error}); a download that stopped "
                       "part-way gives this: download it again")
        return
    with archive:
        yield from _read_archive(archive, str(path), report, depth=0)


def _read_archive(archive: zipfile.ZipFile, origin: str, report: FileReport, depth: int) -> Iterator[_Read]:
    members = [info for info in archive.infolist() if not info.is_dir()]
    if not members:
        report.problem(f"{origin}: the archive is empty")
        return
    recognised = 0
    for info in members:
        where = f"{origin}!{info.filename}"
        unsafe = unsafe_member_name(info.filename)
        if unsafe:
            report.problem(f"{where}: skipped, {unsafe}")
            continue
        suffix = PurePosixPath(info.filename).suffix.lower()
        if suffix not in LABEL_SUFFIXES or suffix == ".zip" and depth > 0:
            continue  # images and other files beside the labels
        recognised += 1
        try:
            if suffix == ".xml":
                data = _read_member(archive, info, MAX_XML_BYTES)
                yield _spl(data, where) if data is not None else UnreadableRecord(
                    where, f"larger than any SPL document ({MAX_XML_BYTES // (1024 * 1024)} MB at most)")
            elif suffix == ".json":
                with archive.open(info) as stream:
                    yield from _read_json(stream, where)
            else:
                with _spooled_member(archive, info, MAX_NESTED_ZIP_BYTES) as spool:
                    if spool is None:
                        limit = MAX_NESTED_ZIP_BYTES // (1024 * 1024)
                        report.problem(f"{where}: an inner archive over {limit} MB; skipped")
                        continue
                    try:
                        inner = zipfile.ZipFile(spool)
                    except zipfile.BadZipFile as error:
                        report.problem(f"{where}: not a readable zip archive ({error})")
                        continue
                    with inner:
                        yield from _read_archive(inner, where, report, depth + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
            # A damaged member (bad CRC, truncated data, unsupported compression or encryption).
            report.problem(f"{where}: cannot be read from the archive ({error})")
    if recognised == 0 and depth == 0:
        report.problem(f"{origin}: no .xml or .json label files in the archive")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """The member's bytes, or None when it is larger than `limit` (whatever its header claims)."""
    if info.file_size > limit:
        return None
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    return None if len(data) > limit else data


def oversized_text(label: LabelDocument) -> str | None:
    """Why a label's text is too large to be a label's (a section or the whole), or None."""
    total = 0
    stack = list(label.sections)
    while stack:
        section = stack.pop()
        size = len(section.text) + len(section.highlights)
        if size > MAX_SECTION_CHARS:
            name = section.heading or section.key or "a"
            return (f"the {name[:80]!r} section is {size:,} characters; a label's sections are under "
                    f"{MAX_SECTION_CHARS:,}")
        total += size
        if total > MAX_LABEL_CHARS:
            return f"over {MAX_LABEL_CHARS:,} characters of text; a label is under 1,000,000"
        stack.extend(section.subsections)
    return None


@contextmanager
def _spooled_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Iterator[IO[bytes] | None]:
    """The member copied to a temporary file (in memory while small), or None when larger than `limit`."""
    if info.file_size > limit:
        yield None
        return
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY_BYTES) as spool:
        copied = 0
        with archive.open(info) as stream:
            while chunk := stream.read(_COPY_CHUNK_BYTES):
                copied += len(chunk)
                if copied > limit:
                    yield None
                    return
                spool.write(chunk)
        spool.seek(0)
        yield spool


_SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024
_COPY_CHUNK_BYTES = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_member_name(name: str) -> str | None:
    """Why an archive member's name is unsafe to use as a path (`../x`, `/etc/x`, `C:x`), or None.

    medpages never extracts archives to disk, so such a member could do no harm here; it is
    still skipped and reported, since no genuine label archive contains one.
    """
    if "\x00" in name:
        return "its name contains a NUL character"
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or _DRIVE.match(normalised):
        return "its name is an absolute path"
    if ".." in normalised.split("/"):
        return "its name climbs out of the archive (`..`)"
    return None


# --------------------------------------------------------------------------- writing


class _LabelWriter:
    """Turns what was read into facts and writes them to the store in batches, counting as it goes."""

    def __init__(self, store: Store, report: FileReport, progress: Progress | None):
        self.store = store
        self.report = report
        self.progress = progress
        self.pending: list[tuple[LabelFacts, str]] = []
        self.seen = 0

    def add_all(self, items: Iterable[_Read]) -> None:
        for item in items:
            if isinstance(item, UnreadableRecord):
                self.report.unreadable += 1
                self.report.problem(f"{item.origin}: {item.reason}")
                continue
            self.seen += 1
            if self.progress and self.seen % PROGRESS_EVERY == 0:
                self.progress(f"{self.report.path}: {self.seen:,} labels read")
            oversized = oversized_text(item)
            if oversized:
                self.report.unreadable += 1
                self.report.problem(f"{item.origin or self.report.path}: {oversized}; refused")
                continue
            facts = extract_facts(item)
            if not facts.ingredients:
                self.report.unreadable += 1
                self.report.problem(f"{item.origin}: names no active ingredient, so it cannot be matched "
                                    "to a medicine")
                continue
            self.pending.append((facts, item.origin or self.report.path))
            if len(self.pending) >= BATCH_SIZE:
                self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        outcomes = self.store.add_labels([facts for facts, _origin in batch], batch_size=len(batch))
        for (_facts, origin), outcome in zip(batch, outcomes, strict=True):
            if outcome.status == "refused":
                self.report.unreadable += 1
                self.report.problem(f"{origin}: {outcome.reason}")
            else:
                self.report.read += 1
                setattr(self.report, outcome.status, getattr(self.report, outcome.status) + 1)
