"""The reading pages' one quick query runs on a connection of its own, never one the store's
transactions get back from the pool (on PostgreSQL it is switched to autocommit)."""

from __future__ import annotations

import gc
import os
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from medpages.model import FrontMatter, Medicine, Page
from medpages.store import Store
from medpages.web.pages import FreshnessQueries


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        with Store.open(tmp_path / "medpages.sqlite") as opened:
            yield opened
        return
    server_url = os.environ.get("MEDPAGES_TEST_POSTGRES_URL")
    if not server_url:
        pytest.skip("set MEDPAGES_TEST_POSTGRES_URL to run this on PostgreSQL")
    schema = f"medpages_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        with Store.open(url.render_as_string(hide_password=False)) as opened:
            yield opened
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_threads_that_end_leave_no_autocommit_connection_in_the_pool(store):
    store.upsert_medicine(Medicine(title="Aspirin 75mg", slug="aspirin-75mg", letter="a"))
    store.save_page("aspirin-75mg", Page(title="Aspirin 75mg", front_matter=FrontMatter(title="Aspirin 75mg")),
                    author="test", kind="imported")
    queries = FreshnessQueries(store)

    def read() -> None:
        assert queries.page_marker("aspirin-75mg")[0] == 1

    for _ in range(8):  # more threads than the pool keeps connections
        worker = threading.Thread(target=read)
        worker.start()
        worker.join()
    gc.collect()
    for _ in range(8):  # every pooled connection still runs the store's transactions
        assert [medicine.slug for medicine, _page in store.iter_pages()] == ["aspirin-75mg"]
