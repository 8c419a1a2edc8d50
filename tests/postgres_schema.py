"""A PostgreSQL schema of a test's own on the test server (MEDPAGES_TEST_POSTGRES_URL), or a skip.

Each user gets a fresh schema, named in the URL's `options=-csearch_path=...`, and drops it
afterwards, so tests never see each other's rows. .ci/run starts the server and sets the variable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

POSTGRES_URL_VARIABLE = "MEDPAGES_TEST_POSTGRES_URL"


def postgres_server_url(what: str) -> str:
    """The test server's URL; skips the test (saying what needs it) when none is configured."""
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        pytest.skip(f"set {POSTGRES_URL_VARIABLE} to run {what} on PostgreSQL")
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[postgres]')")
    return server_url


def new_schema(server_url: str, prefix: str = "medpages_test") -> tuple[str, Callable[[], None]]:
    """A URL on a new schema, and the function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


@contextmanager
def postgres_schema(what: str, prefix: str = "medpages_test") -> Iterator[str]:
    """A URL on a fresh schema for the duration of the block (or a skip)."""
    url, drop = new_schema(postgres_server_url(what), prefix)
    try:
        yield url
    finally:
        drop()
