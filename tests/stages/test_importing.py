"""Import: medicine lists and existing pages into a project, through `medpages import` in process."""

from __future__ import annotations

import shutil

from medpages.project import Project
from medpages.stages import import_paths

EXIT_WARNINGS = 3


def test_a_list_and_a_page_are_imported_and_counted(project_dir, medpages_cli, seed_path):
    shutil.copy(seed_path, project_dir / "seed.md")
    (project_dir / "generics.txt").write_text("Paracetamol 500mg\nIbuprofen 400mg\n", encoding="utf-8")
    result = medpages_cli("import", "generics.txt", "seed.md", cwd=project_dir)
    assert result.exit_code == 0, result.output
    assert "Imported 2 catalogue entries; 1 page saved, 0 unchanged." in result.stdout  # the list's two; the page brings its own
    again = medpages_cli("import", "generics.txt", "seed.md", cwd=project_dir)
    assert "0 pages saved, 1 unchanged." in again.stdout
    with Project.find(project_dir).store() as store:
        assert [medicine.slug for medicine, _ in store.iter_pages()] == [
            "ado-trastuzumab-emtansine-160mg", "ibuprofen-400mg", "paracetamol-500mg"]


def test_hostile_list_imports_the_good_lines_and_names_every_bad_one(project_dir, medpages_cli):
    lines = [
        b"Paracetamol 500mg",
        b"",
        b"!!!",
        b"x" * 10_000,
        b"Ibuprofen\x07 400mg",
        b"../../etc/passwd",
        b"PARACETAMOL   500MG",
        b"\xd9\x85\xd9\x8a\xd8\xaa\xd9\x81\xd9\x88\xd8\xb1\xd9\x85\xd9\x8a\xd9\x86 500mg",  # Arabic, right to left
        b"Amoxicillin \xff\xfe 250mg",
        b"Amoxicillin, Clavulanic Acid 625mg",
    ]
    (project_dir / "generics.txt").write_bytes(b"\n".join(lines))
    result = medpages_cli("import", "generics.txt", cwd=project_dir)
    assert result.exit_code == EXIT_WARNINGS, result.output
    for number in (3, 4, 5, 9):
        assert f":{number}:" in result.stderr or f"line {number}" in result.stderr, (number, result.stderr)
    assert medpages_cli("build", "--jekyll", "jekyll", cwd=project_dir).exit_code == 0
    # No pages yet: each medicine the list gave goes out as a page marked not yet written, as on the site.
    pages = sorted((project_dir / "jekyll").rglob("*.md"))
    assert pages and all("_Not yet written._" in page.read_text(encoding="utf-8") for page in pages)
    assert not (project_dir.parent / "etc").exists()


def test_imported_tree_exports_back_with_no_diff(tmp_path, project_dir, medpages_cli, seed_path):
    tree = tmp_path / "site"
    (tree / "a").mkdir(parents=True)
    (tree / "m").mkdir()
    shutil.copy(seed_path, tree / "a" / "ado-trastuzumab-emtansine-160mg.md")
    (tree / "m" / "metformin-500mg.md").write_bytes(
        b"\xef\xbb\xbf---\r\nlayout: minimal-medicine\r\ntitle: Metformin 500mg\r\n---\r\n\r\n# Metformin 500mg\r\n\r\n"
        b"## Usage\r\n\r\n- Type 2 diabetes\r\n\r\n## Side Effects\r\n\r\n1. Nausea\r\n")
    (tree / "m" / "broken.md").write_bytes(b"---\ntitle: x\n---\n\xff\xfe")
    (tree / "index.md").write_text("---\nlayout: home\n---\nWelcome")
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    result = medpages_cli("import", tree, cwd=project_dir)
    assert result.exit_code == EXIT_WARNINGS
    assert "m/broken.md" in result.stderr and "UTF-8" in result.stderr
    assert medpages_cli("build", "--jekyll", tree, cwd=project_dir).exit_code == 0
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()} == before


def test_the_stage_reports_what_it_did_without_the_cli(project_dir):
    (project_dir / "generics.csv").write_text("name\nAtorvastatin 20mg\nAtorvastatin 20mg\n!!!\n", encoding="utf-8")
    report = import_paths(Project.find(project_dir), [project_dir / "generics.csv"])
    assert (report.medicines, report.pages_saved, report.failures) == (1, 0, [])
    assert [line.split("generics.csv")[1] for line in report.rejected] == [
        ":4: no letters or digits, only punctuation or symbols ('!!!')"]
    assert len(report.notices) == 1 and "already listed" in report.notices[0] and "merged" in report.notices[0]


def test_import_outside_a_project_says_to_run_init(tmp_path, medpages_cli):
    (tmp_path / "generics.txt").write_text("Paracetamol 500mg\n", encoding="utf-8")
    result = medpages_cli("import", "generics.txt", cwd=tmp_path)
    assert result.exit_code == 1 and "medpages init" in result.errors


def _page_text(title: str, usage: str = "Pain", heading: bool = True) -> str:
    body = f"# {title}\n\n" if heading else ""
    return f"---\nlayout: minimal-medicine\ntitle: {title}\n---\n\n{body}## Usage\n\n- {usage}\n"


def test_a_tree_larger_than_a_batch_counts_each_page_as_imported_one_at_a_time(tmp_path, project_dir, monkeypatch):
    """Pages go to the store in batches: counts, revisions and findings are those of one page at a time."""
    from medpages.stages import importing

    monkeypatch.setattr(importing, "PAGES_PER_BATCH", 3)  # a/shared.md and b/shared.md in one batch
    tree = tmp_path / "site"
    for folder in "abz":
        (tree / folder).mkdir(parents=True)
    (tree / "a" / "aspirin-75mg.md").write_text(_page_text("Aspirin 75mg"))
    (tree / "a" / "shared.md").write_text(_page_text("Shared 1mg", heading=False))  # a finding: no heading
    (tree / "b" / "shared.md").write_text(_page_text("Shared 1mg", usage="Fever"))  # same slug, other letter
    (tree / "b" / "bad.md").write_bytes(b"---\ntitle: Bad\n---\n\xff")
    (tree / "z" / "zinc-10mg.md").write_text(_page_text("Zinc 10mg", heading=False))
    project = Project.find(project_dir)

    first = import_paths(project, [tree])
    assert (first.pages_saved, first.pages_unchanged, len(first.raw_kept)) == (4, 0, 1)
    (tree / "z" / "zinc-10mg.md").write_text(_page_text("Zinc 10mg", usage="Colds"))  # now with its heading
    second = import_paths(project, [tree])
    # a/shared.md and b/shared.md take turns as the page of `shared`: each import saves both again.
    assert (second.pages_saved, second.pages_unchanged) == (3, 1)

    with project.store() as store:
        assert [len(store.revisions(slug)) for slug in ("aspirin-75mg", "shared", "zinc-10mg")] == [1, 4, 2]
        assert store.get_medicine("shared").letter == "b"
        assert store.get_page("shared").usage.items[0].text == "Fever"
        # The findings are the current revision's: b/shared.md has its heading, zinc now too.
        codes = {slug: {finding.code for finding in store.findings(slug)} for slug in ("shared", "zinc-10mg")}
        assert "parse.title_heading_missing" not in codes["shared"] | codes["zinc-10mg"]
        assert codes["shared"] and codes["zinc-10mg"]  # the missing sections are still found


def test_brands_a_later_duplicate_lists_reach_medicines_already_stored(project_dir, monkeypatch):
    """A duplicate past the list's first batch of medicines adds its names to the stored medicine."""
    from medpages.stages import importing

    monkeypatch.setattr(importing, "ADDITIONS_PER_BATCH", 2)
    rows = ["name,brands,synonyms"] + [f"Medicine{number} {number}mg,," for number in range(1, 2101)]
    rows += ["MEDICINE1 1MG,Firstbrand,First synonym", "Medicine2 2mg,Secondbrand;Otherbrand,",
             "Medicine3 3mg,Thirdbrand,", "Medicine2100 2100mg,Lastbrand,"]  # 2100 is still in the last batch
    (project_dir / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    project = Project.find(project_dir)

    report = import_paths(project, [project_dir / "list.csv"])

    assert report.medicines == 2100 and len(report.notices) == 4
    with project.store() as store:
        first, second, third, last = (store.get_medicine(slug) for slug in (
            "medicine1-1mg", "medicine2-2mg", "medicine3-3mg", "medicine2100-2100mg"))
    assert (first.brands, first.synonyms) == (["Firstbrand"], ["First synonym"])
    assert second.brands == ["Secondbrand", "Otherbrand"] and third.brands == ["Thirdbrand"]
    assert last.brands == ["Lastbrand"]
