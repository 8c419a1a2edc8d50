"""Build: the HTML site and the Jekyll tree out of a project, through `medpages build` in process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medpages.project import Project
from medpages.stages import build_html_site, build_jekyll


@pytest.fixture
def imported(project_dir, medpages_cli, seed_path):
    shutil.copy(seed_path, project_dir / "seed.md")
    (project_dir / "generics.txt").write_text("Paracetamol 500mg\nIbuprofen 400mg\n", encoding="utf-8")
    assert medpages_cli("import", "generics.txt", "seed.md", cwd=project_dir).exit_code == 0
    return project_dir


def test_build_out_writes_only_the_site_and_is_incremental(tmp_path, imported, medpages_cli):
    first = medpages_cli("build", "--out", tmp_path / "public", cwd=imported)
    assert first.exit_code == 0, first.output
    assert "3 medicine pages; 3 rendered" in first.stdout and "Jekyll tree" not in first.stdout
    assert (tmp_path / "public" / "i" / "ibuprofen-400mg" / "index.html").is_file()
    assert not (imported / "jekyll").exists()
    second = medpages_cli("build", "--out", tmp_path / "public", cwd=imported)
    assert "0 rendered" in second.stdout


def test_build_writes_both_into_the_project_and_the_seed_page_unchanged(imported, medpages_cli, seed_path):
    result = medpages_cli("build", cwd=imported)
    assert result.exit_code == 0, result.output
    assert "HTML site:" in result.stdout and "Jekyll tree:" in result.stdout
    assert (imported / "site" / "index.html").is_file()
    # The tree has every medicine the site has: the two listed ones as skeletons, not yet written.
    assert sorted(p.relative_to(imported / "jekyll").as_posix() for p in (imported / "jekyll").rglob("*.md")) == [
        "a/ado-trastuzumab-emtansine-160mg.md", "i/ibuprofen-400mg.md", "p/paracetamol-500mg.md"]
    assert (imported / "jekyll" / "a" / "ado-trastuzumab-emtansine-160mg.md").read_bytes() == seed_path.read_bytes()
    skeleton = (imported / "jekyll" / "i" / "ibuprofen-400mg.md").read_text(encoding="utf-8")
    assert "# Ibuprofen 400mg" in skeleton and "**Usage:** _Not yet written._" in skeleton


def _site_medicine_paths(site: Path) -> set[str]:
    return {p.parent.relative_to(site).as_posix() for p in site.glob("*/*/index.html")
            if p.parent.parent.name not in ("static", "search")}


def test_readme_flow_in_a_fresh_project_the_site_and_the_tree_have_the_same_medicines(imported, medpages_cli):
    """README: init, import a list and the seed page, build: both outputs cover the same medicines."""
    result = medpages_cli("build", cwd=imported)
    assert result.exit_code == 0, result.output
    tree = {p.relative_to(imported / "jekyll").with_suffix("").as_posix()
            for p in (imported / "jekyll").rglob("*.md")}
    assert tree == _site_medicine_paths(imported / "site") and len(tree) == 3
    assert "Jekyll tree" in result.stdout and "3 written" in result.stdout
    again = medpages_cli("build", cwd=imported)
    assert "0 written, 3 unchanged" in again.stdout  # skeletons are stable: nothing rewritten


def test_only_reviewed_leaves_the_same_medicines_out_of_both(imported, medpages_cli):
    config = imported / "medpages.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[publish]\nonly_reviewed = true\n", encoding="utf-8")
    result = medpages_cli("build", cwd=imported)
    assert result.exit_code == 0, result.output
    assert not list((imported / "jekyll").rglob("*.md")) and not _site_medicine_paths(imported / "site")
    assert "3 pages left out" in result.stdout


def test_the_tree_is_a_jekyll_site_of_its_own_and_the_publishers_config_is_kept(tmp_path, imported):
    project = Project.find(imported)
    report = build_jekyll(project)
    assert report.not_written == 2 and sorted(report.starter) == ["_config.yml", "_layouts/minimal-medicine.html"]
    assert "layout: minimal-medicine" in (imported / "jekyll" / "_config.yml").read_text(encoding="utf-8")
    (imported / "jekyll" / "_config.yml").write_text("title: Mine\n", encoding="utf-8")
    assert build_jekyll(project).starter == []
    assert (imported / "jekyll" / "_config.yml").read_text(encoding="utf-8") == "title: Mine\n"
    assert build_jekyll(project, tmp_path / "theirs").starter == []  # a folder named: only the pages
    assert not (tmp_path / "theirs" / "_config.yml").exists()


def test_the_stages_report_what_they_wrote_and_each_output_folder_keeps_its_own_record(tmp_path, imported):
    project = Project.find(imported)
    site = build_html_site(project, tmp_path / "one")
    assert site.medicines == 3 and len(site.rendered) == 3
    assert len(build_html_site(project, tmp_path / "two").rendered) == 3  # not "unchanged": another folder
    assert build_html_site(project, tmp_path / "one").rendered == []
    tree = build_jekyll(project, tmp_path / "md")
    assert len(tree.written) == 3 and build_jekyll(project, tmp_path / "md").written == []


def test_serve_before_a_build_says_to_build(project_dir, medpages_cli):
    result = medpages_cli("serve", "--static", cwd=project_dir)
    assert result.exit_code == 1 and "medpages build" in result.errors


def test_build_github_pages_writes_the_workflow_and_says_what_is_not_written(imported, medpages_cli):
    result = medpages_cli("build", "--github-pages", cwd=imported)
    assert result.exit_code == 0, result.output
    workflow = imported / ".github" / "workflows" / "pages.yml"
    assert f"GitHub Pages workflow: {workflow}" in result.stdout and "deploy-pages" in workflow.read_text()
    assert "not yet written: `medpages generate` fills them" in result.stdout
    assert "base_url" in result.stderr  # a project site needs its address for its links
    again = medpages_cli("build", "--github-pages", cwd=imported)
    assert "(unchanged)" in again.stdout
