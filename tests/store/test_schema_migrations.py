"""The Alembic migrations: they build the schema from nothing, are idempotent, and match the ORM models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
import pytest
from sqlalchemy import Engine, inspect, text

from medpages.store import Store, StoreError
from medpages.store.database import alembic_config, newest_schema_revision, schema_revision, shipped_schema_revision
from medpages.store.schema import Base

from store_samples import make_medicine, make_page

TABLES = {
    "medicines", "pages", "revisions", "findings", "raw_documents", "labels", "label_ingredients", "draft_claims",
    "users", "user_sessions", "api_tokens", "suggestions", "reviews", "rate_events",
    "alembic_version",
}


def test_opening_an_empty_database_creates_every_table(store: Store, raw_engine: Engine) -> None:
    assert TABLES <= set(inspect(raw_engine).get_table_names())
    with raw_engine.connect() as connection:
        assert schema_revision(connection) == newest_schema_revision() == shipped_schema_revision() == "0006"


def test_opening_a_database_at_the_newest_schema_does_not_load_alembic(tmp_path) -> None:
    import subprocess
    import sys

    Store.open(tmp_path / "medpages.sqlite").close()  # created, at the newest schema
    code = ("import sys; from pathlib import Path; from medpages.store import Store; "
            f"Store.open(Path({str(tmp_path / 'medpages.sqlite')!r})).close(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_opening_again_changes_nothing_and_keeps_the_data(database_url: str, raw_engine: Engine) -> None:
    medicine = make_medicine()
    with Store.open(database_url) as first:
        first.upsert_medicine(medicine)
        first.save_page(medicine.slug, make_page(medicine), author="contributor:Jane", kind="contributor")
    with Store.open(database_url) as second, Store.open(database_url) as third:
        assert second.get_medicine(medicine.slug) == medicine
        assert third.counts()["revisions"] == 1
    with raw_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_the_migrated_schema_is_what_the_orm_models_describe(store: Store, raw_engine: Engine) -> None:
    with raw_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(store: Store, raw_engine: Engine) -> None:
    with raw_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(raw_engine).get_table_names()) <= {"alembic_version"}
    with raw_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    assert TABLES <= set(inspect(raw_engine).get_table_names())


def test_a_database_from_a_newer_medpages_is_refused(store: Store, raw_engine: Engine, database_url: str) -> None:
    with raw_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="newer medpages"):
        Store.open(database_url)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    with Store.open(tmp_path / "project.sqlite") as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_unusable_urls_are_reported_plainly(tmp_path) -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        Store.open("mysql://someone@localhost/medpages")
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("not a url")
    with pytest.raises(StoreError, match="cannot open the database"):
        Store.open(tmp_path / "no such folder" / "medpages.sqlite")


def test_the_password_never_appears_in_messages() -> None:
    with pytest.raises(StoreError) as raised:
        Store.open("postgresql+psycopg://medpages:s3cret@127.0.0.1:1/nowhere?connect_timeout=1")
    assert "s3cret" not in str(raised.value)
