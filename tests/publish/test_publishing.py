"""Publishing as docs/publishing.md tells it: the GitHub Pages workflow `build` writes, the Jekyll
tree built by plain Jekyll with the shipped layout, and a site served from a subfolder."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from medpages.errors import InputError
from medpages.project import Project
from medpages.stages.building import (
    GITHUB_PAGES_WORKFLOW,
    build_html_site,
    build_jekyll,
    write_github_pages_workflow,
)

JEKYLL = shutil.which("jekyll")


@pytest.fixture
def project(tmp_path, medpages_cli, seed_path) -> Project:
    assert medpages_cli("init", "proj", cwd=tmp_path).exit_code == 0
    folder = tmp_path / "proj"
    shutil.copy(seed_path, folder / "seed.md")
    (folder / "generics.txt").write_text("Paracetamol 500mg\nIbuprofen 400mg\n5-Fluorouracil 500mg\n",
                                         encoding="utf-8")
    assert medpages_cli("import", "generics.txt", "seed.md", cwd=folder).exit_code == 0
    return Project.find(folder)


def _with_base_url(project: Project, base_url: str) -> Project:
    config = project.root / "medpages.toml"
    text = config.read_text(encoding="utf-8")
    assert text.count('\nbase_url = ""\n') == 1
    config.write_text(text.replace('\nbase_url = ""\n', f'\nbase_url = "{base_url}"\n'), encoding="utf-8")
    return Project.find(project.root)


# ---------------------------------------------------------------------------- GitHub Pages


def test_the_github_pages_workflow_is_valid_yaml_with_the_steps_that_publish_the_site(project):
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    report = write_github_pages_workflow(project)
    assert report.written and report.path == project.root / GITHUB_PAGES_WORKFLOW
    assert any("base_url" in warning for warning in report.warnings)  # project pages live under /REPOSITORY/
    workflow = yaml.safe_load(report.path.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    job = workflow["jobs"]["deploy"]
    assert job["environment"]["name"] == "github-pages"
    steps = [step.get("uses", "").split("@")[0] for step in job["steps"]]
    assert steps == ["actions/checkout", "actions/configure-pages", "actions/upload-pages-artifact",
                     "actions/deploy-pages"]
    upload = job["steps"][2]
    assert upload["with"]["path"] == "site"  # the project's site folder, relative to the repository
    assert (project.root / upload["with"]["path"]).resolve() == project.site_dir.resolve()


def test_the_workflow_is_written_again_only_when_it_is_still_medpages_own(project):
    project = _with_base_url(project, "https://example.github.io/medicines")
    first = write_github_pages_workflow(project)
    assert first.warnings == []
    assert write_github_pages_workflow(project).written is False
    assert write_github_pages_workflow(project, branch="trunk").written  # its own file, another branch
    first.path.write_text(first.path.read_text(encoding="utf-8") + "# my own step\n", encoding="utf-8")
    with pytest.raises(InputError, match="already exists"):
        write_github_pages_workflow(project)
    assert first.path.read_text(encoding="utf-8").endswith("# my own step\n")


# ---------------------------------------------------------------------------- Jekyll


@pytest.mark.skipif(JEKYLL is None, reason="jekyll is not installed (Debian: apt-get install jekyll)")
def test_the_project_tree_builds_with_plain_jekyll_and_the_shipped_layout(tmp_path, project):
    project = _with_base_url(project, "https://example.org/medicines")
    report = build_jekyll(project)
    assert sorted(report.starter) == ["_config.yml", "_layouts/minimal-medicine.html"]
    out = tmp_path / "out"
    finished = subprocess.run([JEKYLL, "build", "--quiet", "-s", str(project.jekyll_dir), "-d", str(out)],
                              capture_output=True, text=True, timeout=180)
    assert finished.returncode == 0, finished.stderr
    built = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert built == ["0-9/5-fluorouracil-500mg.html", "a/ado-trastuzumab-emtansine-160mg.html",
                     "i/ibuprofen-400mg.html", "p/paracetamol-500mg.html"]
    seed = (out / "a/ado-trastuzumab-emtansine-160mg.html").read_text(encoding="utf-8")
    assert "<title>Ado-trastuzumab emtansine 160mg – Medicine information</title>" in seed
    assert '<header><a href="/medicines/">Medicine information</a></header>' in seed  # baseurl from base_url
    assert "<li><strong>Fatigue:</strong> Feeling tired or weak.</li>" in seed
    assert 'name="viewport"' in seed and "<style>" in seed
    skeleton = (out / "i/ibuprofen-400mg.html").read_text(encoding="utf-8")
    assert "<p><strong>Usage:</strong> <em>Not yet written.</em></p>" in skeleton
    assert "**" not in skeleton and "{{" not in skeleton and "{%" not in skeleton


# ---------------------------------------------------------------------------- a site in a subfolder


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.root = ""

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "meta" and values.get("name") == "medpages-root":
            self.root = values["content"] or ""
        for name in ("href", "src", "action"):
            value = values.get(name)
            if value is not None and not (tag == "link" and values.get("rel") == "canonical"):
                self.links.append(value)


def _resolves(site: Path, prefix: str, url: str) -> bool:
    """Whether a same-site URL names a file of the site when the site is served under `prefix`."""
    path = unquote(urlsplit(url).path)
    if not path.startswith(prefix):
        return False
    relative = path[len(prefix):]
    target = site / relative
    return (target / "index.html").is_file() if (relative == "" or relative.endswith("/")) else target.is_file()


@pytest.mark.parametrize("base_url", ["/medicines", "https://example.org/medicines/"])
def test_a_site_served_from_a_subfolder_has_working_links_on_every_page(project, base_url):
    project = _with_base_url(project, base_url)
    build_html_site(project)
    site, prefix = project.site_dir, "/medicines/"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 8
    for page in pages:
        relative = page.relative_to(site).as_posix()
        if relative == "404.html":
            address = "https://example.org/medicines/no/such/page/here"  # served for any missing address
        else:
            address = "https://example.org" + prefix + re.sub(r"index\.html$", "", relative)
        links = _Links()
        links.feed(page.read_text(encoding="utf-8"))
        for link in [*links.links, links.root + "search/", links.root + "static/search.js"]:
            url = urljoin(address, link)
            if link.startswith(("data:", "#")) or urlsplit(url).netloc != "example.org":
                continue
            assert _resolves(site, prefix, url), f"{relative}: {link!r} → {url}"
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', (site / "a/index.html").read_text("utf-8"))
    assert canonical.group(1).endswith("/medicines/a/")
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert all(loc.split("/medicines/", 1)[0] in ("", "https://example.org")
               for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap))
