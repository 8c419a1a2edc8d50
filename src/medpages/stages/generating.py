"""Generate: a page for every medicine that needs one, checked and stored the moment it is made.

The story of a run: choose the backend (and say why), pick the medicines whose page may be
replaced without losing anyone's work, then either compose each page from its label (the
reference composer, offline) or draft it with an AI provider through the runner, each medicine
claimed first so that several processes never draft it twice. A stopped run loses nothing: a
rerun goes on with what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from medpages.errors import InputError, MedpagesError
from medpages.model import Medicine, Page
from medpages.project import Project
from medpages.stages.checking import check_settings, checked
from medpages.stages.references import label_lookup

if TYPE_CHECKING:
    import httpx

    from medpages.sources.choice import LabelChoice

REFERENCE = "reference"
# Pages a new draft may replace: nobody's work would be lost (the catalogue's skeleton, the
# fixed texts, an earlier composition from the references).
_REPLACEABLE_KINDS = frozenset({"skeleton", "fixed", "reference"})

Progress = Callable[[str], None]


@dataclass
class GenerateReport:
    backend: str
    why: str  # why this backend was chosen
    target: str = ""  # where an AI backend's requests go: `gpt-4o-mini at https://api.openai.com/v1`
    drafted: list[str] = field(default_factory=list)  # slugs with a new page revision
    unchanged: list[str] = field(default_factory=list)  # composed again, the same page
    skipped: list[str] = field(default_factory=list)  # "slug: why"
    failed: list[str] = field(default_factory=list)  # "slug: why"
    not_attempted: list[str] = field(default_factory=list)  # slugs left when the provider stopped the run
    without_label: list[str] = field(default_factory=list)  # no reference label: a skeleton, or an ungrounded draft
    # "slug: no label for this route and form (…); labels found: gel; injection": labels of its
    # ingredients exist, but none for its route and form, so none was borrowed
    label_mismatch: list[str] = field(default_factory=list)
    # "slug: tablet, coated (oral); no label of the listed strength (400mg)": composed (or drafted)
    # from the nearest label there is, of another form, strength or for children: worth a look
    label_differs: list[str] = field(default_factory=list)
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
    elif project.settings.draft.backend:
        chosen, why = project.settings.draft.backend, project.settings.origin("draft", "backend")
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
    client: httpx.AsyncClient | None = None,
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
    `client` is the httpx client an AI backend talks through, instead of one of its own:
    the tests pass one whose transport is httpx.MockTransport.
    """
    name, why = choose_backend(project, backend)
    if batch and name == REFERENCE:
        raise InputError("--batch needs an AI provider's batch API (--backend openai or gemini); "
                         "the reference composer calls nothing")
    report = GenerateReport(backend=name, why=why, dry_run=dry_run)
    todo = _medicines_to_draft(project, report, only=set(only), limit=limit, force=force)
    if name == REFERENCE:
        _compose_from_references(project, todo, report, progress)
    else:
        run = _ProviderRun(project, report, model=model, concurrency=concurrency, rpm=rpm, tpm=tpm, force=force)
        run.draft(todo, batch=batch, poll_interval=poll_interval, on_progress=on_run_progress, client=client)
    return report


def _medicines_to_draft(project: Project, report: GenerateReport, *, only: set[str], limit: int | None,
                        force: bool) -> list[tuple[Medicine, Page | None]]:
    """The medicines this run drafts (with their current page), in slug order; the others go to
    the report with the reason."""
    entries = [(m, p) for m, p in project.store().iter_pages() if not only or m.slug in only]
    report.failed += [f"{slug}: no such medicine in the catalogue"
                      for slug in sorted(only - {m.slug for m, _ in entries})]
    todo: list[tuple[Medicine, Page | None]] = []
    for medicine, current in entries:
        if current is not None and not force and not replaceable(current):
            kinds = {provenance.kind for provenance in current.provenance.values()} - _REPLACEABLE_KINDS
            report.skipped.append(f"{medicine.slug}: has a page written by {', '.join(sorted(kinds))} "
                                  "(--force redrafts it)")
        elif limit is not None and len(todo) >= limit:
            report.skipped.append(f"{medicine.slug}: over --limit {limit}")
        else:
            todo.append((medicine, current))
    return todo


def replaceable(page: Page) -> bool:
    """Whether a new draft may replace this page without losing anyone's work: never a page a
    person reviewed (their review would silently stop describing the page)."""
    if page.status in ("reviewed", "published") or page.reviewed_on is not None:
        return False
    return {provenance.kind for provenance in page.provenance.values()} <= _REPLACEABLE_KINDS


def _note_errors(report: GenerateReport, medicine: Medicine, findings: list) -> None:
    errors = [finding for finding in findings if finding.severity == "error"]
    if errors:
        report.with_errors.append(f"{medicine.slug}: {errors[0].message}")


# --------------------------------------------------------------------------- the reference composer


def _compose_from_references(project: Project, todo: list[tuple[Medicine, Page | None]], report: GenerateReport,
                             progress: Progress | None) -> None:
    """Each page from its label's facts alone; a medicine with no label gets (or keeps) a skeleton."""
    from medpages.draft.reference import COMPOSER, compose_reference_page
    from medpages.draft.skeleton import (
        SKELETON_AUTHOR,
        generic_name_line,
        note_label_mismatch,
    )

    store = project.store()
    settings = check_settings(project)
    facts_for = label_lookup(store)
    for number, (medicine, current) in enumerate(todo, 1):
        if progress and number % 100 == 0:
            progress(f"{number:,} of {len(todo):,}")
        try:
            choice = facts_for.choice(medicine)
            facts = choice.label
            page = compose_reference_page(medicine, facts, choice.differences)
            page.generic_name = generic_name_line(medicine, project.settings.names.prefer)  # [names] prefer
            if facts is None and _is_mismatch(choice.reason):
                page = note_label_mismatch(page, choice.reason)  # the page says why, as the report does
            page, findings = checked(page, medicine, facts, settings)
        except MedpagesError as error:
            report.failed.append(f"{medicine.slug}: {error}")
            continue
        if facts is None:
            report.without_label.append(medicine.slug)
        else:
            _note_errors(report, medicine, findings)  # a skeleton is unfinished by design
        _note_choice(report, medicine, choice)
        if current is not None and _same_composition(current, page) and store.findings(medicine.slug) == findings:
            report.unchanged.append(medicine.slug)
            continue
        if not report.dry_run:
            if facts is None:
                store.save_page(medicine.slug, page, author=SKELETON_AUTHOR, kind="skeleton",
                                message="skeleton from the catalogue: no reference label yet")
            else:
                store.save_page(medicine.slug, page, author=COMPOSER, kind="reference",
                                message=f"composed from label {facts.source.set_id}")
            store.replace_findings(medicine.slug, findings)
        report.drafted.append(medicine.slug)


def _is_mismatch(reason: str) -> bool:
    """Labels of the medicine's ingredients exist, but none fits its route and form."""
    return not reason.startswith("no label with exactly")


def _note_choice(report: GenerateReport, medicine: Medicine, choice: LabelChoice) -> None:
    """Say which labels there are when none fits the medicine's route and form, and how the
    chosen one differs from the listed medicine when it is not the listed product."""
    if choice.label is None:
        if _is_mismatch(choice.reason):
            report.label_mismatch.append(f"{medicine.slug}: {choice.reason}")
    elif choice.differences:
        report.label_differs.append(f"{medicine.slug}: {choice.reason}")


def _same_composition(current: Page, page: Page) -> bool:
    """The same sections, traces and status (the provenance times aside); findings are the store's."""
    return (current.content_fingerprint() == page.content_fingerprint() and current.traces == page.traces
            and current.status == page.status)


# --------------------------------------------------------------------------- an AI provider


class _ProviderRun:
    """One run with an AI provider: its limits, prices and prompts, the claims it holds, and
    each result checked and stored as it arrives."""

    def __init__(self, project: Project, report: GenerateReport, *, model: str | None, concurrency: int | None,
                 rpm: float | None, tpm: float | None, force: bool) -> None:
        from medpages.draft.limits import RunLimits
        from medpages.draft.pricing import PriceTable
        from medpages.draft.providers import get_provider
        from medpages.store.claims import new_worker_name

        self.project, self.report, self.force = project, report, force
        self.store = project.store()
        draft = project.settings.draft
        self.provider = get_provider(report.backend, model or draft.model,
                                     settings=draft.provider_settings(report.backend))
        report.target = self.provider.describe()
        self.limits = RunLimits(concurrency=concurrency or draft.concurrency, requests_per_minute=rpm or draft.rpm,
                                tokens_per_minute=tpm or draft.tpm)
        self.pricing = PriceTable.from_mapping(
            {name: price.model_dump(exclude_none=True) for name, price in draft.prices.items()})
        self.settings = check_settings(project)
        prompts = project.root / "prompts"
        self.prompts_dir = prompts if prompts.is_dir() else None
        self.facts_for = label_lookup(self.store)
        self.worker = new_worker_name()
        self.reached: set[str] = set()  # medicines the runner took from the generator (claimed or not)
        self.started: list[str] = []  # of those, claimed and handed to the runner
        self.delivered: set[str] = set()  # results received

    def draft(self, todo: list[tuple[Medicine, Page | None]], *, batch: bool, poll_interval: float,
              on_progress: Callable[[Any], None] | None, client: httpx.AsyncClient | None = None) -> None:
        from medpages.draft.cache import ResponseCache
        from medpages.draft.runner import draft_all, estimate_run
        from medpages.store.claims import (
            BATCH_CLAIM_LEASE_SECONDS,
            CLAIM_LEASE_SECONDS,
            release_dead_local_claims,
        )

        report = self.report
        if report.dry_run:
            jobs = [self._job(medicine) for medicine, _ in todo]
            report.estimate = estimate_run(jobs, self.provider.model, limits=self.limits, pricing=self.pricing)
            report.drafted = [job.medicine.slug for job in jobs]
            return
        release_dead_local_claims(self.store)
        lease = BATCH_CLAIM_LEASE_SECONDS if batch else CLAIM_LEASE_SECONDS
        state_dir = self.project.state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        with ResponseCache(state_dir / "responses.sqlite3") as cache:
            if batch:
                from medpages.draft.batch import draft_all_batch

                report.summary = draft_all_batch(
                    self._claimed_jobs(todo, lease), self.provider, state_path=state_dir / "draft-batch.json",
                    poll_interval=poll_interval, on_result=self._store_result, on_progress=on_progress,
                    pricing=self.pricing, limits=self.limits, cache=cache, client=client)
            else:
                report.summary = draft_all(self._claimed_jobs(todo, lease), self.provider, limits=self.limits,
                                           cache=cache, on_result=self._store_result, on_progress=on_progress,
                                           pricing=self.pricing, total=len(todo), client=client)
        if batch and report.summary.cancelled:  # the batches go on at the provider: keep their claims
            report.skipped += [f"{slug}: waiting for its batch (run again to collect)"
                               for slug in self.started if slug not in self.delivered]
            return
        report.skipped += [f"{medicine.slug}: not started (the run was stopped)"
                           for medicine, _ in todo if medicine.slug not in self.reached]

    def _job(self, medicine: Medicine):
        from medpages.draft.runner import make_job

        choice = self.facts_for.choice(medicine)
        facts = choice.label
        if facts is None:
            self.report.without_label.append(medicine.slug)
        _note_choice(self.report, medicine, choice)
        return make_job(medicine, facts, prompts_dir=self.prompts_dir)

    def _claimed_jobs(self, todo: list[tuple[Medicine, Page | None]], lease: float):
        """A job for each medicine this process could claim; another process may have drafted it
        meanwhile (several may draft one catalogue on PostgreSQL), so its page is looked at again."""
        for medicine, _ in todo:
            self.reached.add(medicine.slug)
            if not self.store.claim_medicine(medicine.slug, self.worker, lease_seconds=lease):
                self.report.skipped.append(f"{medicine.slug}: being drafted by another process")
                continue
            current = self.store.get_page(medicine.slug)
            if current is not None and not self.force and not replaceable(current):
                self.store.release_claim(medicine.slug, self.worker)
                self.report.skipped.append(f"{medicine.slug}: drafted by another process meanwhile")
                continue
            self.started.append(medicine.slug)
            yield self._job(medicine)

    def _store_result(self, result) -> None:
        from medpages.draft.runner import CANCELLED, NOT_ATTEMPTED

        medicine = result.job.medicine
        self.delivered.add(medicine.slug)
        try:
            if result.status != "drafted" or result.page is None:
                if result.reason == CANCELLED:
                    self.report.skipped.append(f"{medicine.slug}: stopped before it finished (a rerun drafts it)")
                elif (result.reason or "").startswith(NOT_ATTEMPTED):
                    self.report.not_attempted.append(medicine.slug)  # the run's stop reason says why, once
                else:
                    self.report.failed.append(f"{medicine.slug}: {result.reason or 'no page'}")
                return
            page, findings = checked(result.page, medicine, result.job.facts, self.settings)
            _note_errors(self.report, medicine, findings)
            self.store.save_page(medicine.slug, page, author=f"model:{result.provider}:{result.model}", kind="model",
                                 message=f"drafted by {result.model} (prompt {result.prompt_version}; "
                                         f"{result.input_tokens}+{result.output_tokens} tokens)")
            self.store.replace_findings(medicine.slug, findings)
            self.report.drafted.append(medicine.slug)
        except MedpagesError as error:
            self.report.failed.append(f"{medicine.slug}: {error}")
        finally:
            self.store.release_claim(medicine.slug, self.worker)
