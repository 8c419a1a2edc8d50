"""Incremental `medpages build`: after each kind of change, the site and the Jekyll tree are what a
build into fresh folders writes, and a build with nothing to do reads no page and writes no file.

Each test changes a real project (a real SQLite store) and then compares the project's folders, built
incrementally, with two folders built from nothing (`--out`, `--jekyll`: each folder has a manifest of
its own, so those are cold builds). The full-text index's files are laid out differently after
incremental builds (a delta beside the main index, see docs/site.md); every other file must be
byte-identical.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medpages.model import Medicine, TextSection
from medpages.project import Project
from medpages.stages.building import _key

SEED = "ado-trastuzumab-emtansine-160mg"


@pytest.fixture
def project_dir(tmp_path, medpages_cli) -> Path:
    assert medpages_cli("init", "proj", cwd=tmp_path).exit_code == 0
    return tmp_path / "proj"


@pytest.fixture
def built(project_dir, medpages_cli, seed_path):
    """A project with the seed page, two listed medicines (one drafted), built once."""
    shutil.copy(seed_path, project_dir / "seed.md")
    (project_dir / "generics.txt").write_text("Paracetamol 500mg\nIbuprofen 400mg\nAspirin 75mg\n", encoding="utf-8")
    assert medpages_cli("import", "generics.txt", "seed.md", cwd=project_dir).exit_code == 0
    store = Project.find(project_dir).store()
    seed = store.get_page(SEED)
    store.save_page("ibuprofen-400mg", seed.model_copy(update={"title": "Ibuprofen 400mg", "original": None,
                                                              "usage": TextSection(lead="Ibuprofen draft.")}),
                    author="model:test", kind="model")
    result = medpages_cli("build", cwd=project_dir)
    assert result.exit_code == 0, result.output
    return project_dir


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith("search/ft/")}


def build_and_compare(project_dir: Path, medpages_cli, tmp_path: Path, name: str = "cold") -> str:
    """`medpages build` in the project, then a cold build of both into fresh folders: the same files."""
    result = medpages_cli("build", cwd=project_dir)
    assert result.exit_code == 0, result.output
    cold = medpages_cli("build", "--out", tmp_path / f"{name}-site", "--jekyll", tmp_path / f"{name}-tree",
                        cwd=project_dir)
    assert cold.exit_code == 0, cold.output
    site, cold_site = files(project_dir / "site"), files(tmp_path / f"{name}-site")
    assert site.keys() == cold_site.keys()
    assert [path for path in site if site[path] != cold_site[path]] == []
    tree = {path: data for path, data in files(project_dir / "jekyll").items() if not path.startswith("_")}
    assert tree == files(tmp_path / f"{name}-tree")
    return result.stdout


def test_nothing_changed_reads_no_page_and_writes_nothing(built, medpages_cli, monkeypatch):
    from medpages.store import Store

    reads: list[str] = []
    for method in ("iter_pages", "get_page", "get_medicine", "build_sources", "built_pages", "stable_revision"):
        real = getattr(Store, method)

        def spy(self, *args, _real=real, _name=method, **kwargs):  # the real store answers; the test counts
            reads.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Store, method, spy)
    before = {p: p.stat().st_mtime_ns for p in (built / "site").rglob("*")} | \
        {p: p.stat().st_mtime_ns for p in (built / "jekyll").rglob("*")}
    result = medpages_cli("build", cwd=built)
    assert result.exit_code == 0, result.output
    assert reads == []
    assert "4 medicine pages; 0 rendered, 0 files written" in result.stdout
    assert "Jekyll tree" in result.stdout and "0 written, 4 unchanged, 0 removed" in result.stdout
    after = {p: p.stat().st_mtime_ns for p in (built / "site").rglob("*")} | \
        {p: p.stat().st_mtime_ns for p in (built / "jekyll").rglob("*")}
    assert after == before


def test_one_page_edited_reads_and_renders_only_it(built, medpages_cli, tmp_path, monkeypatch):
    store = Project.find(built).store()
    page = store.get_page("ibuprofen-400mg")
    store.save_page("ibuprofen-400mg", page.model_copy(update={"usage": TextSection(lead="Edited usage.")}),
                    author="contributor:Jane", kind="contributor")
    from medpages.publish.site import views
    from medpages.publish.site.search_index import NameRecord
    from medpages.store import Store

    read: list[object] = []
    real = Store.build_sources
    monkeypatch.setattr(Store, "build_sources",
                        lambda self, ids=None, **options: read.append(ids) or real(self, ids, **options))
    # The medicine did not change: the names the drug dictionary gave it are the manifest's.
    dictionary: list[str] = []
    names, record = views.reader_names, NameRecord.of
    monkeypatch.setattr(views, "reader_names", lambda medicine: dictionary.append("reader") or names(medicine))
    monkeypatch.setattr(NameRecord, "of", lambda medicine, empty=False: dictionary.append("record") or record(
        medicine, empty))
    result = medpages_cli("build", cwd=built)
    assert result.exit_code == 0, result.output
    assert "4 medicine pages; 1 rendered" in result.stdout
    assert "Jekyll tree" in result.stdout and "1 written, 3 unchanged" in result.stdout
    assert len(read) == 2 and all(ids is not None and len(ids) == 1 for ids in read)  # the site's and the tree's
    assert dictionary == []
    assert "Edited usage." in (built / "site/i/ibuprofen-400mg/index.html").read_text(encoding="utf-8")
    monkeypatch.undo()
    build_and_compare(built, medpages_cli, tmp_path)


def test_medicine_added_and_removed(built, medpages_cli, tmp_path):
    store = Project.find(built).store()
    store.upsert_medicine(Medicine(title="Zopiclone 7.5mg", slug="zopiclone-7-5mg", letter="z"))
    out = build_and_compare(built, medpages_cli, tmp_path, "added")
    assert "5 medicine pages; 1 rendered" in out
    assert (built / "site/z/zopiclone-7-5mg/index.html").is_file() and (built / "jekyll/z/zopiclone-7-5mg.md").is_file()

    # No store method removes a medicine yet; one without a page can go with SQL, behind the store's back.
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM medicines WHERE slug IN ('zopiclone-7-5mg', 'aspirin-75mg')")
    out = build_and_compare(built, medpages_cli, tmp_path, "removed")
    assert "3 medicine pages; 0 rendered" in out and "2 removed" in out
    assert not (built / "site/z").exists() and not (built / "jekyll/z/zopiclone-7-5mg.md").exists()
    assert "zopiclone" not in (built / "site/sitemap.xml").read_text(encoding="utf-8")


def test_title_changed_moves_the_page_to_another_letter(built, medpages_cli, tmp_path):
    store = Project.find(built).store()
    aspirin = store.get_medicine("aspirin-75mg")
    store.upsert_medicine(aspirin.model_copy(update={"title": "Bayer aspirin 75mg", "letter": "b"}))
    out = build_and_compare(built, medpages_cli, tmp_path)
    assert "1 rendered" in out
    assert (built / "site/b/aspirin-75mg/index.html").is_file() and not (built / "site/a/aspirin-75mg").exists()
    assert "Bayer aspirin" in (built / "site/b/index.html").read_text(encoding="utf-8")
    assert (built / "jekyll/b/aspirin-75mg.md").is_file() and not (built / "jekyll/a/aspirin-75mg.md").exists()


def test_reviewed_then_a_newer_draft_keeps_the_reviewed_revision_out(built, medpages_cli, tmp_path):
    store = Project.find(built).store()
    pharmacist = store.add_user("pharmacist", "reviewer", "not-a-real-hash")
    page = store.get_page(SEED)
    reviewed = page.model_copy(update={"usage": TextSection(lead="Reviewed text."), "status": "reviewed"})
    store.save_revision(SEED, reviewed, expected_revision=store.current_revision(SEED), author="pharmacist",
                        kind="contributor", message="reviewed", review_by=pharmacist.id)
    out = build_and_compare(built, medpages_cli, tmp_path, "reviewed")
    assert "1 rendered" in out
    store.save_page(SEED, reviewed.model_copy(update={"usage": TextSection(lead="Newer draft."), "status": "draft"}),
                    author="someone", kind="contributor")
    out = build_and_compare(built, medpages_cli, tmp_path, "drafted")
    assert "1 page published at their newest reviewed revision" in out
    html = (built / "site/a" / SEED / "index.html").read_text(encoding="utf-8")
    assert "Reviewed text." in html and "Newer draft." not in html


def test_only_reviewed_toggled_and_a_site_setting_changed(built, medpages_cli, tmp_path):
    config = built / "medpages.toml"
    original = config.read_text(encoding="utf-8")
    config.write_text(original + "\n[publish]\nonly_reviewed = true\n", encoding="utf-8")
    out = build_and_compare(built, medpages_cli, tmp_path, "only")
    assert "4 pages left out" in out and "0 medicine pages" in out
    config.write_text(original, encoding="utf-8")
    out = build_and_compare(built, medpages_cli, tmp_path, "all")
    assert "4 medicine pages; 4 rendered" in out
    config.write_text(original.replace('name = "Medicine information"', 'name = "Our medicines"'), encoding="utf-8")
    out = build_and_compare(built, medpages_cli, tmp_path, "named")
    assert "4 medicine pages; 4 rendered" in out
    assert "Our medicines" in (built / "site/index.html").read_text(encoding="utf-8")


def test_template_version_changed_renders_every_page(built, medpages_cli, tmp_path, monkeypatch):
    from medpages.publish.site import state

    monkeypatch.setattr(state, "template_version", lambda: "a-newer-medpages")
    out = build_and_compare(built, medpages_cli, tmp_path)
    assert "4 medicine pages; 4 rendered" in out


def test_a_new_medpages_writes_its_name_index_again_though_no_name_changed(built, medpages_cli, monkeypatch):
    """The name index is remade from the names only when they change, or when the code that lays it
    out does (a medpages upgrade): an upgraded site must not keep the old layout."""
    from medpages.publish.site import search_index, state

    laid_out = search_index.name_shards
    monkeypatch.setattr(search_index, "name_shards",
                        lambda records: {**laid_out(records), "search/names/new-layout.json": b"{}"})
    assert medpages_cli("build", cwd=built).exit_code == 0
    assert not (built / "site/search/names/new-layout.json").exists()  # the same code: the names kept
    monkeypatch.setattr(state, "template_version", lambda: "a-newer-medpages")
    assert medpages_cli("build", cwd=built).exit_code == 0
    assert (built / "site/search/names/new-layout.json").is_file()


def test_files_deleted_by_hand_are_written_again(built, medpages_cli, tmp_path):
    shutil.rmtree(built / "site/i/ibuprofen-400mg")
    (built / "site/a/index.html").unlink()
    (built / "jekyll/p/paracetamol-500mg.md").unlink()
    out = build_and_compare(built, medpages_cli, tmp_path, "deleted")
    assert "1 rendered" in out
    assert (built / "site/i/ibuprofen-400mg/index.html").is_file() and (built / "site/a/index.html").is_file()
    assert (built / "jekyll/p/paracetamol-500mg.md").is_file()
    shutil.rmtree(built / "site")
    out = build_and_compare(built, medpages_cli, tmp_path, "site-gone")
    assert "4 medicine pages; 4 rendered" in out


def test_a_lost_manifest_means_a_full_build(built, medpages_cli, tmp_path):
    project = Project.find(built)
    shutil.rmtree(project.state_dir / "sites")  # the site's state folder
    (built / "site/p/paracetamol-500mg/index.html").write_text("stale", encoding="utf-8")
    build_and_compare(built, medpages_cli, tmp_path, "state-gone")
    store = project.store()
    store.forget_build(f"site:{_key(project.site_dir.resolve())}")
    store.forget_build(f"jekyll:{_key(project.jekyll_dir.resolve())}")
    (built / "jekyll/i/ibuprofen-400mg.md").write_text("stale", encoding="utf-8")
    out = build_and_compare(built, medpages_cli, tmp_path, "forgotten")
    assert "4 medicine pages" in out


def test_each_output_folder_keeps_its_own_manifest(built, medpages_cli, tmp_path):
    other = tmp_path / "other"
    first = medpages_cli("build", "--out", other, cwd=built)
    assert "4 rendered" in first.stdout
    again = medpages_cli("build", "--out", other, cwd=built)
    assert "0 rendered, 0 files written" in again.stdout
    project = medpages_cli("build", cwd=built)
    assert "0 rendered, 0 files written" in project.stdout


def test_full_repairs_what_the_cheap_check_does_not_see(built, medpages_cli, tmp_path):
    """A page's index.html deleted with its folder left, a Markdown file edited in place: the folder
    listings are unchanged, so a build trusts its manifest; `--full` reads and checks everything."""
    (built / "site/i/ibuprofen-400mg/index.html").unlink()
    (built / "jekyll/i/ibuprofen-400mg.md").write_text("edited in place", encoding="utf-8")
    trusting = medpages_cli("build", cwd=built)
    assert "0 rendered" in trusting.stdout and not (built / "site/i/ibuprofen-400mg/index.html").exists()
    full = medpages_cli("build", "--full", cwd=built)
    assert full.exit_code == 0, full.output
    assert "1 rendered" in full.stdout and "1 written, 3 unchanged" in full.stdout
    build_and_compare(built, medpages_cli, tmp_path)
