"""A hostile Jekyll tree: each bad file is reported with its path and reason, every good page is imported.

Deep folders, dangling links, link loops, links out of the tree, names that are not UTF-8,
named pipes and /dev/zero posing as pages, a YAML alias bomb in front matter, a deeply nested
JSON list, a page that is not UTF-8 (kept byte for byte), a 100 MB page (refused for its size)
and a single page starting with a blank line. Driven through `import_paths`, as `medpages import`.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from medpages.catalog.seed_reader import parse_seed_markdown_with_findings
from medpages.project import Project
from medpages.stages.importing import import_paths

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symbolic links, named pipes and /dev/zero")

DEPTH = 1_100
NOT_UTF8_NAME = b"iron-\xff.md".decode("utf-8", "surrogateescape")
# Nine references to nine references ... nine levels deep: 387 million strings once expanded.
ALIAS_BOMB = "".join(
    [f"a: &a [{','.join(['lol'] * 9)}]\n"]
    + [f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n" for previous, name in zip("abcdefgh", "bcdefghi")]
)


def page(title: str, usage: str = "Pain") -> str:
    return f"---\nlayout: minimal-medicine\ntitle: {title}\n---\n\n# {title}\n\n## Usage\n\n- {usage}\n"


@pytest.fixture(autouse=True)
def no_hang():
    """A read that blocks (a named pipe) fails the test instead of hanging the suite."""
    def stop(signum, frame):
        raise TimeoutError("the import blocked for 120 s")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def project(tmp_path) -> Project:
    return Project.init(tmp_path / "project")


@pytest.fixture
def tree(tmp_path):
    """A site with two good pages; the test adds its hostile files beside them."""
    root = tmp_path / "site"
    (root / "a").mkdir(parents=True)
    (root / "z").mkdir()
    (root / "a" / "aspirin-75mg.md").write_text(page("Aspirin 75mg"))
    (root / "z" / "zinc-10mg.md").write_text(page("Zinc 10mg"))
    yield root
    _remove_deep_folders(root)


def _remove_deep_folders(root: Path) -> None:
    """Python 3.11's shutil.rmtree (and so pytest's clean-up) recurses: remove deep chains first, bottom up."""
    deep = root / "deep"
    if not deep.is_dir() or deep.is_symlink():
        return
    chain = [deep]
    while (chain[-1] / "d").is_dir():
        chain.append(chain[-1] / "d")
    for folder in reversed(chain):
        for child in os.scandir(folder):
            if not child.is_dir(follow_symlinks=False):
                os.unlink(child.path)
        os.rmdir(folder)


def _deep_folders(root: Path, depth: int, page_text: str) -> None:
    """`deep/d/d/.../d/page.md`, made through directory descriptors (no path gets long on the way)."""
    (root / "deep").mkdir()
    descriptor = os.open(root / "deep", os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=descriptor)
            inner = os.open("d", os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        with os.fdopen(os.open("bottom-page.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor), "w") as out:
            out.write(page_text)
    finally:
        os.close(descriptor)


def _pages(project: Project) -> dict[str, str]:
    with project.store() as store:
        return {medicine.title: medicine.slug for medicine, page_ in store.iter_pages() if page_ is not None}


def _reported(report, name: str) -> str:
    """The one failure or raw-kept line about the file `name` (a path relative to the tree, or a list's name)."""
    lines = [line for line in report.failures + report.raw_kept if line.startswith(f"{name}:") or f"/{name}:" in line]
    assert len(lines) == 1, (name, report.failures, report.raw_kept)
    return lines[0]


def test_a_tree_1100_folders_deep_is_walked_without_recursion(project, tree):
    _deep_folders(tree, DEPTH, page("Magnesium 250mg"))
    report = import_paths(project, [tree])
    assert set(_pages(project)) == {"Aspirin 75mg", "Zinc 10mg", "Magnesium 250mg"}
    assert report.failures == [] and report.raw_kept == []


def test_dangling_links_and_link_loops_are_reported_and_the_rest_imported(project, tree):
    os.symlink(tree / "a" / "nothing-here.md", tree / "a" / "dangling.md")
    os.symlink("loop-2.md", tree / "a" / "loop-1.md")
    os.symlink("loop-1.md", tree / "a" / "loop-2.md")
    os.symlink("..", tree / "a" / "up")  # a folder linking to its parent: walked once, through its real path
    report = import_paths(project, [tree])
    assert set(_pages(project)) == {"Aspirin 75mg", "Zinc 10mg"}
    assert "link to nothing" in _reported(report, "a/dangling.md")
    assert "loop" in _reported(report, "a/loop-1.md") and "loop" in _reported(report, "a/loop-2.md")
    assert report.pages_saved == 2


def test_a_file_name_that_is_not_utf8_is_imported_under_a_readable_name(project, tree):
    (tree / "a" / NOT_UTF8_NAME).write_text(page("Iron 5mg"))
    report = import_paths(project, [tree])
    assert set(_pages(project)) == {"Aspirin 75mg", "Zinc 10mg", "Iron 5mg"}
    assert report.failures == [] and report.raw_kept == []
    with project.store() as store:
        assert store.revisions("iron-5mg")[-1].author == "import:a/iron-\\xff.md"


@pytest.mark.parametrize("kind", ["named pipe", "link to /dev/zero"])
def test_files_that_are_not_regular_files_are_reported_not_read(project, tree, kind):
    if kind == "named pipe":
        os.mkfifo(tree / "a" / "pipe.md")
    else:
        os.symlink("/dev/zero", tree / "a" / "pipe.md")
    report = import_paths(project, [tree])
    assert set(_pages(project)) == {"Aspirin 75mg", "Zinc 10mg"}
    assert "not a regular file" in _reported(report, "a/pipe.md")


def test_a_yaml_alias_bomb_in_front_matter_is_refused_not_expanded(project, tree):
    assert len(ALIAS_BOMB) < 400
    (tree / "a" / "bomb.md").write_text("---\ntitle: Bomb 1mg\n" + ALIAS_BOMB + "---\n\nNo heading.\n")
    report = import_paths(project, [tree])
    assert set(_pages(project)) == {"Aspirin 75mg", "Zinc 10mg"}
    assert "alias" in _reported(report, "a/bomb.md")


def test_page_parse_refuses_yaml_aliases_too():
    page_, findings = parse_seed_markdown_with_findings(
        "---\ntitle: Bomb 1mg\n" + ALIAS_BOMB + "---\n\n# Bomb 1mg\n\n## Usage\n\n- Pain\n")
    assert page_.title == "Bomb 1mg"  # from the heading; the front matter is kept as text
    assert any("alias" in finding.message for finding in findings)


def test_a_json_list_nested_60000_deep_is_reported_and_the_other_list_imported(project, tmp_path):
    (tmp_path / "deep.json").write_text('["Ibuprofen 200mg", ' + "[" * 60_000 + "]" * 60_000 + "]")
    (tmp_path / "generics.txt").write_text("Paracetamol 500mg\n")
    report = import_paths(project, [tmp_path / "deep.json", tmp_path / "generics.txt"])
    assert report.medicines == 2  # Ibuprofen, before the deep item, and Paracetamol
    [failure] = report.failures
    assert "deep.json" in failure and "nested" in failure


def test_links_out_of_the_imported_folder_are_not_followed(project, tree, tmp_path):
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "secret-1mg.md").write_text(page("Secret 1mg"))
    os.symlink(tmp_path / "private" / "secret-1mg.md", tree / "a" / "secret-1mg.md")
    os.symlink(tmp_path / "private", tree / "p")
    os.symlink(tree / "z" / "zinc-10mg.md", tree / "a" / "zinc-again.md")  # inside the tree: read
    report = import_paths(project, [tree])
    assert "Secret 1mg" not in _pages(project)
    assert "out of the imported folder" in _reported(report, "a/secret-1mg.md")
    assert "out of the imported folder" in _reported(report, "p")


def test_a_page_that_is_not_utf8_is_kept_as_its_exact_bytes(project, tree):
    broken = b"---\ntitle: Broken 1mg\n---\n\n# Broken \xff\xfe 1mg\r\n\x80 caf\xe9\n"
    (tree / "a" / "broken.md").write_bytes(broken)
    report = import_paths(project, [tree])
    assert "UTF-8" in _reported(report, "a/broken.md")
    with project.store() as store:
        [kept] = [document for document in store.raw_documents() if document.path.endswith("broken.md")]
    assert bytes(kept.content) == broken


def test_a_100_mb_page_is_refused_for_its_size_and_said_so(project, tree):
    with open(tree / "a" / "huge.md", "wb") as huge:
        huge.truncate(100_000_000)  # sparse: no disk used
    report = import_paths(project, [tree])
    line = _reported(report, "a/huge.md")
    assert "100,000,000 bytes" in line and "refused" in line
    assert line in report.failures and not any("huge.md" in kept for kept in report.raw_kept)
    with project.store() as store:
        assert not any(document.path.endswith("huge.md") for document in store.raw_documents())
    assert set(_pages(project)) == {"Aspirin 75mg", "Zinc 10mg"}


def test_a_single_md_page_starting_with_a_blank_line_is_a_page_not_a_list(project, tmp_path):
    (tmp_path / "aspirin.md").write_text("\n" + page("Aspirin 75mg"))
    report = import_paths(project, [tmp_path / "aspirin.md"])
    assert (report.medicines, report.pages_saved) == (0, 1)
    assert set(_pages(project)) == {"Aspirin 75mg"}
    with project.store() as store:
        assert [medicine.title for medicine in store.iter_medicines()] == ["Aspirin 75mg"]


def test_every_hostile_case_at_once_beside_good_pages(project, tree, tmp_path):
    _deep_folders(tree, DEPTH, page("Magnesium 250mg"))
    os.symlink(tree / "a" / "nothing-here.md", tree / "a" / "dangling.md")
    os.symlink("loop-2.md", tree / "a" / "loop-1.md")
    os.symlink("loop-1.md", tree / "a" / "loop-2.md")
    os.symlink("..", tree / "a" / "up")
    (tree / "a" / NOT_UTF8_NAME).write_text(page("Iron 5mg"))
    os.mkfifo(tree / "a" / "pipe.md")
    os.symlink("/dev/zero", tree / "a" / "zero.md")
    (tree / "b").mkdir()
    (tree / "b" / "bomb.md").write_text("---\ntitle: Bomb 1mg\n" + ALIAS_BOMB + "---\n\nNo heading.\n")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "secret-1mg.md").write_text(page("Secret 1mg"))
    os.symlink(tmp_path / "private" / "secret-1mg.md", tree / "a" / "secret-1mg.md")
    broken = b"---\ntitle: Broken 1mg\n---\n\n# Broken \xff 1mg\n"
    (tree / "b" / "broken.md").write_bytes(broken)
    with open(tree / "b" / "huge.md", "wb") as huge:
        huge.truncate(100_000_000)
    (tree / "c").mkdir()
    (tree / "c" / "cetirizine-10mg.md").write_text(page("Cetirizine 10mg"))
    (tmp_path / "deep.json").write_text("[" * 60_000 + "]" * 60_000)
    (tmp_path / "generics.txt").write_text("Paracetamol 500mg\n")
    (tmp_path / "single.md").write_text("\n" + page("Loratadine 10mg"))

    report = import_paths(project, [tree, tmp_path / "deep.json", tmp_path / "generics.txt", tmp_path / "single.md"])

    assert set(_pages(project)) == {"Aspirin 75mg", "Zinc 10mg", "Magnesium 250mg", "Iron 5mg", "Cetirizine 10mg",
                                    "Loratadine 10mg"}
    assert report.medicines == 1  # Paracetamol, from the list
    assert "link to nothing" in _reported(report, "a/dangling.md")
    assert "loop" in _reported(report, "a/loop-1.md")
    assert "not a regular file" in _reported(report, "a/pipe.md")
    assert "not a regular file" in _reported(report, "a/zero.md")
    assert "alias" in _reported(report, "b/bomb.md")
    assert "out of the imported folder" in _reported(report, "a/secret-1mg.md")
    assert "UTF-8" in _reported(report, "b/broken.md")
    assert "refused" in _reported(report, "b/huge.md")
    assert "nested" in _reported(report, "deep.json")
    with project.store() as store:
        kept = {Path(document.path).name: bytes(document.content) for document in store.raw_documents()}
    assert kept == {"broken.md": broken, "bomb.md": (tree / "b" / "bomb.md").read_bytes()}
