"""The response cache opens when several runs start on one new cache file at the same moment."""

from __future__ import annotations

import multiprocessing

from medpages.draft.cache import ResponseCache


def _open_and_write(path: str, start, number: int, results) -> None:
    start.wait()
    try:
        cache = ResponseCache(path)
        cache.put(f"key-{number}", provider="p", model="m", prompt_version="1", text="{}", input_tokens=1,
                  output_tokens=1)
        results.put("ok")
    except Exception as error:  # noqa: BLE001 - the test reports it
        results.put(f"{type(error).__name__}: {error}")


def test_runs_starting_together_on_a_new_cache_all_open_it(tmp_path):
    context = multiprocessing.get_context("spawn")
    for round_ in range(30):
        path = str(tmp_path / f"cache-{round_}.sqlite3")
        start, results = context.Barrier(8), context.Queue()
        processes = [context.Process(target=_open_and_write, args=(path, start, number, results))
                     for number in range(8)]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=30)
        assert outcomes == ["ok"] * 8
        assert len(ResponseCache(path)) == 8
