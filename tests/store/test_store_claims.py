"""Drafting claims: of several processes claiming one medicine, exactly one gets it, until it
releases it or its lease runs out."""

from __future__ import annotations

import threading
import time

from medpages.store import Store

from store_samples import make_medicine


def test_one_worker_holds_a_claim_until_it_releases_it(store: Store) -> None:
    medicine = make_medicine()
    store.upsert_medicine(medicine)
    assert store.claim_medicine(medicine.slug, "a")
    assert not store.claim_medicine(medicine.slug, "b")
    assert store.claim_medicine(medicine.slug, "a")  # renewing one's own claim
    store.release_claim(medicine.slug, "b")  # not b's: nothing happens
    assert not store.claim_medicine(medicine.slug, "b")
    store.release_claim(medicine.slug, "a")
    assert store.claim_medicine(medicine.slug, "b")


def test_a_claim_whose_lease_ran_out_can_be_taken(store: Store) -> None:
    medicine = make_medicine()
    store.upsert_medicine(medicine)
    assert store.claim_medicine(medicine.slug, "crashed", lease_seconds=0.2)
    assert not store.claim_medicine(medicine.slug, "b")
    time.sleep(0.3)
    assert store.claim_medicine(medicine.slug, "b")


def test_concurrent_workers_never_claim_one_medicine_twice(store: Store, database_url: str) -> None:
    medicines = [make_medicine(f"Medicine {number} 10mg") for number in range(40)]
    store.upsert_medicines(medicines)
    won: dict[str, list[str]] = {medicine.slug: [] for medicine in medicines}
    lock = threading.Lock()

    def worker(name: str) -> None:
        with Store.open(database_url) as own:
            for medicine in medicines:
                if own.claim_medicine(medicine.slug, name):
                    with lock:
                        won[medicine.slug].append(name)

    threads = [threading.Thread(target=worker, args=(f"w{number}",)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(len(winners) == 1 for winners in won.values()), won
