"""Backup: `medpages export --all FILE`, then `medpages import FILE` into an empty project gives back
every row of every table; into a project with work in it, a refusal and nothing changed. On SQLite,
and on PostgreSQL when MEDPAGES_TEST_POSTGRES_URL is set (a schema of its own per test)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from postgres_schema import postgres_schema

from medpages.demo import run_demo
from medpages.model import TextSection
from medpages.project import Project
from medpages.review.accounts import hash_password, new_token
from medpages.stages.backup import export_all, is_backup
from medpages.store.community import NewSuggestion
from medpages.store.schema import Base

TABLES = [table.name for table in Base.metadata.sorted_tables]
SEED = "ado-trastuzumab-emtansine-160mg"
ATORVASTATIN = "atorvastatin-20mg"


@pytest.fixture(scope="module")
def busy_project(tmp_path_factory) -> Path:
    """The demo (medicines, pages, labels, findings) with people's work on top: accounts of every
    role, API tokens, a session, rate events, suggestions pending, accepted and rejected, reviews,
    several revisions, a raw document and a drafting claim."""
    project = run_demo(tmp_path_factory.mktemp("busy") / "project", say=lambda _: None)
    store = project.store()
    admin = store.add_user("alice", "admin", hash_password("alice's long password"))
    reviewer = store.add_user("bob", "reviewer", hash_password("bob's long password"))
    contributor = store.add_user("carol", "contributor", hash_password("carol's long password"))
    for user, label in ((contributor, "bot"), (admin, "")):
        store.add_api_token(new_token()[1], user.id, label)
    now = datetime.now(UTC)
    store.create_session(new_token()[1], reviewer.id, new_token()[0], now + timedelta(hours=12))
    assert store.take_rate("203.0.113.7", 10, 3600.0, now)

    def suggest(section: str, text: str) -> int:
        return store.add_suggestion(NewSuggestion(
            slug=SEED, section=section, base_revision=store.current_revision(SEED), text=text,
            reason="clearer", author_name="Carol", author_email="carol@example.org", user_id=contributor.id,
            client_key="digest-of-an-address")).id

    accepted = suggest("usage", "Used for a kind of breast cancer.")
    rejected = suggest("storage", "Keep it in the fridge.")
    suggest("dosage", "Ask your doctor.")  # left pending
    page = store.get_page(SEED)
    store.accept_suggestion(accepted, page.model_copy(update={"usage": TextSection(lead="Used for a kind of "
                                                                                    "breast cancer.")}),
                            expected_revision=store.current_revision(SEED), reviewer_id=reviewer.id, author="bob",
                            message="accepted suggestion")
    store.reject_suggestion(rejected, reviewer_id=reviewer.id, reason="the label says room temperature")
    for slug in (SEED, ATORVASTATIN):
        reviewed = store.get_page(slug).model_copy(update={"status": "reviewed"})
        store.save_revision(slug, reviewed, expected_revision=store.current_revision(slug), author="bob",
                            kind="contributor", message="reviewed", review_by=reviewer.id, review_note="checked")
    store.keep_raw("broken.md", b"\xff\xfe not a page", "not valid UTF-8")
    assert store.claim_medicine("paracetamol-500mg", "worker-1")
    project.store().close()
    return project.root


def _rows(store) -> dict[str, list[dict[str, object]]]:
    return {table: list(store.iter_table_rows(table)) for table in TABLES}


def _restore_into(tmp_path: Path, medpages_cli, backup: Path, database_url: str | None = None) -> Project:
    tmp_path.mkdir(exist_ok=True)
    assert medpages_cli("init", "fresh", cwd=tmp_path).exit_code == 0
    env = {"MEDPAGES_DATABASE_URL": database_url} if database_url else None
    result = medpages_cli("import", backup, cwd=tmp_path / "fresh", env=env)
    assert result.exit_code == 0, result.output
    assert "Restored the backup" in result.stdout
    if database_url:
        os.environ["MEDPAGES_DATABASE_URL"] = database_url
        try:
            return Project.find(tmp_path / "fresh")
        finally:
            del os.environ["MEDPAGES_DATABASE_URL"]
    return Project.find(tmp_path / "fresh")


@pytest.fixture
def backup(busy_project, tmp_path, medpages_cli) -> Path:
    result = medpages_cli("export", "--all", tmp_path / "backup.jsonl", cwd=busy_project)
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.stdout and "suggestions" in result.stdout
    return tmp_path / "backup.jsonl"


def test_every_table_comes_back_row_by_row_in_a_fresh_sqlite_project(busy_project, backup, tmp_path, medpages_cli):
    assert is_backup(backup)
    original = _rows(Project.find(busy_project).store())
    assert all(original[table] for table in ("medicines", "pages", "revisions", "suggestions", "reviews", "users",
                                             "api_tokens", "user_sessions", "labels", "findings", "raw_documents"))
    assert {row["status"] for row in original["suggestions"]} == {"pending", "accepted", "rejected"}
    restored = _rows(_restore_into(tmp_path, medpages_cli, backup).store())
    for table in TABLES:
        assert restored[table] == original[table], table
    hashes = [row["password_hash"] for row in restored["users"]]
    assert all(value.startswith("$argon2id$") for value in hashes)
    assert b"long password" not in backup.read_bytes()  # hashes only


def test_the_restored_project_works_on(busy_project, backup, tmp_path, medpages_cli):
    project = _restore_into(tmp_path, medpages_cli, backup)
    store = project.store()
    assert store.stable_revision(SEED) is not None
    user = store.add_user("dave", "reviewer", hash_password("dave's long password"))
    assert user.id == 4  # new ids follow the restored ones
    assert medpages_cli("build", cwd=project.root).exit_code == 0


def test_a_project_with_work_in_it_refuses_a_backup_and_keeps_everything(busy_project, backup, medpages_cli):
    before = _rows(Project.find(busy_project).store())
    result = medpages_cli("import", backup, cwd=busy_project)
    assert result.exit_code == 1
    assert "restored only into an empty project" in result.errors
    assert _rows(Project.find(busy_project).store()) == before


def test_a_backup_is_imported_alone_and_export_needs_all(busy_project, backup, tmp_path, medpages_cli):
    assert medpages_cli("init", "fresh", cwd=tmp_path).exit_code == 0
    (tmp_path / "generics.txt").write_text("Paracetamol 500mg\n", encoding="utf-8")
    mixed = medpages_cli("import", backup, tmp_path / "generics.txt", cwd=tmp_path / "fresh")
    assert mixed.exit_code == 1 and "restored on its own" in mixed.errors
    assert Project.find(tmp_path / "fresh").store().counts()["medicines"] == 0
    assert not is_backup(tmp_path / "generics.txt")
    bare = medpages_cli("export", tmp_path / "other.jsonl", cwd=busy_project)
    assert bare.exit_code == 2 and "--all" in bare.errors and not (tmp_path / "other.jsonl").exists()


def test_a_failed_export_leaves_the_old_file_and_no_temporary_file(busy_project, tmp_path):
    target = tmp_path / "backup.jsonl"
    target.write_bytes(b"the previous backup\n")
    project = Project.find(busy_project)
    store = project.store()

    def broken_dump(out):  # the store fails half way through writing
        out.write(b'{"medpages_backup": 1}\n')
        raise OSError(28, "No space left on device")

    store.dump = broken_dump
    with pytest.raises(OSError):
        export_all(project, target)
    assert target.read_bytes() == b"the previous backup\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.jsonl"]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schema("a backup restore", prefix="medpages_backup") as url:
        yield url


def test_sqlite_and_postgresql_restore_the_same_rows(busy_project, backup, tmp_path, medpages_cli, postgres_url):
    on_sqlite = _rows(_restore_into(tmp_path / "sqlite", medpages_cli, backup).store())
    postgres = _restore_into(tmp_path / "postgresql", medpages_cli, backup, postgres_url)
    try:
        on_postgres = _rows(postgres.store())
        for table in TABLES:
            assert on_postgres[table] == on_sqlite[table], table
        # and back out of PostgreSQL: the same file, byte for byte
        again = export_all(postgres, tmp_path / "again.jsonl")
        assert again.total == sum(len(rows) for rows in on_sqlite.values())
        assert (tmp_path / "again.jsonl").read_bytes() == backup.read_bytes()
    finally:
        postgres.store().close()
