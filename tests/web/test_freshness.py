"""The reading pages' one quick query runs on a connection of its own, never one the store's
transactions get back from the pool (on PostgreSQL it is switched to autocommit)."""

from __future__ import annotations

import gc
import threading

import pytest
from postgres_schema import postgres_schema

from medpages.model import FrontMatter, Medicine, Page
from medpages.store import Store
from medpages.web.pages import FreshnessQueries


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        with Store.open(tmp_path / "medpages.sqlite") as opened:
            yield opened
        return
    with postgres_schema("the freshness test") as url, Store.open(url) as opened:
        yield opened


def test_threads_that_end_leave_no_autocommit_connection_in_the_pool(store):
    store.upsert_medicine(Medicine(title="Aspirin 75mg", slug="aspirin-75mg", letter="a"))
    store.save_page("aspirin-75mg", Page(title="Aspirin 75mg", front_matter=FrontMatter(title="Aspirin 75mg")),
                    author="test", kind="imported")
    queries = FreshnessQueries(store)
    markers = []

    def read() -> None:
        markers.append(queries.page_marker("aspirin-75mg")[0])

    for _ in range(8):  # more threads than the pool keeps connections
        worker = threading.Thread(target=read)
        worker.start()
        worker.join()
    assert markers == [1] * 8  # an exception in a thread is no failure by itself: each must have read
    gc.collect()
    for _ in range(8):  # every pooled connection still runs the store's transactions
        assert [medicine.slug for medicine, _page in store.iter_pages()] == ["aspirin-75mg"]
