"""What one build of a site folder leaves for the next, and the checks of a build with nothing to do.

Light on purpose (no templates, no Markdown, no search index): `medpages build` with nothing
changed imports this, asks the store what changed, and stops.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from medpages.publish.folder_check import check_holds

HERE = Path(__file__).parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
# Bump when the builder's output changes in a way the template files do not show.
BUILDER_VERSION = "1"
FULLTEXT_VERSION = 1  # bump when tokenising or the search index's format changes: forces a full index

MANIFEST_NAME = "site-manifest.json"
FULLTEXT_STATE_NAME = "site-fulltext.json"
RUNNING_NAME = "site-build-running"  # while a build runs; left behind by a killed one
CHECK_NAME = "site-check.json"  # what `site_intact` compares: small, read by a build with nothing to do


@dataclass(frozen=True)
class SiteConfig:
    """How the site is addressed and named; part of every page's build hash."""

    base_url: str = ""  # "https://example.org/medicines" (absolute) or "" / "/medicines" (path only)
    edit_url: str | None = None  # the web app's suggest-an-edit URL; {slug} and {section} are filled in
    site_name: str = "Medicine information"

    @property
    def absolute(self) -> bool:
        return self.base_url.startswith(("http://", "https://"))

    @property
    def base_path(self) -> str:
        """The path the site lives under, with a trailing slash ("/" or "/medicines/")."""
        base = self.base_url
        if self.absolute:
            base = "/" + base.split("://", 1)[1].partition("/")[2]
        return "/" + base.strip("/") + "/" if base.strip("/") else "/"

    def canonical(self, path: str) -> str:
        """The canonical URL of a site path such as `a/aspirin/` (absolute when base_url is)."""
        if self.absolute:
            return self.base_url.rstrip("/") + "/" + path
        return self.base_path + path



@dataclass
class SiteReport:
    """What a build did. Paths are relative to `out_dir`."""

    out_dir: Path
    medicines: int = 0  # medicine pages in the site
    rendered: list[str] = field(default_factory=list)  # medicine pages rendered this time
    written: list[str] = field(default_factory=list)  # every file written (rendered pages included)
    unchanged: int = 0  # files left as they were
    deleted: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    full_text: str = "delta"  # "full": the full-text index was rebuilt; "delta": only recent changes
    seconds: float = 0.0
    pages: list = field(default_factory=list)  # a `PageSummary` per entry given; None: skipped


@cache
def template_version() -> str:
    """A digest of every template and static file, of the code that renders pages, and of the
    builder's version: a medpages upgrade that changes how a page looks renders every page again."""
    digest = hashlib.sha256(f"{BUILDER_VERSION}/{FULLTEXT_VERSION}".encode())
    files = [path for folder in (TEMPLATE_DIR, STATIC_DIR) for path in folder.rglob("*")]
    files += list(HERE.glob("*.py"))
    for path in sorted(files):
        if path.is_file():
            digest.update(path.relative_to(HERE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def render_version(config: SiteConfig) -> str:
    """What every page's HTML depends on besides its medicine and page: the templates and the code
    (`template_version`) and the site's settings. A change renders every page again."""
    return json.dumps([template_version(), dictionary_version(), config.base_url, config.edit_url, config.site_name])


@cache
def dictionary_version() -> str:
    """The drug dictionary's package version: the names a page shows come from it, and a build keeps
    them for the pages whose medicine did not change."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("drug-named-entity-recognition")
    except PackageNotFoundError:
        return ""


def site_intact(out_dir: Path, state_dir: Path, stamp: str) -> bool:
    """Whether the site folder is as the build that left `stamp` made it, as far as a few hundred
    stats can tell: that build finished (no running marker), every file other than a medicine page
    is there, and the site folder and each letter folder hold as many entries as it left. A page
    folder deleted by hand is noticed; a page's `index.html` deleted with its folder left in place
    is not (`medpages build --full` repairs anything)."""
    out_dir, state_dir = Path(out_dir).resolve(), Path(state_dir)
    return check_holds(state_dir / CHECK_NAME, state_dir / RUNNING_NAME, out_dir, stamp, files=["others"])
