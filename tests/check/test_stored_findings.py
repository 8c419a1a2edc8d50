"""Findings live in one place, the store's findings table: `check` replaces them there, pages carry none.

Driven through the stages in process (`import_paths`, `check_pages`) on a real project and
its SQLite database.
"""

from __future__ import annotations

import json
import zlib
from importlib.resources import files

import pytest
from sqlalchemy import text

from medpages.project import CONFIG_NAME, Project
from medpages.stages import check_pages, import_paths

SLUG = "ado-trastuzumab-emtansine-160mg"


@pytest.fixture
def project(tmp_path) -> Project:
    """A project with the seed page imported, a second Usage section planted (a `parse.` finding)."""
    project = Project.init(tmp_path / "proj")
    seed = (files("medpages.demo") / "seed-page.md").read_text(encoding="utf-8")
    page = project.root / "a" / f"{SLUG}.md"
    page.parent.mkdir()
    page.write_text(seed + "\n\n**Usage:** A second usage section.", encoding="utf-8")
    import_paths(project, [page])
    return project


def _with_checks(project: Project, table: str) -> Project:
    """The project with `table` as its medpages.toml [checks] (the file as `init` wrote it, plus that)."""
    config = project.root / CONFIG_NAME
    initial = project.root / f"{CONFIG_NAME}.initial"
    if not initial.exists():
        initial.write_text(config.read_text(encoding="utf-8"), encoding="utf-8")
    config.write_text(initial.read_text(encoding="utf-8") + f"\n[checks]\n{table}\n", encoding="utf-8")
    return Project.load(project.root)


def _codes(project: Project) -> list[str]:
    with project.store() as store:
        return sorted(finding.code for finding in store.findings(SLUG))


def _stored_page_documents(project: Project) -> list[dict]:
    with project.store() as store, store.engine.connect() as connection:
        pages = connection.execute(text("SELECT page_json FROM pages")).scalars().all()
        replaced = connection.execute(text("SELECT page_zlib FROM revision_pages")).scalars().all()
    return ([json.loads(document) if isinstance(document, str) else document for document in pages]
            + [json.loads(zlib.decompress(document)) for document in replaced])


READ = ["parse.duplicate_section", "parse.unknown_section"]  # the second Usage is kept as an extra section


def test_import_stores_what_the_reader_noticed_with_the_revision(project):
    assert _codes(project) == READ


def test_check_with_other_thresholds_replaces_the_findings_a_reader_gets(project):
    check_pages(project)
    strict = _codes(project)
    assert strict.count("readability.grade") == 3 and set(READ) < set(strict)

    lenient = _with_checks(project, "readability_grade = 20.0")
    run = check_pages(lenient)
    # No readability finding now; the reader's findings stay (the same revision), the extra section is noted.
    assert _codes(lenient) == sorted([*READ, "structure.unknown_section"])
    assert [finding.code for _, findings in run.results for finding in findings] == ["structure.unknown_section"]

    strictest = _with_checks(project, "readability_grade = 2.0\nreadability_min_words = 10")
    check_pages(strictest)
    assert _codes(strictest).count("readability.grade") > 3


def test_pages_and_their_revisions_carry_no_findings(project):
    check_pages(project)
    documents = _stored_page_documents(project)
    assert documents and all("findings" not in document for document in documents)
    with project.store() as store:
        assert store.get_page(SLUG) is not None


def test_a_page_stored_with_findings_in_its_json_still_loads(project):
    """Databases from before findings left the page: their page JSON still has the field."""
    with project.store() as store:
        page = store.get_page(SLUG)
        old = json.loads(page.model_dump_json()) | {
            "findings": [{"code": "missing-section", "severity": "warning", "message": "old style"}]}
        with store.engine.begin() as connection:
            # Such a page came from before migration 0006, which keeps pages as they were; today a
            # trigger refuses to change a page without a new revision, so this test lifts it.
            connection.execute(text("DROP TRIGGER pages_change_with_revision"))
            connection.execute(text("UPDATE pages SET page_json = :doc"), {"doc": json.dumps(old)})
        assert store.get_page(SLUG) == page
        assert [loaded for _, loaded in store.iter_pages()] == [page]
    check_pages(project)
