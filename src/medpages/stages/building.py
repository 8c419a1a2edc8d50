"""Build: the static HTML site and the Jekyll Markdown tree, each incremental, each in its own folder.

What goes out follows Wikipedia's FlaggedRevs: a page a person reviewed is published at its
newest reviewed revision (its *stable* version), even when a newer draft waits for review; a
page never reviewed is published as it is with its honest "not yet reviewed" badge, or, with
`[publish] only_reviewed = true`, left out of both the site and the tree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medpages.model import Medicine, Page
from medpages.project import Project
from medpages.store.community import STABLE_STATUSES


@dataclass
class Publication:
    """Which revision of each page goes out, and what was left out; counted afresh on every pass
    over `entries`, so one `Publication` serves the site and the tree of one build."""

    project: Project
    only_reviewed: bool = False
    stable: list[str] = field(default_factory=list)  # slugs published at a reviewed revision older than the draft
    left_out: list[str] = field(default_factory=list)  # slugs never reviewed, left out (only_reviewed)

    @classmethod
    def of(cls, project: Project) -> Publication:
        return cls(project, only_reviewed=project.settings.publish.only_reviewed)

    def entries(self) -> Iterator[tuple[Medicine, Page | None]]:
        """Every medicine with the page to publish (None: no page yet, shown as not written).

        A page whose current status is `reviewed` (or `published`) is its own stable version; only
        a page a person reviewed before, and changed since, costs a look for its stable revision."""
        self.stable, self.left_out = [], []
        store = self.project.store()
        ever_reviewed = _ever_reviewed(store)
        for medicine, page in store.iter_pages():
            if page is not None and page.status in STABLE_STATUSES:
                yield medicine, page
                continue
            stable = store.stable_revision(medicine.slug) if medicine.slug in ever_reviewed else None
            if stable is not None:
                self.stable.append(medicine.slug)
                yield medicine, stable[1]
            elif self.only_reviewed:
                self.left_out.append(medicine.slug)
            else:
                yield medicine, page


def _ever_reviewed(store) -> set[str]:
    """The slugs of the medicines with a review. A revision gets a reviewed status only through the
    review desk, which records a review of the page (marking it reviewed) before any later reviewed
    revision (a change accepted into a reviewed page, a restore): a page with no review has no stable
    revision, and the catalogue's thousands of unreviewed pages cost no look-up each."""
    return store.reviewed_slugs()


def build_jekyll(project: Project, out_dir: Path | None = None, publication: Publication | None = None):
    """Write the Jekyll Markdown tree of every published medicine (an `ExportReport`), the same
    medicines as the HTML site: a medicine without a page gets its skeleton (the catalogue's name
    and links, every other section `_Not yet written._`), as the site shows it not yet written.

    The project's own tree is also a Jekyll site of its own: a `_config.yml` and the
    `minimal-medicine` layout are written when it has none (never over the publisher's own, never
    deleted). A folder named with `out_dir` (often an existing Jekyll site) gets only the pages."""
    from medpages.draft.skeleton import skeleton_page
    from medpages.publish.jekyll import export_jekyll, write_jekyll_starter

    publication = publication or Publication.of(project)
    out = (out_dir or project.jekyll_dir).resolve()
    prefer = project.settings.names.prefer
    not_written: list[str] = []

    def entries() -> Iterator[tuple[Medicine, Page]]:
        for medicine, page in publication.entries():
            if page is None:
                not_written.append(medicine.slug)
                page = skeleton_page(medicine, prefer)
            yield medicine, page

    report = export_jekyll(entries(), out, project.state_dir / "exports" / f"{_key(out)}.json")
    report.not_written = len(not_written)
    if out == project.jekyll_dir.resolve():
        report.starter = write_jekyll_starter(out, site_name=project.settings.site.name,
                                              base_url=project.settings.site.base_url)
    return report


def build_html_site(project: Project, out_dir: Path | None = None, publication: Publication | None = None):
    """Build the static HTML site of every published medicine (a `SiteReport`); a medicine without
    a page shows every section as not yet written. Incremental: only what changed is rendered again."""
    from medpages.publish.site import build_site

    publication = publication or Publication.of(project)
    out = (out_dir or project.site_dir).resolve()
    return build_site(
        publication.entries(),
        out,
        state_dir=project.state_dir / "sites" / _key(out),
        base_url=project.settings.site.base_url,
        edit_url=project.settings.site.edit_url or None,
        site_name=project.settings.site.name,
    )


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
