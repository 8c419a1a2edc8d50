"""The stages wired together for one project: import, reference labels, skeleton pages, the builds.

The CLI calls these; so can a Python user. Each returns a report of what it did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from medpages.catalog import import_catalog, medicine_from_title
from medpages.draft.skeleton import skeleton_page
from medpages.errors import InputError
from medpages.model import Medicine, Page, Provenance
from medpages.project import Project
from medpages.publish.jekyll import (
    ExportReport,
    PageFile,
    export_jekyll,
    iter_page_files,
    looks_like_page,
    path_parts,
    read_page_file,
)
from medpages.publish.site import SiteReport, build_site


@dataclass
class ImportReport:
    medicines: int = 0  # catalogue entries added or updated
    pages_saved: int = 0  # pages stored as a new revision
    pages_unchanged: int = 0
    raw_kept: list[str] = field(default_factory=list)  # files kept as raw text, with the reason
    failures: list[str] = field(default_factory=list)  # files that could not be read at all
    rejected: list[str] = field(default_factory=list)  # catalogue lines rejected, with line and reason
    notices: list[str] = field(default_factory=list)  # merged duplicates, slug collisions, ...

    @property
    def warnings(self) -> int:
        return len(self.raw_kept) + len(self.rejected) + len(self.notices)


Progress = Callable[[str], None]


def import_paths(project: Project, paths: Iterable[Path], progress: Progress | None = None) -> ImportReport:
    """Import catalogue lists (txt, csv, json), single page files and Jekyll trees of pages."""
    report = ImportReport()
    lists: list[Path] = []
    page_files: list[tuple[Path, Path | None]] = []  # (file, tree root or None for a single file)
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

    store = project.store()
    if lists:
        if progress:
            progress(f"reading {len(lists)} list(s)")
        # Medicines go to the store in batches as they are made: memory does not grow with the list.
        catalog = import_catalog(lists, sink=store.upsert_medicines)
        report.medicines += catalog.report.imported
        for names in catalog.additions:  # names a later duplicate listed for a medicine already stored
            stored = store.get_medicine(names.slug)
            if stored is not None:
                store.upsert_medicine(names.added_to(stored))
        report.failures += [str(p) for p in catalog.problems]
        if catalog.report.imported == 0 and not catalog.problems:
            report.failures.append("no medicine could be imported from " + ", ".join(map(str, lists)))
        report.rejected += [str(r) for r in catalog.report.rejected]
        if catalog.report.rejected_count > len(catalog.report.rejected):
            report.rejected.append(f"... and {catalog.report.rejected_count - len(catalog.report.rejected):,} more")
        report.notices += [str(n) for n in catalog.notices]
    if page_files:
        _import_pages(store, page_files, report, progress)
    return report


def _import_pages(store, files: list[tuple[Path, Path | None]], report: ImportReport, progress: Progress | None) -> None:
    seen: dict[str, str] = {}
    for number, (path, root) in enumerate(files, 1):
        if progress and number % 500 == 0:
            progress(f"pages: {number:,} of {len(files):,}")
        read = read_page_file(path, root)
        if read.page is None:
            store.keep_raw(str(path), read.text or "", read.error or "unreadable")
            report.raw_kept.append(f"{read.relative}: {read.error}")
            continue
        medicine = _medicine_for(read)
        if medicine.path in seen:
            store.keep_raw(str(path), read.text or "", f"same page path as {seen[medicine.path]}")
            report.raw_kept.append(f"{read.relative}: same path {medicine.path} as {seen[medicine.path]}; kept as raw text")
            continue
        seen[medicine.path] = read.relative
        page = _as_imported(read.page, read.relative)
        store.upsert_medicine(medicine)
        before = len(store.revisions(medicine.slug))
        number = store.save_page(medicine.slug, page, author=f"import:{read.relative}", kind="imported",
                                 message=f"imported from {path}")
        if number == before:
            report.pages_unchanged += 1
        else:
            report.pages_saved += 1


def _medicine_for(read: PageFile) -> Medicine:
    """The catalogue entry for an imported page: a tree's own `<letter>/<slug>.md` path wins."""
    medicine = medicine_from_title(read.page.title)
    parts = path_parts(read.relative)
    if parts:
        letter, slug = parts
        medicine = medicine.model_copy(update={"letter": letter, "slug": slug})
    return medicine


def _as_imported(page: Page, relative: str) -> Page:
    """Provenance `imported` for every section the file had; status draft."""
    page = page.model_copy(deep=True)
    provenance = Provenance(kind="imported", by=relative)
    for key in page.present_sections():
        page.provenance.setdefault(key, provenance)
    page.status = "draft"
    return page


def create_skeleton_pages(project: Project) -> int:
    """A skeleton page for every medicine that has no page yet; returns how many."""
    store = project.store()
    created = 0
    for medicine, page in store.iter_pages():
        if page is None:
            store.save_page(medicine.slug, skeleton_page(medicine), author="medpages:skeleton",
                            kind="skeleton", message="skeleton from the catalogue")
            created += 1
    return created


def build_jekyll(project: Project, out_dir: Path | None = None) -> ExportReport:
    """Write the Jekyll Markdown tree of every stored page."""
    out = (out_dir or project.jekyll_dir).resolve()
    key = hashlib.sha256(str(out).encode("utf-8")).hexdigest()[:16]
    manifest = project.state_dir / "exports" / f"{key}.json"
    store = project.store()
    entries = ((m, p) for m, p in store.iter_pages() if p is not None)
    return export_jekyll(entries, out, manifest)


def build_html_site(project: Project, out_dir: Path | None = None) -> SiteReport:
    """Build the static HTML site of every catalogue medicine (a medicine without a page shows
    every section as not yet written). Incremental: only what changed is rendered again."""
    out = (out_dir or project.site_dir).resolve()
    key = hashlib.sha256(str(out).encode("utf-8")).hexdigest()[:16]
    return build_site(
        project.store().iter_pages(),
        out,
        state_dir=project.state_dir / "sites" / key,
        base_url=str(project.setting("site", "base_url", "") or ""),
        edit_url=str(project.setting("site", "edit_url", "") or "") or None,
        site_name=str(project.setting("site", "name", "") or "Medicine information"),
    )


def add_label_sources(project: Project, paths: Iterable[Path], progress: Progress | None = None):
    """Read DailyMed SPL and openFDA label files, folders and zips into the project's store."""
    from medpages.sources import add_sources

    return add_sources(project.store(), paths, progress=progress)
