"""Build: the static HTML site and the Jekyll Markdown tree, each incremental, each in its own folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from medpages.project import Project


def build_jekyll(project: Project, out_dir: Path | None = None):
    """Write the Jekyll Markdown tree of every stored page (an `ExportReport`)."""
    from medpages.publish.jekyll import export_jekyll

    out = (out_dir or project.jekyll_dir).resolve()
    entries = ((medicine, page) for medicine, page in project.store().iter_pages() if page is not None)
    return export_jekyll(entries, out, project.state_dir / "exports" / f"{_key(out)}.json")


def build_html_site(project: Project, out_dir: Path | None = None):
    """Build the static HTML site of every catalogue medicine (a `SiteReport`); a medicine without
    a page shows every section as not yet written. Incremental: only what changed is rendered again."""
    from medpages.publish.site import build_site

    out = (out_dir or project.site_dir).resolve()
    return build_site(
        project.store().iter_pages(),
        out,
        state_dir=project.state_dir / "sites" / _key(out),
        base_url=project.settings.site.base_url,
        edit_url=project.settings.site.edit_url or None,
        site_name=project.settings.site.name,
    )


def _key(out: Path) -> str:
    """Each output folder keeps its own manifest: building into two folders never mixes them."""
    return hashlib.sha256(str(out).encode("utf-8")).hexdigest()[:16]
