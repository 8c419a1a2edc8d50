"""The stages wired together for one project: import, reference labels, skeleton pages, the builds.

The CLI calls these; so can a Python user. Each returns a report of what it did.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from medpages.catalog import import_catalog, medicine_from_title
from medpages.errors import InputError, MedpagesError
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


# Pages a new draft may replace: nobody's work would be lost (the catalogue's skeleton, the
# fixed texts, an earlier composition from the references).
_REPLACEABLE_KINDS = frozenset({"skeleton", "fixed", "reference"})
REFERENCE = "reference"
# How long a drafting process holds a medicine before another may take it (a crashed process's
# claims run out); far longer than one page takes, retries and rate-limit waits included.
CLAIM_LEASE_SECONDS = 900.0
BATCH_CLAIM_LEASE_SECONDS = 25 * 3600.0  # a batch answers within 24 hours


@dataclass
class GenerateReport:
    backend: str
    why: str  # why this backend was chosen
    target: str = ""  # where an AI backend's requests go: `gpt-4o-mini at https://api.openai.com/v1`
    drafted: list[str] = field(default_factory=list)  # slugs with a new page revision
    unchanged: list[str] = field(default_factory=list)  # composed again, the same page
    skipped: list[str] = field(default_factory=list)  # "slug: why"
    failed: list[str] = field(default_factory=list)  # "slug: why"
    without_label: list[str] = field(default_factory=list)  # no reference label: a skeleton, or an ungrounded draft
    with_errors: list[str] = field(default_factory=list)  # "slug: finding" for pages the checks hold back
    dry_run: bool = False
    summary: Any = None  # medpages.draft.runner.RunSummary of an AI run
    estimate: Any = None  # medpages.draft.runner.RunEstimate of a dry run with an AI backend


def choose_backend(project: Project, backend: str | None) -> tuple[str, str]:
    """The drafting backend and why: --backend, then medpages.toml [draft] backend (or
    MEDPAGES_DRAFT_BACKEND), then a provider the environment configures, then the reference composer."""
    from medpages.draft.providers import choose_provider
    from medpages.draft.providers.registry import PROVIDERS

    if backend:
        chosen, why = backend, "--backend"
    elif project.setting("draft", "backend"):
        chosen, why = str(project.setting("draft", "backend")), "medpages.toml [draft] backend (or MEDPAGES_DRAFT_BACKEND)"
    else:
        choice = choose_provider()
        chosen, why = (choice.name, choice.reason) if choice.name else (
            REFERENCE, f"the offline default: {choice.reason}")
    chosen = chosen.strip().lower()
    if chosen != REFERENCE and chosen not in PROVIDERS:
        raise InputError(f"unknown backend {chosen!r}: use reference, " + ", ".join(sorted(PROVIDERS)))
    return chosen, why


def generate_pages(
    project: Project,
    *,
    backend: str | None = None,
    model: str | None = None,
    only: Iterable[str] = (),
    limit: int | None = None,
    force: bool = False,
    dry_run: bool = False,
    concurrency: int | None = None,
    rpm: float | None = None,
    tpm: float | None = None,
    batch: bool = False,
    poll_interval: float = 60.0,
    progress: Progress | None = None,
    on_run_progress: Callable[[Any], None] | None = None,
) -> GenerateReport:
    """Draft a page for every medicine that needs one, check it, and store it.

    A medicine needs one when it has no page, or only a skeleton or a composition from the
    references; a page someone wrote (imported, a model, a contributor) is skipped unless
    `force` (its revisions stay in the history). Each medicine ends drafted, unchanged,
    skipped or failed, with the reason. `only` limits the run to these slugs, `limit` to that
    many drafts. The reference backend writes only what the stored labels say; an AI backend
    is given the label facts too, and each page is stored the moment it arrives, so a run
    that is stopped (even killed) loses nothing and a rerun goes on with the rest. With
    `batch`, an AI backend's batch API is used instead (about half the price, answers within
    24 hours): a rerun collects the batches already submitted instead of paying for them twice.
    """
    name, why = choose_backend(project, backend)
    if batch and name == REFERENCE:
        raise InputError("--batch needs an AI provider's batch API (--backend openai or gemini); "
                         "the reference composer calls nothing")
    report = GenerateReport(backend=name, why=why, dry_run=dry_run)
    store = project.store()
    wanted = set(only)
    entries = [(m, p) for m, p in store.iter_pages() if not wanted or m.slug in wanted]
    report.failed += [f"{slug}: no such medicine in the catalogue"
                      for slug in sorted(wanted - {m.slug for m, _ in entries})]
    todo: list[tuple[Medicine, Page | None]] = []
    for medicine, current in entries:
        if current is not None and not force and not _replaceable(current):
            kinds = {provenance.kind for provenance in current.provenance.values()} - _REPLACEABLE_KINDS
            report.skipped.append(f"{medicine.slug}: has a page written by {', '.join(sorted(kinds))} "
                                  "(--force redrafts it)")
            continue
        if limit is not None and len(todo) >= limit:
            report.skipped.append(f"{medicine.slug}: over --limit {limit}")
            continue
        todo.append((medicine, current))
    if name == REFERENCE:
        _compose_from_references(project, todo, report, progress)
    else:
        _draft_with_provider(project, todo, report, model=model, concurrency=concurrency, rpm=rpm, tpm=tpm,
                             force=force, batch=batch, poll_interval=poll_interval, on_run_progress=on_run_progress)
    return report


def _release_dead_local_claims(store) -> None:
    """Claims of processes of this machine that are gone (killed, crashed) are let go at once, so
    a rerun goes on where they stopped instead of waiting for their leases to run out."""
    host = socket.gethostname()
    for worker in store.claim_workers():
        worker_host, pid, _run = (worker.rsplit(":", 2) + ["", ""])[:3]
        if worker_host == host and pid.isdigit() and not _process_alive(int(pid)):
            store.release_worker_claims(worker)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _replaceable(page: Page) -> bool:
    return {provenance.kind for provenance in page.provenance.values()} <= _REPLACEABLE_KINDS


def label_lookup(store) -> Callable[[Medicine], Any]:
    """`facts_for(medicine)`: the most recent label for its ingredients, read once per ingredient list.

    Medicines come in slug order, so a medicine's strengths follow each other (atorvastatin 10, 20,
    40, 80 mg): a small cache saves reading the same label, sections and all, for each of them.
    """

    @lru_cache(maxsize=32)
    def best(ingredients: tuple[str, ...]):
        return store.best_label(ingredients, with_sections=True) if ingredients else None

    return lambda medicine: best(tuple(medicine.ingredients))


def _checked(page: Page, medicine: Medicine, facts, report: GenerateReport, settings) -> Page:
    """The page with its findings and status: `checked` when no finding is an error."""
    from medpages.check import blocks_publishing, check_page

    page.findings = check_page(page, medicine, facts, settings)
    page.status = "draft" if blocks_publishing(page.findings) else "checked"
    errors = [finding for finding in page.findings if finding.severity == "error"]
    if errors and (facts is not None or report.backend != REFERENCE):  # a skeleton is unfinished by design
        report.with_errors.append(f"{medicine.slug}: {errors[0].message}")
    return page


def _compose_from_references(project: Project, todo, report: GenerateReport, progress: Progress | None) -> None:
    from medpages.draft.reference import COMPOSER, compose_reference_page
    from medpages.draft.skeleton import SKELETON_AUTHOR

    store = project.store()
    settings = check_settings(project)
    facts_for = label_lookup(store)
    for number, (medicine, current) in enumerate(todo, 1):
        if progress and number % 100 == 0:
            progress(f"{number:,} of {len(todo):,}")
        try:
            facts = facts_for(medicine)
            page = _checked(compose_reference_page(medicine, facts), medicine, facts, report, settings)
        except MedpagesError as error:
            report.failed.append(f"{medicine.slug}: {error}")
            continue
        if facts is None:
            report.without_label.append(medicine.slug)
        if current is not None and _same_composition(current, page):
            report.unchanged.append(medicine.slug)
            continue
        if not report.dry_run:
            if facts is None:
                store.save_page(medicine.slug, page, author=SKELETON_AUTHOR, kind="skeleton",
                                message="skeleton from the catalogue: no reference label yet")
            else:
                store.save_page(medicine.slug, page, author=COMPOSER, kind="reference",
                                message=f"composed from label {facts.source.set_id}")
            store.replace_findings(medicine.slug, page.findings)
        report.drafted.append(medicine.slug)


def _draft_with_provider(project: Project, todo, report: GenerateReport, *, model: str | None,
                         concurrency: int | None, rpm: float | None, tpm: float | None, force: bool,
                         batch: bool, poll_interval: float, on_run_progress: Callable[[Any], None] | None) -> None:
    from medpages.draft.cache import ResponseCache
    from medpages.draft.limits import RunLimits
    from medpages.draft.pricing import PriceTable
    from medpages.draft.providers import get_provider
    from medpages.draft.runner import CANCELLED, draft_all, estimate_run, make_job

    store = project.store()
    table = project.config.get("draft", {})
    table = table if isinstance(table, dict) else {}
    provider = get_provider(report.backend, model or table.get("model"), settings=table.get(report.backend, {}))
    report.target = provider.describe()
    limits = RunLimits(
        concurrency=concurrency or int(table.get("concurrency", RunLimits.concurrency)),
        requests_per_minute=rpm or table.get("rpm", RunLimits.requests_per_minute),
        tokens_per_minute=tpm or table.get("tpm", RunLimits.tokens_per_minute),
    )
    prices = table.get("prices", {})
    pricing = PriceTable.from_mapping(prices) if isinstance(prices, dict) else PriceTable()
    settings = check_settings(project)
    prompts = project.root / "prompts"
    prompts_dir = prompts if prompts.is_dir() else None

    facts_for = label_lookup(store)

    def job_for(medicine: Medicine):
        facts = facts_for(medicine)
        if facts is None:
            report.without_label.append(medicine.slug)
        return make_job(medicine, facts, prompts_dir=prompts_dir)

    if report.dry_run:
        jobs = [job_for(medicine) for medicine, _ in todo]
        report.estimate = estimate_run(jobs, provider.model, limits=limits, pricing=pricing)
        report.drafted = [job.medicine.slug for job in jobs]
        return

    # Several processes may draft one catalogue (PostgreSQL): each claims a medicine as the runner
    # takes it, and looks again at its page, which another process may have drafted meanwhile.
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # host:pid:run
    _release_dead_local_claims(store)
    reached: set[str] = set()  # medicines the runner took from the generator (claimed or not)
    started: list[str] = []  # of those, claimed and handed to the runner
    delivered: set[str] = set()  # results received

    lease = BATCH_CLAIM_LEASE_SECONDS if batch else CLAIM_LEASE_SECONDS

    def claimed_jobs():
        for medicine, _ in todo:
            reached.add(medicine.slug)
            if not store.claim_medicine(medicine.slug, worker, lease_seconds=lease):
                report.skipped.append(f"{medicine.slug}: being drafted by another process")
                continue
            current = store.get_page(medicine.slug)
            if current is not None and not force and not _replaceable(current):
                store.release_claim(medicine.slug, worker)
                report.skipped.append(f"{medicine.slug}: drafted by another process meanwhile")
                continue
            started.append(medicine.slug)
            yield job_for(medicine)

    def store_result(result) -> None:
        medicine = result.job.medicine
        delivered.add(medicine.slug)
        try:
            if result.status != "drafted" or result.page is None:
                if result.reason == CANCELLED:
                    report.skipped.append(f"{medicine.slug}: stopped before it finished (a rerun drafts it)")
                else:
                    report.failed.append(f"{medicine.slug}: {result.reason or 'no page'}")
                return
            page = _checked(result.page, medicine, result.job.facts, report, settings)
            store.save_page(medicine.slug, page, author=f"model:{result.provider}:{result.model}", kind="model",
                            message=f"drafted by {result.model} (prompt {result.prompt_version}; "
                                    f"{result.input_tokens}+{result.output_tokens} tokens)")
            store.replace_findings(medicine.slug, page.findings)
            report.drafted.append(medicine.slug)
        except MedpagesError as error:
            report.failed.append(f"{medicine.slug}: {error}")
        finally:
            store.release_claim(medicine.slug, worker)

    project.state_dir.mkdir(parents=True, exist_ok=True)
    with ResponseCache(project.state_dir / "responses.sqlite3") as cache:
        if batch:
            from medpages.draft.batch import draft_all_batch

            report.summary = draft_all_batch(
                claimed_jobs(), provider, state_path=project.state_dir / "draft-batch.json",
                poll_interval=poll_interval, on_result=store_result, on_progress=on_run_progress,
                pricing=pricing, limits=limits, cache=cache)
        else:
            report.summary = draft_all(claimed_jobs(), provider, limits=limits, cache=cache, on_result=store_result,
                                       on_progress=on_run_progress, pricing=pricing, total=len(todo))
    if batch and report.summary.cancelled:  # the batches go on at the provider: keep their claims
        report.skipped += [f"{slug}: waiting for its batch (run again to collect)"
                           for slug in started if slug not in delivered]
        return
    report.skipped += [f"{medicine.slug}: not started (the run was stopped)"
                       for medicine, _ in todo if medicine.slug not in reached]


def _same_composition(current: Page, page: Page) -> bool:
    """The same sections, traces, status and findings (the provenance times aside)."""
    return (current.content_fingerprint() == page.content_fingerprint() and current.traces == page.traces
            and current.status == page.status and current.findings == page.findings)


@dataclass
class CheckRun:
    results: list[tuple[str, list]] = field(default_factory=list)  # (slug, findings) per page
    blocked: list[str] = field(default_factory=list)  # slugs of pages with an error finding
    missing: list[str] = field(default_factory=list)  # --only slugs that are not in the catalogue


def check_settings(project: Project):
    """`CheckSettings` from medpages.toml's [checks] table (thresholds)."""
    from pydantic import ValidationError

    from medpages.check import CheckSettings

    table = project.config.get("checks", {})
    try:
        return CheckSettings(**table) if isinstance(table, dict) else CheckSettings()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise InputError(f"[checks]: {problems}", source=str(project.root / "medpages.toml")) from None


def check_pages(project: Project, only: Iterable[str] = (), progress: Progress | None = None) -> CheckRun:
    """Check every stored page against its medicine's most recent label; store the findings.

    The checks change no page and no status: `generate` sets a new draft's status from its
    checks, and publishing (the review app) refuses a page whose findings have an error.
    """
    from medpages.check import blocks_publishing, check_page

    settings = check_settings(project)
    store = project.store()
    facts_for = label_lookup(store)
    wanted = set(only)
    run = CheckRun()
    seen: set[str] = set()
    for medicine, page in store.iter_pages():
        if page is None or (wanted and medicine.slug not in wanted):
            continue
        seen.add(medicine.slug)
        facts = facts_for(medicine)
        findings = check_page(page, medicine, facts, settings)
        store.replace_findings(medicine.slug, findings)
        run.results.append((medicine.slug, findings))
        if blocks_publishing(findings):
            run.blocked.append(medicine.slug)
        if progress and len(run.results) % 200 == 0:
            progress(f"{len(run.results):,} pages checked")
    run.missing = sorted(wanted - seen)
    return run
