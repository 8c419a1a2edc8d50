"""Status: where a project stands (catalogue, pages, labels, findings, reviews, the last build) and what to run next.

Read only: it changes nothing, so `medpages status` is safe to run at any time.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from medpages.project import Project

# The site builder's manifest (medpages.publish.site.builder): one per output folder, under the
# state folder's `sites/`; it names the folder it describes, and it is rewritten by every build.
_SITE_MANIFEST = "site-manifest.json"


@dataclass(frozen=True)
class FindingCount:
    code: str
    severity: str  # the worst severity stored under this code
    findings: int
    pages: int


@dataclass(frozen=True)
class LastBuild:
    """The project's HTML site as its last build left it."""

    out_dir: Path
    at: datetime  # when the build's manifest was written (UTC)
    files: int  # files the builder owns in the site


@dataclass
class ProjectStatus:
    root: Path
    medicines: int = 0
    without_page: int = 0  # medicines with no page at all
    pages_by_kind: Counter[str] = field(default_factory=Counter)  # the page's badge: reference, ai, skeleton…
    pages_by_status: Counter[str] = field(default_factory=Counter)  # draft, checked, reviewed, published
    unresolved: list[str] = field(default_factory=list)  # slugs whose names resolved to no generic
    labels: int = 0
    labels_by_kind: dict[str, int] = field(default_factory=dict)  # spl, openfda
    oldest_label: date | None = None  # effective dates
    newest_label: date | None = None
    findings: list[FindingCount] = field(default_factory=list)  # worst first, then most pages
    blocked_pages: int = 0  # pages with an error finding: held back from publishing
    reviewed_pages: int = 0
    pending_suggestions: int = 0
    last_build: LastBuild | None = None
    changed_since_build: list[str] = field(default_factory=list)  # slugs of pages saved after the last build
    next_steps: list[str] = field(default_factory=list)  # commands, the one to run first first

    @property
    def pages(self) -> int:
        return sum(self.pages_by_status.values())


def project_status(project: Project) -> ProjectStatus:
    """Count what the project holds and decide which command comes next; read only."""
    from medpages.publish.site.views import provenance_badge

    store = project.store()
    status = ProjectStatus(root=project.root)
    for medicine, page in store.iter_pages(with_original=False):  # the text it was parsed from: not needed
        status.medicines += 1
        if page is None:
            status.without_page += 1
            continue
        status.pages_by_kind[provenance_badge(page).kind] += 1
        status.pages_by_status[page.status] += 1
    status.unresolved = [medicine.slug for medicine in store.medicines_without_generic()]
    _read_labels(store, status)
    _read_findings(store, status)
    status.reviewed_pages = len(store.reviewed_slugs())
    status.pending_suggestions = store.count_suggestions(status="pending")
    status.last_build = last_site_build(project)
    if status.last_build is not None:
        status.changed_since_build = _pages_saved_after(store, status.last_build.at)
    status.next_steps = _next_steps(status)
    return status


def last_site_build(project: Project) -> LastBuild | None:
    """The last build of the project's site folder, from the manifest the site builder keeps for it."""
    site_dir = str(project.site_dir.resolve())
    newest: LastBuild | None = None
    for manifest in sorted((project.state_dir / "sites").glob(f"*/{_SITE_MANIFEST}")):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            at = datetime.fromtimestamp(manifest.stat().st_mtime, tz=timezone.utc)
        except (OSError, ValueError):
            continue  # unreadable: as if there were no build (the builder rebuilds in full too)
        if not isinstance(data, dict) or data.get("out_dir") != site_dir:
            continue
        build = LastBuild(Path(site_dir), at, len(data.get("files") or {}))
        if newest is None or build.at > newest.at:
            newest = build
    return newest


def _read_labels(store, status: ProjectStatus) -> None:
    from sqlalchemy import func, select

    from medpages.store.schema import LabelRecord

    counts = store.label_counts()
    status.labels = counts.get("labels", 0)
    status.labels_by_kind = {key.removeprefix("labels."): value for key, value in counts.items()
                             if key.startswith("labels.")}
    with store.engine.connect() as connection:
        oldest, newest = connection.execute(
            select(func.min(LabelRecord.effective_date), func.max(LabelRecord.effective_date))).one()
    status.oldest_label, status.newest_label = _as_date(oldest), _as_date(newest)


def _read_findings(store, status: ProjectStatus) -> None:
    from sqlalchemy import func, select

    from medpages.store.schema import FindingRecord

    by_code: dict[str, list] = {}
    blocked: set[int] = set()
    statement = (select(FindingRecord.code, FindingRecord.severity, func.count(),
                        func.count(func.distinct(FindingRecord.medicine_id)))
                 .group_by(FindingRecord.code, FindingRecord.severity))
    with store.engine.connect() as connection:
        for code, severity, findings, pages in connection.execute(statement):
            entry = by_code.setdefault(code, [severity, 0, 0])
            if _RANK.get(severity, 9) < _RANK.get(entry[0], 9):
                entry[0] = severity
            entry[1] += findings
            entry[2] = max(entry[2], pages)
        blocked.update(connection.scalars(select(FindingRecord.medicine_id).distinct()
                                          .where(FindingRecord.severity == "error")))
    status.findings = sorted((FindingCount(code, *entry) for code, entry in by_code.items()),
                             key=lambda count: (_RANK.get(count.severity, 9), -count.pages, count.code))
    status.blocked_pages = len(blocked)


_RANK = {"error": 0, "warning": 1, "info": 2}


def _pages_saved_after(store, when: datetime) -> list[str]:
    from sqlalchemy import select

    from medpages.store.schema import MedicineRecord, PageRecord

    statement = (select(MedicineRecord.slug).join(PageRecord, PageRecord.medicine_id == MedicineRecord.id)
                 .where(PageRecord.updated_at > when).order_by(MedicineRecord.slug))
    with store.engine.connect() as connection:
        return list(connection.scalars(statement))


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _next_steps(status: ProjectStatus) -> list[str]:
    """The commands that move the project on, the most useful first."""
    steps: list[str] = []
    if not status.medicines:
        return ["medpages import generics.txt   (a list of medicines, one a line; or a Jekyll tree of pages)"]
    if status.without_page:
        steps.append("medpages generate   (pages for the medicines that have none)")
    if not status.labels:
        steps.append("medpages sources add LABELS/   (DailyMed SPL or openFDA label files: pages are composed from them)")
    if status.last_build is None or status.changed_since_build:
        steps.append("medpages build   (the HTML site and the Jekyll tree)")
    if status.pending_suggestions:
        steps.append("medpages review --as NAME   (suggestions wait for review)")
    if status.unresolved:
        steps.append("medpages names   (names that did not resolve, with suggestions)")
    skeletons = status.pages_by_kind.get("skeleton", 0)
    if skeletons and status.labels and not status.without_page:
        pages = "1 page is" if skeletons == 1 else f"{skeletons:,} pages are"
        steps.append(f"medpages generate --backend PROVIDER   ({pages} not yet written; or add "
                     "their labels with `medpages sources add` and run `medpages generate`)")
    if not steps:
        steps.append("medpages serve   (everything is built: look at it, or let reviewers in)")
    return steps
