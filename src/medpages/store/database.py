"""Opening a database: the engine, SQLite's pragmas and real transactions, and the schema upgrade.

SQLite and PostgreSQL are supported; the schema is created and upgraded by the Alembic
migrations shipped in `medpages/store/migrations/`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from medpages.errors import MedpagesError
from medpages.store.storable import SerializedJSON

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
# Any fixed number: PostgreSQL advisory lock that serialises concurrent schema upgrades.
_UPGRADE_LOCK_KEY = 0x6D6564706167  # "medpag"
# How long a SQLite writer waits for another one before giving up, in seconds.
SQLITE_BUSY_TIMEOUT = 30.0


class StoreError(MedpagesError):
    """The database cannot be opened, upgraded or written; the message says which and why."""


def describe_url(url: str | URL) -> str:
    """The URL for messages, without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def create_store_engine(url: str | URL) -> Engine:
    """An engine for `url`, with SQLite set up for WAL, foreign keys and transactional reads."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StoreError(f"not a database URL: {url!r} ({error})") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise StoreError(
            f"{describe_url(parsed)}: unsupported database {backend!r}; "
            f"use one of {', '.join(SUPPORTED_BACKENDS)}"
        )
    options: dict[str, Any] = {"json_serializer": _json_dumps}
    if backend == "sqlite":
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT}
    else:
        options["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **options)
    except (ArgumentError, ImportError) as error:
        raise StoreError(f"{describe_url(parsed)}: cannot use this database ({error})") from None
    if backend == "sqlite":
        _configure_sqlite(engine)
    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take SQLite's write lock at BEGIN.

    A transaction that reads and then writes (the next revision number) would otherwise fail
    with "database is locked" when another writer got there between its read and its write.
    """
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def upgrade_schema(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration; does nothing when already there.

    A database already at the newest migration (nearly every open) is seen with one query, without
    importing Alembic, which costs a command like `medpages build` half a second or more."""
    if _current_revision(engine) == shipped_schema_revision():
        return
    from alembic import command
    from alembic.util import CommandError

    try:
        with writer(engine).begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK_KEY})
            command.upgrade(alembic_config(connection), "head")
    except CommandError as error:
        raise StoreError(
            f"{describe_url(engine.url)}: cannot upgrade the database schema ({error}); "
            "was it written by a newer medpages?"
        ) from None
    except SQLAlchemyError as error:
        raise StoreError(f"{describe_url(engine.url)}: cannot open the database ({describe_error(error)})") from None


def _current_revision(engine: Engine) -> str | None:
    """The migration the database says it is at; None when it cannot say (empty, or unreadable:
    the upgrade then reports why)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return None
    return rows[0][0] if len(rows) == 1 else None


def shipped_schema_revision() -> str:
    """The newest migration this medpages ships, from the migration files' names (`0006_….py`,
    revision "0006"; a test keeps this equal to Alembic's own head)."""
    return max(path.name[:4] for path in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def schema_revision(connection: Connection) -> str | None:
    """The migration the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def newest_schema_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code: the shipped migrations, run on `connection`."""
    from alembic.config import Config

    config = Config()
    # Config values go through configparser interpolation: a '%' in the path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite would BEGIN only before the first write, so reads earlier in a transaction
        # would see other writers' commits and DDL would not be transactional; SQLAlchemy's
        # "begin" event below emits BEGIN instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # Safe with WAL: a crash of the program loses nothing; a power cut may lose the last commits.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError(f"unknown SQLite transaction mode {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _json_dumps(value: Any) -> str:
    if isinstance(value, SerializedJSON):  # the store serialises models once, with pydantic
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def describe_error(error: BaseException) -> str:
    """The first line of what the database driver said, without SQLAlchemy's SQL dump."""
    cause = getattr(error, "orig", None) or error
    message = str(cause).strip()
    return message.splitlines()[0] if message else type(cause).__name__
