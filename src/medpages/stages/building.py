"""Build: the static HTML site and the Jekyll Markdown tree, each incremental, each in its own folder.

What goes out follows Wikipedia's FlaggedRevs: a page a person reviewed is published at its
newest reviewed revision (its *stable* version), even when a newer draft waits for review; a
page never reviewed is published as it is with its honest "not yet reviewed" badge, or, with
`[publish] only_reviewed = true`, left out of both the site and the tree.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from medpages.model import Medicine, Page
from medpages.project import Project
from medpages.store.builds import BuildSource, BuiltPage
from medpages.store.community import STABLE_STATUSES


class Published(NamedTuple):
    """One medicine as a build publishes it: the page that goes out (None: not written yet) and how."""

    source: BuildSource
    page: Page | None
    published: str  # current | stable | not_written | left_out (a `medpages.store.builds.PUBLISHED`)
    revision: int | None  # the reviewed revision's number, when published at its stable revision


@dataclass
class Publication:
    """Which revision of each page goes out, and what was left out; counted afresh on every pass
    over `entries`, and after each build from its manifest, so one `Publication` serves the site
    and the tree of one build."""

    project: Project
    only_reviewed: bool = False
    stable: list[str] = field(default_factory=list)  # slugs published at a reviewed revision older than the draft
    left_out: list[str] = field(default_factory=list)  # slugs never reviewed, left out (only_reviewed)

    @classmethod
    def of(cls, project: Project) -> Publication:
        return cls(project, only_reviewed=project.settings.publish.only_reviewed)

    def entries(self) -> Iterator[tuple[Medicine, Page | None]]:
        """Every medicine with the page to publish (None: no page yet, shown as not written)."""
        self.stable, self.left_out = [], []
        for item in self.resolve(self.project.store().build_sources()):
            if item.published == "stable":
                self.stable.append(item.source.medicine.slug)
            elif item.published == "left_out":
                self.left_out.append(item.source.medicine.slug)
                continue
            yield item.source.medicine, item.page

    def resolve(self, sources: Iterable[BuildSource]) -> Iterator[Published]:
        """What goes out for each of `sources`. A page whose current status is `reviewed` (or
        `published`) is its own stable version; only a page a person reviewed before, and changed
        since, costs a look for its stable revision."""
        store = self.project.store()
        ever_reviewed = _ever_reviewed(store)
        for source in sources:
            medicine, page = source.medicine, source.page
            if page is not None and page.status in STABLE_STATUSES:
                yield Published(source, page, "current", None)
                continue
            stable = store.stable_revision(medicine.slug) if medicine.slug in ever_reviewed else None
            if stable is not None:
                yield Published(source, stable[1], "stable", stable[0])
            elif self.only_reviewed:
                yield Published(source, None, "left_out", None)
            else:
                yield Published(source, page, "current" if page is not None else "not_written", None)

    def recount(self, target: str) -> None:
        """The stable and left-out pages, as the manifest of `target`'s build just recorded them."""
        store = self.project.store()
        self.stable = store.built_slugs(target, "stable")
        self.left_out = store.built_slugs(target, "left_out")

    @property
    def version(self) -> str:
        """The publication settings: changing them re-decides what goes out for every medicine."""
        return json.dumps({"only_reviewed": self.only_reviewed})


def _ever_reviewed(store) -> set[str]:
    """The slugs of the medicines with a review. A revision gets a reviewed status only through the
    review desk, which records a review of the page (marking it reviewed) before any later reviewed
    revision (a change accepted into a reviewed page, a restore): a page with no review has no stable
    revision, and the catalogue's thousands of unreviewed pages cost no look-up each. A review always
    comes with a new revision, so a build manifest that compares revision ids sees it too."""
    return store.reviewed_slugs()


def _streamed(items: Iterable[Published], kept: list[Published]) -> Iterator[tuple[Medicine, Page | None]]:
    """The medicine and page of each item that goes out, one at a time; `kept` gets each item
    without its page (what the build's manifest rows need), so that a pass over every page never
    holds them all."""
    for item in items:
        kept.append(item._replace(source=item.source._replace(page=None), page=None))
        if item.published != "left_out":
            yield item.source.medicine, item.page


def _row(item: Published, version: str, outputs: dict) -> BuiltPage:
    source = item.source
    return BuiltPage(source.medicine_id, source.medicine.slug, source.medicine_digest, source.current_revision_id,
                     item.revision, item.published, version, outputs)


def _version(*parts: str) -> str:
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:32]


def build_jekyll(project: Project, out_dir: Path | None = None, publication: Publication | None = None, *,
                 full: bool = False):
    """Write the Jekyll Markdown tree of every published medicine (an `ExportReport`), the same
    medicines as the HTML site: a medicine without a page gets its skeleton (the catalogue's name
    and links, every other section `_Not yet written._`), as the site shows it not yet written.

    Incremental through the store's build manifest: only the medicines changed since the last
    build of this folder are read and written, and those removed have their files deleted; `full`
    (or a folder changed by hand, a lost manifest, other settings) goes over every medicine.

    The project's own tree is also a Jekyll site of its own: a `_config.yml` and the
    `minimal-medicine` layout are written when it has none (never over the publisher's own, never
    deleted). A folder named with `out_dir` (often an existing Jekyll site) gets only the pages."""
    from medpages.publish.jekyll import (
        ExportReport,
        export_jekyll,
        tree_intact,
        tree_version,
        write_jekyll_starter,
    )

    publication = publication or Publication.of(project)
    out = (out_dir or project.jekyll_dir).resolve()
    prefer = project.settings.names.prefer
    store = project.store()
    target = f"jekyll:{_key(out)}"
    manifest = project.state_dir / "exports" / f"{_key(out)}.json"
    version = _version(tree_version(), prefer, publication.version)
    stamp = secrets.token_hex(16)
    last = None if full else store.build_target(target)
    if last is not None and (last.render_version, last.out_dir) == (version, str(out)) \
            and tree_intact(out, manifest, last.stamp):
        changes = store.build_changes(target, version)
        rows = store.built_pages(target, changes.changed) if changes else []
        previous = {row.outputs["file"]: row.outputs["digest"] for row in [*rows, *changes.removed] if row.outputs}
        sources = store.build_sources(changes.changed) if changes else iter(())
    else:
        changes = None
        rows = store.built_pages(target) if last is not None else []
        previous = {row.outputs["file"]: row.outputs["digest"] for row in rows if row.outputs} if last is not None \
            else _legacy_manifest(manifest)
        sources = store.build_sources()
    written: list[Published] = []

    def entries() -> Iterator[tuple[Medicine, Page]]:
        for medicine, page in _streamed(publication.resolve(sources), written):
            if page is None:  # the skeleton loads the catalogue: only when one is needed
                from medpages.draft.skeleton import skeleton_page

                yield medicine, skeleton_page(medicine, prefer)
            else:
                yield medicine, page

    # Before the pages, so that the folder's listing the export records for `tree_intact` has them.
    starter = write_jekyll_starter(out, site_name=project.settings.site.name,
                                   base_url=project.settings.site.base_url) if out == project.jekyll_dir.resolve() else []
    if changes is not None and not changes and not starter:
        report = ExportReport(out_dir=out)  # nothing changed: nothing read, nothing written
    else:
        report = export_jekyll(entries(), out, manifest, previous=previous, stamp=stamp)
        pages = []
        for item in written:
            relative = item.source.medicine.path
            outputs = {"file": relative, "digest": report.owned[relative]} if relative in report.owned else {}
            pages.append(_row(item, version, outputs))
        store.save_build(target, out_dir=str(out), render_version=version, stamp=stamp, pages=pages,
                         removed=[row.medicine_id for row in changes.removed] if changes else (),
                         full=changes is None)
    counts = store.built_counts(target)
    report.unchanged = sum(counts.values()) - counts.get("left_out", 0) - len(report.written)
    report.not_written = counts.get("not_written", 0)
    publication.recount(target)
    report.starter = starter
    return report


def _legacy_manifest(path: Path) -> dict[str, str]:
    """The files an export recorded before build manifests were kept in the store (deleted when gone)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def build_html_site(project: Project, out_dir: Path | None = None, publication: Publication | None = None, *,
                    full: bool = False):
    """Build the static HTML site of every published medicine (a `SiteReport`); a medicine without
    a page shows every section as not yet written.

    Incremental through the store's build manifest: the medicines changed since the last build of
    this folder are read and rendered, and the letter pages, sitemap and search files are made again
    from the other pages' summaries, which the manifest keeps; with nothing changed nothing is read or
    written. Other settings, templates or code, a folder changed by hand (`site_intact`), a lost
    manifest, a full-text index due to be remade, or `full`: every medicine is read, and only the
    pages whose inputs changed are rendered."""
    # Only the light `state` module until something is to be built: a build with nothing to do
    # loads no templates.
    from medpages.publish.site.state import (
        SiteConfig,
        SiteReport,
        render_version,
        site_intact,
    )

    publication = publication or Publication.of(project)
    out = (out_dir or project.site_dir).resolve()
    site = project.settings.site
    config = SiteConfig(base_url=site.base_url.strip(), edit_url=site.edit_url or None, site_name=site.name)
    state_dir = project.state_dir / "sites" / _key(out)
    store = project.store()
    target = f"site:{_key(out)}"
    version = _version(render_version(config), publication.version)
    stamp = secrets.token_hex(16)
    options = {"state_dir": state_dir, "base_url": site.base_url, "edit_url": site.edit_url or None,
               "site_name": site.name, "stamp": stamp}
    last = None if full else store.build_target(target)
    if last is not None and (last.render_version, last.out_dir) == (version, str(out)) \
            and site_intact(out, state_dir, last.stamp):
        changes = store.build_changes(target, version)
        if not changes:
            counts = store.built_counts(target)
            publication.recount(target)
            return SiteReport(out_dir=out, medicines=sum(counts.values()) - counts.get("left_out", 0),
                              unchanged=sum(counts.values()) - counts.get("left_out", 0))
        from medpages.publish.site.builder import (
            EveryPageNeeded,
            PageSummary,
            build_site,
        )

        again = set(changes.changed) | {row.medicine_id for row in changes.removed}
        rows = store.built_pages(target)
        kept = [PageSummary.from_json(row.outputs) for row in rows if row.medicine_id not in again and row.outputs]
        items = list(publication.resolve(store.build_sources(changes.changed)))
        # A page changed, its medicine not: the names the drug dictionary gave it are still good.
        built = {row.medicine_id: row for row in rows if row.medicine_id in again and row.outputs}
        known = {}
        for item in items:
            row = built.get(item.source.medicine_id)
            if row is not None and row.medicine_digest == item.source.medicine_digest:
                summary = PageSummary.from_json(row.outputs)
                known[summary.path] = summary.medicine_names()
        try:
            report = build_site([(item.source.medicine, item.page) for item in items if item.published != "left_out"],
                                out, kept=kept, known_names=known, **options)
        except EveryPageNeeded:
            pass  # below, with every page
        else:
            _save_site_build(store, target, out, version, stamp, items, report,
                             removed=[row.medicine_id for row in changes.removed])
            publication.recount(target)
            return report
    from medpages.publish.site.builder import build_site

    items: list[Published] = []
    report = build_site(_streamed(publication.resolve(store.build_sources(with_original=False)), items),
                        out, **options)
    _save_site_build(store, target, out, version, stamp, items, report, full=True)
    publication.recount(target)
    return report


def _save_site_build(store, target: str, out: Path, version: str, stamp: str, items: list[Published], report,
                     removed: Iterable[int] = (), full: bool = False) -> None:
    """Record what the build published; a page the builder skipped (an unsafe path) gets no row, so
    that every build looks at it again and warns again."""
    summaries = iter(report.pages)
    pages = []
    for item in items:
        if item.published == "left_out":
            pages.append(_row(item, version, {}))
            continue
        summary = next(summaries)
        if summary is not None:
            pages.append(_row(item, version, summary.to_json()))
    store.save_build(target, out_dir=str(out), render_version=version, stamp=stamp, pages=pages, removed=removed,
                     full=full)


def _key(out: Path) -> str:
    """Each output folder keeps its own manifest: building into two folders never mixes them."""
    return hashlib.sha256(str(out).encode("utf-8")).hexdigest()[:16]


GITHUB_PAGES_WORKFLOW = ".github/workflows/pages.yml"
_WORKFLOW_MARK = "# Written by medpages"


@dataclass
class WorkflowReport:
    path: Path
    written: bool  # False: the file was already as medpages would write it
    warnings: list[str] = field(default_factory=list)


def github_pages_workflow(site_folder: str, branch: str = "main") -> str:
    """A GitHub Actions workflow that publishes the built HTML site folder (committed to the
    repository) to GitHub Pages on every push to `branch`: no Jekyll, no build on GitHub."""
    return f"""{_WORKFLOW_MARK} (see its docs/publishing.md): publishes the HTML site in
# {site_folder}/ to GitHub Pages. Commit the site folder with it, and in the repository's
# Settings > Pages set "Source" to "GitHub Actions". Yours to change: medpages never
# overwrites this file once it is edited.
name: Publish the medicine site
on:
  push:
    branches: [{json.dumps(branch)}]
  workflow_dispatch:
permissions:
  contents: read
  pages: write
  id-token: write
concurrency:
  group: pages
  cancel-in-progress: false
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/configure-pages@v5
      - uses: actions/upload-pages-artifact@v3
        with:
          path: {json.dumps(site_folder)}
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def write_github_pages_workflow(project: Project, branch: str = "main") -> WorkflowReport:
    """Write `.github/workflows/pages.yml` in the project folder (the repository's root), which
    publishes the project's site folder to GitHub Pages. A workflow file someone else wrote, or
    edited since, is never replaced (an `InputError` says so)."""
    from medpages.atomic import write_atomic
    from medpages.errors import InputError

    root = project.root.resolve()
    site = project.site_dir.resolve()
    if not site.is_relative_to(root) or site == root:
        raise InputError("the site folder must be a folder inside the project for GitHub Pages to publish it",
                         source=str(site))
    folder = site.relative_to(root).as_posix()
    target = root / GITHUB_PAGES_WORKFLOW
    data = github_pages_workflow(folder, branch).encode("utf-8")
    report = WorkflowReport(target, written=True)
    if target.exists():
        current = target.read_bytes()
        if current == data:
            report.written = False
        elif not current.startswith(_WORKFLOW_MARK.encode()) or _edited(current, folder, branch):
            raise InputError(f"{GITHUB_PAGES_WORKFLOW} already exists and medpages did not write it as it is "
                             "now: left as it is (remove it to have medpages write its own)", source=str(target))
    if report.written:
        write_atomic(target, data)
    base = project.settings.site.base_url.strip()
    if not base:
        report.warnings.append(
            "no [site] base_url: a project site on GitHub Pages is served from https://USER.github.io/REPOSITORY/; "
            'set base_url = "https://USER.github.io/REPOSITORY" (or your own domain) and build again')
    return report


def _edited(current: bytes, folder: str, branch: str) -> bool:
    """Whether a workflow medpages wrote was changed since (other than by an older medpages): it is
    replaced only when it is one medpages would write, for some branch."""
    import re

    match = re.search(rb"branches: \[(\"[^\"\n]*\")\]", current)
    if match is None:
        return True
    return current != github_pages_workflow(folder, json.loads(match.group(1))).encode("utf-8")
