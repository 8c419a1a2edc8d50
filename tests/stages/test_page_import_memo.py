"""Importing a tree again: unchanged files are counted without being parsed, anything else is read
again exactly as the first time; and the worker processes read a tree as this process would.

Run on SQLite, and on PostgreSQL when MEDPAGES_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medpages.project import Project
from medpages.stages import import_memo, importing
from medpages.stages.import_memo import MEMO_NAME
from medpages.stages.importing import import_paths

from postgres_schema import postgres_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def project(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch) -> Iterator[Project]:
    monkeypatch.delenv("MEDPAGES_DATABASE_URL", raising=False)
    folder = tmp_path / "project"
    folder.mkdir()

    def made(url: str) -> Project:
        (folder / "medpages.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        return Project.init(folder)

    if request.param == "sqlite":
        opened = made("sqlite:///medpages.sqlite3")
        yield opened
        opened.store().close()
        return
    with postgres_schema("page imports", prefix="medpages_import") as url:
        opened = made(url)
        yield opened
        opened.store().close()


def _page(title: str, usage: str = "Pain", heading: bool = True) -> str:
    body = f"# {title}\n\n" if heading else ""
    return f"---\nlayout: minimal-medicine\ntitle: {title}\n---\n\n{body}## Usage\n\n- {usage}\n"


def _tree(root: Path, pages: dict[str, str | bytes]) -> Path:
    for name, content in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


class _Parses:
    """Counts the files an import parses (`parse_page_file` itself still does the work)."""

    def __init__(self, monkeypatch) -> None:
        self.files: list[str] = []
        parse = importing.parse_page_file

        def counting(loaded):
            self.files.append(loaded.relative)
            return parse(loaded)

        monkeypatch.setattr(importing, "parse_page_file", counting)


PAGES = {
    "a/aspirin-75mg.md": _page("Aspirin 75mg"),
    "i/ibuprofen-200mg.md": _page("Ibuprofen 200mg", heading=False),
    "p/paracetamol-500mg.md": _page("Paracetamol 500mg", usage="Fever"),
    "m/broken.md": b"---\ntitle: Broken\n---\n\xff",
}


def test_an_unchanged_tree_is_counted_unchanged_without_parsing_a_page(project, tmp_path, monkeypatch):
    tree = _tree(tmp_path / "site", PAGES)
    first = import_paths(project, [tree])
    assert (first.pages_saved, first.pages_unchanged, len(first.raw_kept)) == (3, 0, 1)
    assert (project.state_dir / MEMO_NAME).is_file()

    parses = _Parses(monkeypatch)
    second = import_paths(project, [tree])
    assert (second.pages_saved, second.pages_unchanged) == (0, 3)
    assert second.raw_kept == first.raw_kept  # a file kept raw is read (and reported) every time
    assert parses.files == ["m/broken.md"]
    with project.store() as store:
        assert [len(store.revisions(slug)) for slug in ("aspirin-75mg", "ibuprofen-200mg")] == [1, 1]
        assert {finding.code for finding in store.findings("ibuprofen-200mg")} >= {"parse.title_heading_missing"}


def test_a_file_changed_by_one_byte_is_read_again_and_saved_as_a_new_revision(project, tmp_path, monkeypatch):
    tree = _tree(tmp_path / "site", PAGES)
    import_paths(project, [tree])
    changed = tree / "p" / "paracetamol-500mg.md"
    changed.write_bytes(changed.read_bytes().replace(b"Fever", b"Fevers"))

    parses = _Parses(monkeypatch)
    report = import_paths(project, [tree])
    assert (report.pages_saved, report.pages_unchanged) == (1, 2)
    assert sorted(parses.files) == ["m/broken.md", "p/paracetamol-500mg.md"]
    with project.store() as store:
        assert len(store.revisions("paracetamol-500mg")) == 2
        assert store.get_page("paracetamol-500mg").usage.items[0].text == "Fevers"
        assert store.get_page("paracetamol-500mg").original.text == changed.read_text("utf-8")


def test_a_page_edited_in_the_store_since_the_import_is_not_skipped(project, tmp_path, monkeypatch):
    """The memo vouches for a file only while the store has the page its import made: a page edited
    since (in the web app) is imported again, as it always was, whether or not its file changed."""
    tree = _tree(tmp_path / "site", PAGES)
    import_paths(project, [tree])
    with project.store() as store:
        for slug in ("aspirin-75mg", "paracetamol-500mg"):
            edited = store.get_page(slug)
            edited.usage.lead = "Edited by a contributor."
            store.save_page(slug, edited, author="contributor:Jane", kind="contributor")
    changed = tree / "p" / "paracetamol-500mg.md"
    changed.write_text(_page("Paracetamol 500mg", usage="Headache"), encoding="utf-8")

    parses = _Parses(monkeypatch)
    report = import_paths(project, [tree])
    assert (report.pages_saved, report.pages_unchanged) == (2, 1)
    assert sorted(parses.files) == ["a/aspirin-75mg.md", "m/broken.md", "p/paracetamol-500mg.md"]
    with project.store() as store:
        assert [len(store.revisions(slug)) for slug in ("aspirin-75mg", "paracetamol-500mg")] == [3, 3]
        assert store.get_page("aspirin-75mg").usage.lead == ""  # the file's page again, as before the memo
        assert store.get_page("paracetamol-500mg").usage.items[0].text == "Headache"


def test_a_medicine_changed_in_the_store_is_written_again_from_its_file(project, tmp_path, monkeypatch):
    tree = _tree(tmp_path / "site", PAGES)
    import_paths(project, [tree])
    with project.store() as store:
        imported = store.get_medicine("aspirin-75mg")
        store.upsert_medicine(imported.model_copy(update={"brands": ["Somebrand"]}))

    parses = _Parses(monkeypatch)
    report = import_paths(project, [tree])
    assert (report.pages_saved, report.pages_unchanged) == (0, 3)
    assert "a/aspirin-75mg.md" in parses.files
    with project.store() as store:
        assert store.get_medicine("aspirin-75mg") == imported


def test_a_damaged_memo_costs_only_the_parsing(project, tmp_path, monkeypatch):
    tree = _tree(tmp_path / "site", PAGES)
    import_paths(project, [tree])
    (project.state_dir / MEMO_NAME).write_bytes(b'{"version": "x", "files": [}')

    parses = _Parses(monkeypatch)
    report = import_paths(project, [tree])
    assert (report.pages_saved, report.pages_unchanged) == (0, 3)
    assert len(parses.files) == 4
    parses.files.clear()
    assert import_paths(project, [tree]).pages_unchanged == 3 and parses.files == ["m/broken.md"]


def test_a_memo_another_medpages_wrote_is_not_trusted(project, tmp_path, monkeypatch):
    """Another reader (its code, drug dictionary or libraries) may read the same bytes otherwise."""
    tree = _tree(tmp_path / "site", PAGES)
    import_paths(project, [tree])
    monkeypatch.setattr(import_memo, "_reader_version", lambda: "another medpages")

    parses = _Parses(monkeypatch)
    report = import_paths(project, [tree])
    assert (report.pages_saved, report.pages_unchanged, len(parses.files)) == (0, 3, 4)
    parses.files.clear()
    assert import_paths(project, [tree]).pages_unchanged == 3 and parses.files == ["m/broken.md"]


def test_a_memo_of_another_tree_with_the_same_file_names_vouches_for_nothing_it_did_not_read(project, tmp_path):
    """Two trees with the same paths and other contents, imported in turn: each import reads what changed."""
    one = _tree(tmp_path / "one", {"a/aspirin-75mg.md": _page("Aspirin 75mg")})
    two = _tree(tmp_path / "two", {"a/aspirin-75mg.md": _page("Aspirin 75mg", usage="Fever")})
    results = [(report.pages_saved, report.pages_unchanged)
               for report in (import_paths(project, [tree]) for tree in (one, two, one, one))]
    assert results == [(1, 0), (1, 0), (1, 0), (0, 1)]
    with project.store() as store:
        assert len(store.revisions("aspirin-75mg")) == 3


def test_worker_processes_read_a_tree_as_this_process_does(project, tmp_path, monkeypatch):
    """Broken files are reported with their path and reason, the others imported; the store ends the same."""
    pages: dict[str, str | bytes] = {f"d/drug{number}-{number}mg.md": _page(f"Drug{number} {number}mg")
                                     for number in range(1, 40)}
    pages |= {
        "d/drug7-7mg.md": b"---\ntitle: Drug7 7mg\n---\n\xff\xfe",
        "d/drug9-9mg.md": "no title here, only text\n",
        "d/drug11-11mg.md": "---\ntitle: Drug11 11mg\n---\n\n# Drug11 11mg\n\x00\n",
        "other/Drug12 copy.md": _page("Drug12 12mg"),  # read to the page path d/drug12-12mg.md has
        "x/shared.md": _page("Shared 1mg"), "y/shared.md": _page("Shared 1mg", usage="Fever"),
    }
    tree = _tree(tmp_path / "site", pages)
    in_turn = Project.init(tmp_path / "in-turn")
    monkeypatch.setattr(importing, "PAGES_PER_BATCH", 7)
    here = import_paths(in_turn, [tree])

    monkeypatch.setattr(importing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(importing, "FILES_PER_TASK", 3)
    monkeypatch.setattr(importing, "_worker_count", lambda: 2)
    pooled = import_paths(project, [tree])

    assert vars(pooled) == vars(here)
    assert (pooled.pages_saved, len(pooled.raw_kept), pooled.failures) == (38, 4, [])
    reasons = dict(line.split(": ", 1) for line in pooled.raw_kept)
    assert "not valid UTF-8" in reasons["d/drug7-7mg.md"] and "no title" in reasons["d/drug9-9mg.md"]
    assert "NUL" in reasons["d/drug11-11mg.md"] and "same path d/drug12-12mg.md" in reasons["other/Drug12 copy.md"]
    with in_turn.store() as expected, project.store() as got:
        for table in ("medicines", "pages", "revision_pages", "findings"):
            assert _rows(got, table) == _rows(expected, table), table
        assert [(raw.path, raw.content, raw.error) for raw in got.raw_documents()] == [
            (raw.path, raw.content, raw.error) for raw in expected.raw_documents()]
        assert [(summary.number, summary.author) for summary in got.revisions("shared")] == [
            (1, "import:x/shared.md"), (2, "import:y/shared.md")]


_TIMES = {"created_at", "updated_at", "id", "medicine_id", "revision_id", "current_revision_id"}


def _rows(store, table: str) -> list[dict[str, object]]:
    """A table's rows without ids and times, which differ between two databases."""
    rows = [{name: value for name, value in row.items() if name not in _TIMES} for row in store.iter_table_rows(table)]
    return sorted(rows, key=repr)
