"""Import: catalogue lists (txt, csv, json), single page files and Jekyll trees of pages.

Lists become catalogue entries, streamed to the store in batches; pages come in as drafts with
provenance `imported`, each file either read into a page or kept byte for byte as raw text
with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from medpages.catalog import import_catalog, slugify
from medpages.catalog.builder import build_medicine
from medpages.catalog.page_files import (
    PageFile,
    iter_page_files,
    looks_like_page,
    path_parts,
    printable_path,
    read_page_file,
)
from medpages.errors import InputError
from medpages.model import Finding, Medicine, Page, Provenance
from medpages.project import Project
from medpages.stages.backup import is_backup, restore_backup
from medpages.store import PageToSave

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
        _import_pages(store, page_files, report, progress)
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
    catalog = import_catalog(lists, sink=store.upsert_many_medicines)
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


def _import_pages(store, files: list[tuple[Path, Path | None]], report: ImportReport, progress: Progress | None) -> None:
    """Read each file into a page (or keep it raw); pages go to the store `PAGES_PER_BATCH` at a time."""
    seen: dict[str, str] = {}  # page path -> the file that claimed it first
    batch: list[_ImportedPage] = []
    for number, (path, root) in enumerate(files, 1):
        if progress and number % 500 == 0:
            progress(f"pages: {number:,} of {len(files):,}")
        read = read_page_file(path, root)
        if read.page is None:
            if read.raw is None:  # not read at all: not a regular file, a link to nothing or out, too large
                report.failures.append(f"{read.relative}: {read.error}")
                continue
            store.keep_raw(str(path), read.raw, read.error or "unreadable")
            report.raw_kept.append(f"{read.relative}: {read.error}")
            continue
        medicine = _medicine_for(read)
        if medicine.path in seen:
            store.keep_raw(str(path), read.raw, f"same page path as {seen[medicine.path]}")
            report.raw_kept.append(f"{read.relative}: same path {medicine.path} as {seen[medicine.path]}; kept as raw text")
            continue
        seen[medicine.path] = read.relative
        page = PageToSave(medicine.slug, _as_imported(read.page, read.relative), author=f"import:{read.relative}",
                          kind="imported", message=f"imported from {printable_path(path)}")
        batch.append(_ImportedPage(medicine, page, read.findings))
        if len(batch) >= PAGES_PER_BATCH:
            _save_imported(store, batch, report)
            batch = []
    _save_imported(store, batch, report)


class _ImportedPage(NamedTuple):
    medicine: Medicine
    save: PageToSave
    findings: list[Finding]  # what the reader noticed, for the page's new revision


def _save_imported(store, batch: list[_ImportedPage], report: ImportReport) -> None:
    """Store a batch of read pages: their medicines, their pages, and for each page that became a
    new revision the reader's findings; a page identical to the current one is counted unchanged."""
    if not batch:
        return
    store.upsert_medicines(imported.medicine for imported in batch)
    numbers = store.current_revision_numbers(imported.medicine.slug for imported in batch)
    findings: dict[str, list[Finding]] = {}
    for imported, number in zip(batch, store.save_pages(imported.save for imported in batch), strict=True):
        slug = imported.medicine.slug
        if number == numbers.get(slug, 0):
            report.pages_unchanged += 1
        else:
            report.pages_saved += 1
            findings[slug] = imported.findings  # the new revision's, from the reader
        numbers[slug] = number  # two files of one slug (a/x.md, b/x.md): the second follows the first
    store.replace_many_findings(findings)


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
