"""Import: catalogue lists (txt, csv, json), single page files and Jekyll trees of pages.

Lists become catalogue entries, streamed to the store in batches; pages come in as drafts with
provenance `imported`, each file either read into a page or kept byte for byte as raw text
with the reason.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from medpages.catalog import import_catalog, slugify
from medpages.catalog.builder import build_medicine
from medpages.catalog.canonical import load_dictionary
from medpages.catalog.page_files import (
    PageFile,
    iter_page_files,
    load_page_file,
    looks_like_page,
    parse_page_file,
    path_parts,
    printable_path,
)
from medpages.errors import InputError
from medpages.model import Finding, Medicine, Page, Provenance
from medpages.project import Project
from medpages.stages.backup import is_backup, restore_backup
from medpages.stages.import_memo import MEMO_NAME, ReadMemo, short_digest
from medpages.store import PageToSave
from medpages.store.store import PreparedPage, medicine_row, prepare_page

Progress = Callable[[str], None]
# Pages per round of store writes: the store's own batch (`PAGE_BATCH_SIZE`), a few MB of pages.
PAGES_PER_BATCH = 500
ADDITIONS_PER_BATCH = 2000  # medicines read and written again per round, as many as a batch of the list's


@dataclass
class ImportReport:
    medicines: int = 0  # catalogue entries added or updated
    pages_saved: int = 0  # pages stored as a new revision
    pages_unchanged: int = 0
    raw_kept: list[str] = field(default_factory=list)  # files kept as raw text, with the reason
    failures: list[str] = field(default_factory=list)  # files that could not be read at all
    rejected: list[str] = field(default_factory=list)  # catalogue lines rejected, with line and reason
    notices: list[str] = field(default_factory=list)  # merged duplicates, slug collisions, ...
    unresolved: list[str] = field(default_factory=list)  # names the dictionary does not know, with suggestions
    unresolved_count: int = 0
    restored: dict[str, int] | None = None  # rows per table, when the input was a backup (`medpages export --all`)

    @property
    def warnings(self) -> int:
        return len(self.raw_kept) + len(self.rejected) + len(self.notices)


def import_paths(project: Project, paths: Iterable[Path], progress: Progress | None = None) -> ImportReport:
    """Import catalogue lists (txt, csv, json), single page files and Jekyll trees of pages; or
    restore a backup (`medpages export --all`), given alone, into an empty project."""
    paths = list(paths)
    report = ImportReport()
    backups = [path for path in paths if is_backup(path)]
    if backups:
        if len(paths) > 1:
            raise InputError("a backup is restored on its own: import it alone, into an empty project",
                             source=str(backups[0]))
        report.restored = restore_backup(project, backups[0]).rows
        return report
    lists, page_files = _sort_inputs(paths)
    store = project.store()
    if lists:
        if progress:
            progress(f"reading {len(lists)} list" + ("" if len(lists) == 1 else "s"))
        _import_lists(store, lists, report)
    if page_files:
        memo = ReadMemo(project.state_dir / MEMO_NAME)
        _import_pages(store, page_files, report, progress, memo)
        memo.save()
    return report


def _sort_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, Path | None]]]:
    """Lists apart from pages; a page is (file, the tree it is in, or None for a single file)."""
    lists: list[Path] = []
    page_files: list[tuple[Path, Path | None]] = []
    for path in paths:
        if path.is_dir():
            files = list(iter_page_files(path))
            if not files:
                raise InputError("no page files (.md, .markdown, .txt) in this folder", source=str(path))
            page_files += [(f, path) for f in files]
        elif path.is_file():
            (page_files.append((path, None)) if looks_like_page(path) else lists.append(path))
        else:
            raise InputError("no such file or folder", source=str(path))
    return lists, page_files


def _import_lists(store, lists: list[Path], report: ImportReport) -> None:
    # Medicines go to the store in batches as they are made: memory does not grow with the list.
    catalog = import_catalog(lists, sink=store.upsert_medicines)
    report.medicines += catalog.report.imported
    # Names a later duplicate listed for a medicine already stored: added to it, a batch at a time.
    for start in range(0, len(catalog.additions), ADDITIONS_PER_BATCH):
        additions = catalog.additions[start:start + ADDITIONS_PER_BATCH]
        stored = store.get_medicines(names.slug for names in additions)
        store.upsert_medicines(names.added_to(stored[names.slug]) for names in additions if names.slug in stored)
    report.failures += [str(p) for p in catalog.problems]
    if catalog.report.imported == 0 and not catalog.problems:
        report.failures.append("no medicine could be imported from " + ", ".join(map(str, lists)))
    report.rejected += [str(r) for r in catalog.report.rejected]
    if catalog.report.rejected_count > len(catalog.report.rejected):
        report.rejected.append(f"... and {catalog.report.rejected_count - len(catalog.report.rejected):,} more")
    report.notices += [str(n) for n in catalog.notices]
    report.unresolved_count += catalog.report.unresolved_count
    report.unresolved += [str(u) for u in catalog.report.unresolved]


def _import_pages(store, files: list[tuple[Path, Path | None]], report: ImportReport, progress: Progress | None,
                  memo: ReadMemo) -> None:
    """Read each file into a page (or keep it raw); pages go to the store `PAGES_PER_BATCH` at a time.

    A file this project imported before, byte for byte at the same place in its tree, whose
    medicine and page are still in the store as that import left them, is counted unchanged
    without being parsed (see `ReadMemo`); the others are parsed, in worker processes when
    there are many (see `_parsed_files`). Files are decided in tree order either way, so the
    report and the store are the same as reading every file in turn."""
    seen: dict[str, str] = {}  # page path -> the file that claimed it first
    touched: set[str] = set()  # slugs this import has written or counted: the store's digests of them are stale
    batch: list[_ParsedPage] = []
    number = 0
    for loaded, parsed in _parsed_files(store, files, memo):
        number += 1
        if progress and number % 500 == 0:
            progress(f"pages: {number:,} of {len(files):,}")
        if loaded.raw is None:  # not read at all: not a regular file, a link to nothing or out, too large
            report.failures.append(f"{loaded.relative}: {loaded.error}")
            continue
        if isinstance(parsed, _Remembered):
            if parsed.path not in seen and parsed.slug not in touched:
                seen[parsed.path] = loaded.relative
                touched.add(parsed.slug)
                memo.keep(parsed.key)
                report.pages_unchanged += 1
                continue
            parsed = _parse_loaded([(loaded.path, loaded.relative, loaded.raw)])[0]  # decided in turn after all
        if parsed.error is not None:
            store.keep_raw(str(loaded.path), loaded.raw, parsed.error)
            report.raw_kept.append(f"{loaded.relative}: {parsed.error}")
            continue
        if parsed.path in seen:
            store.keep_raw(str(loaded.path), loaded.raw, f"same page path as {seen[parsed.path]}")
            report.raw_kept.append(
                f"{loaded.relative}: same path {parsed.path} as {seen[parsed.path]}; kept as raw text")
            continue
        seen[parsed.path] = loaded.relative
        touched.add(parsed.slug)
        batch.append(parsed._replace(key=memo.key(loaded.relative, loaded.raw)))
        if len(batch) >= PAGES_PER_BATCH:
            _save_imported(store, batch, report, memo)
            batch = []
    _save_imported(store, batch, report, memo)


class _ParsedPage(NamedTuple):
    """A file read into a page, as a worker hands it back: the store's rows, ready to write."""

    error: str | None  # the file is kept as raw text for this reason (then nothing below is set)
    slug: str = ""
    path: str = ""  # the page's path in the tree, `<letter>/<slug>.md`
    medicine: dict | None = None  # `medicine_row`
    page: PreparedPage | None = None
    findings: tuple[tuple, ...] = ()  # what the reader noticed, for the page's new revision (Finding fields)
    problem: str | None = None  # why the medicine or the page cannot be stored: raised when its batch is saved
    key: str = ""  # the file's key in the memo


class _Remembered(NamedTuple):
    """A file the memo knows, whose medicine and page the store still has as they were imported."""

    key: str
    slug: str
    path: str


def _save_imported(store, batch: list[_ParsedPage], report: ImportReport, memo: ReadMemo) -> None:
    """Store a batch of read pages: their medicines, their pages, and for each page that became a
    new revision the reader's findings; a page identical to the current one is counted unchanged."""
    if not batch:
        return
    for parsed in batch:  # raised where writing the rows would have raised: before or after the medicines
        if parsed.medicine is None:
            raise InputError(parsed.problem)
    store.upsert_medicine_rows(parsed.medicine for parsed in batch)
    numbers = store.current_revision_numbers(parsed.slug for parsed in batch)
    for parsed in batch:
        if parsed.page is None:
            raise InputError(parsed.problem)
    findings: dict[str, list[Finding]] = {}
    for parsed, number in zip(batch, store.save_prepared_pages(parsed.page for parsed in batch), strict=True):
        slug = parsed.slug
        if number == numbers.get(slug, 0):
            report.pages_unchanged += 1
        else:
            report.pages_saved += 1
            # The new revision's, from the reader, which validated them.
            findings[slug] = [Finding.model_construct(**dict(zip(_FINDING_FIELDS, values, strict=True)))
                              for values in parsed.findings]
        numbers[slug] = number  # two files of one slug (a/x.md, b/x.md): the second follows the first
        memo.remember(parsed.key, parsed.slug, parsed.path, parsed.medicine["medicine_digest"],
                      parsed.page.page_digest)
    store.replace_many_findings(findings)


_FINDING_FIELDS = ("code", "severity", "message", "section", "line")
# Files per task of a worker process, and the fewest files to parse for which workers are started
# (a fork and the drug dictionary loaded in each cost more than parsing a few hundred pages here).
FILES_PER_TASK = 50
PARALLEL_FROM = 400


def _parsed_files(store, files: list[tuple[Path, Path | None]], memo: ReadMemo) -> Iterator[tuple[PageFile, object]]:
    """Each file loaded, with what it reads into: a `_ParsedPage`, a `_Remembered` file, or None
    when it was not read at all; in the order of `files`.

    Files are loaded here (the hostile-tree checks, then the bytes), `PAGES_PER_BATCH` at a time;
    those the memo and the store do not vouch for are parsed by worker processes while the
    previous batch is written, or here when there are few."""
    workers = _worker_count() if len(files) >= PARALLEL_FROM else 1
    with contextlib.ExitStack() as stack:
        pool = None
        ahead: list[tuple[list[PageFile], list[object], list[int], list]] = []
        for number, chunk in enumerate(_chunks(files, PAGES_PER_BATCH)):
            loaded = [load_page_file(path, root) for path, root in chunk]
            outcomes: list[object] = _remembered(store, loaded, memo)
            todo = [index for index, outcome in enumerate(outcomes)
                    if outcome is None and loaded[index].raw is not None]
            items = [(loaded[index].path, loaded[index].relative, loaded[index].raw) for index in todo]
            if pool is None and items and workers > 1 and len(files) - number * PAGES_PER_BATCH >= PARALLEL_FROM:
                # Started for the first files to parse (an unchanged tree needs none), with the drug
                # dictionary loaded here first: the workers inherit it instead of each loading it.
                load_dictionary()
                forks = "fork" in multiprocessing.get_all_start_methods()
                context = multiprocessing.get_context("fork") if forks else None
                pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=context))
            if pool is None:
                parts = [_parse_loaded(items)]
            else:
                parts = [pool.submit(_parse_loaded, items[start:start + FILES_PER_TASK])
                         for start in range(0, len(items), FILES_PER_TASK)]
            ahead.append((loaded, outcomes, todo, parts))
            if len(ahead) > 1:
                yield from _in_order(*ahead.pop(0))
        while ahead:
            yield from _in_order(*ahead.pop(0))


def _in_order(loaded: list[PageFile], outcomes: list[object], todo: list[int], parts: list) -> Iterator:
    parsed = [outcome for part in parts for outcome in (part if isinstance(part, list) else part.result())]
    for index, outcome in zip(todo, parsed, strict=True):
        outcomes[index] = outcome
    yield from zip(loaded, outcomes, strict=True)


def _remembered(store, loaded: list[PageFile], memo: ReadMemo) -> list[object]:
    """For each file, a `_Remembered` when the memo knows its bytes and the store still has its
    medicine and page as the memo says they were imported; None otherwise."""
    known: dict[int, tuple[str, str, str, str, str]] = {}
    for index, file in enumerate(loaded):
        if file.raw is not None:
            key = memo.key(file.relative, file.raw)
            entry = memo.get(key)
            if entry is not None:
                known[index] = (key, *entry)
    stored = store.stored_digests(slug for _, slug, _, _, _ in known.values()) if known else {}
    outcomes: list[object] = [None] * len(loaded)
    for index, (key, slug, path, medicine_digest, page_digest) in known.items():
        current = stored.get(slug)
        if current is not None and short_digest(current[0]) == medicine_digest and short_digest(current[1]) == page_digest:
            outcomes[index] = _Remembered(key, slug, path)
    return outcomes


def _parse_loaded(items: list[tuple[Path, str, bytes]]) -> list[_ParsedPage]:
    """Files' bytes read into the rows the store writes (in a worker process, or here)."""
    return [_parse_one(path, relative, raw) for path, relative, raw in items]


def _parse_one(path: Path, relative: str, raw: bytes) -> _ParsedPage:
    read = parse_page_file(PageFile(path=path, relative=relative, raw=raw))
    if read.page is None:
        return _ParsedPage(error=read.error or "unreadable")
    medicine = _medicine_for(read)
    page = _as_imported(read.page, read.relative)
    findings = tuple((f.code, f.severity, f.message, f.section, f.line) for f in read.findings)
    try:
        row = medicine_row(medicine)
    except InputError as error:
        return _ParsedPage(None, medicine.slug, medicine.path, findings=findings, problem=str(error))
    save = PageToSave(medicine.slug, page, author=f"import:{read.relative}", kind="imported",
                      message=f"imported from {printable_path(path)}")
    try:
        # The reader fingerprinted the page for `original`; provenance and status are not rendered.
        prepared = prepare_page(save, content_fingerprint=read.page.original.fingerprint)
    except InputError as error:
        return _ParsedPage(None, medicine.slug, medicine.path, row, findings=findings, problem=str(error))
    return _ParsedPage(None, medicine.slug, medicine.path, row, prepared, findings)


def _worker_count() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


MAX_WORKERS = 4


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _medicine_for(read: PageFile) -> Medicine:
    """The catalogue entry for an imported page: a tree's own `<letter>/<slug>.md` path wins.

    Its strengths, identifiers and links are shared with medicines that read alike (see
    `build_medicine`): it is only written to the store, never changed, so no copy is made."""
    medicine = build_medicine(read.page.title, slugify(read.page.title), None)
    parts = path_parts(read.relative)
    if parts:
        letter, slug = parts
        medicine = medicine.model_copy(update={"letter": letter, "slug": slug})
    return medicine


def _as_imported(page: Page, relative: str) -> Page:
    """Provenance `imported` for every section the file had; status draft.

    A shallow copy: the sections stay shared with `page`, which nobody changes after reading
    (a deep copy of a whole page cost more than reading it)."""
    provenance = Provenance(kind="imported", by=relative)
    provenances = dict(page.provenance)  # in this order: the page's JSON, and so its digest, follows it
    for key in page.present_sections():
        provenances.setdefault(key, provenance)
    return page.model_copy(update={"provenance": provenances, "status": "draft"})
