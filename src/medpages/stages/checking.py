"""Check: every stored page through the quality gate, against its medicine's most recent label."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from medpages.model import Finding, Medicine, Page
from medpages.project import Project
from medpages.stages.references import label_lookup


@dataclass
class CheckRun:
    results: list[tuple[str, list]] = field(default_factory=list)  # (slug, findings) per page
    blocked: list[str] = field(default_factory=list)  # slugs of pages with an error finding
    missing: list[str] = field(default_factory=list)  # --only slugs that are not in the catalogue


def check_pages(project: Project, only: Iterable[str] = (), progress: Callable[[str], None] | None = None) -> CheckRun:
    """Check every stored page against its medicine's most recent label; store the findings.

    The checks change no page and no status: `generate` sets a new draft's status from its
    checks, and publishing (the review app) refuses a page whose findings have an error. The
    store's findings table is the one place findings live: this replaces a page's check
    findings there and keeps what the seed reader noticed when the page was imported
    (`parse.*`, stored by `import` with that revision, which a check does not change).
    """
    from medpages.check import blocks_publishing, check_page

    settings = check_settings(project)
    store = project.store()
    facts_for = label_lookup(store)
    wanted = set(only)
    run = CheckRun()
    seen: set[str] = set()
    for medicine, page in store.iter_pages(with_original=False):  # the text it was parsed from: not needed
        if page is None or (wanted and medicine.slug not in wanted):
            continue
        seen.add(medicine.slug)
        findings = check_page(page, medicine, facts_for(medicine), settings)
        parsed = [finding for finding in store.findings(medicine.slug) if finding.code.startswith("parse.")]
        store.replace_findings(medicine.slug, parsed + findings)
        run.results.append((medicine.slug, findings))
        if blocks_publishing(findings):
            run.blocked.append(medicine.slug)
        if progress and len(run.results) % 200 == 0:
            progress(f"{len(run.results):,} pages checked")
    run.missing = sorted(wanted - seen)
    return run


def checked(page: Page, medicine: Medicine, facts, settings) -> tuple[Page, list[Finding]]:
    """A new draft with its status (`checked` when no finding is an error), and its findings.

    The findings are not part of the page: the caller stores them beside it (`Store.replace_findings`).
    """
    from medpages.check import blocks_publishing, check_page

    findings = check_page(page, medicine, facts, settings)
    page.status = "draft" if blocks_publishing(findings) else "checked"
    return page, findings


def check_settings(project: Project):
    """The checks' thresholds (`CheckSettings`): medpages.toml's [checks], under MEDPAGES_CHECKS_* overrides."""
    return project.settings.checks
