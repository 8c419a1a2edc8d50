"""Store tests run against a real SQLite file, and against PostgreSQL when MEDPAGES_TEST_POSTGRES_URL is set.

Each PostgreSQL test gets a schema of its own (dropped afterwards), so tests never see each
other's rows, e.g. MEDPAGES_TEST_POSTGRES_URL=postgresql+psycopg://medpages:medpages@127.0.0.1/medpages_test
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine

from medpages.store import Store
from postgres_schema import postgres_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'medpages.sqlite'}"
        return
    with postgres_schema("the store tests") as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with Store.open(database_url) as opened:
        yield opened


@pytest.fixture
def raw_engine(database_url: str) -> Iterator[Engine]:
    """A plain engine on the same database, for what a user could do with SQL behind the store's back."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()
