"""Drafting throughput: the runner against a provider that enforces a rate limit, beside the old batch script;
and a runner NOT told the limit, finding it from the server's rate-limit headers or from its 429s.

    python bench/draft.py [--only throughput|discovery] [--medicines 2000] [--rpm 1200] [--latency-median 0.2]
                          [--concurrency 32] [--original-medicines 100]
                          [--limit 120] [--window 10] [--pages 480] [--repeats 3] [--fixed-window]

The provider is tests/draft/fake_llm_server.py in a child process (so this process's CPU time is
the runner's alone): OpenAI chat completions, lognormal latency, 429 with Retry-After beyond
`--rpm` requests in any 60 s. The runner validates every answer, builds every page and stores
every response in a SQLite cache, as `medpages generate` does. The original strategy (batches
of 5, wait for the whole batch, sleep 2 s) runs against a fresh server of the same kind for
`--original-medicines` pages; its time for all medicines is extrapolated from that, and says so.

Discovery (issue 12: 120 requests a minute, the limit not given to the runner): the server allows
`--limit` requests in any `--window` seconds (a minute scaled down to 10 s by default, so that
repeats take minutes, not hours; the runner's `period`, what it calls a minute, is scaled the same,
and it is told nothing else) and answers 429 beyond. Two servers, alternated in each repeat: one
sends OpenAI's `x-ratelimit-*-requests` headers and Retry-After, the other bare 429s and nothing
else. The runner has the default settings (8 at once, no rpm). Printed: pages drafted per window
as a fraction of the limit (the whole run, its start included) and the share of requests
answered 429, medians of `--repeats` runs with their range, beside the aim.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from medpages.catalog import medicine_from_title
from medpages.draft.cache import ResponseCache
from medpages.draft.limits import RunLimits
from medpages.draft.providers import get_provider
from medpages.draft.providers.base import DraftRequest, Message
from medpages.draft.runner import make_job, run_drafts
from medpages.draft.schema import draft_json_schema

SERVER = Path(__file__).resolve().parents[1] / "tests" / "draft" / "fake_llm_server.py"


class ChildServer:
    def __init__(self, rpm: int, latency: float, *options: str):
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER), "--rpm", str(rpm), "--latency-median", str(latency), *options],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit(f"the fake provider did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def stats(self) -> dict:
        return httpx.get(f"{self.url}/stats", timeout=30).json()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def bench_runner(args, jobs) -> dict:
    server = ChildServer(args.rpm, args.latency_median)
    try:
        provider = get_provider("openai", "fake-model", {"base_url": f"{server.url}/v1", "api_key": "bench"}, env={})
        limits = RunLimits(concurrency=args.concurrency, requests_per_minute=args.rpm, request_timeout=30)
        drafted = failed = 0

        def on_result(result):
            nonlocal drafted, failed
            drafted += result.status == "drafted"
            failed += result.status == "failed"

        with tempfile.TemporaryDirectory() as folder, ResponseCache(Path(folder) / "cache.sqlite") as cache:
            cpu, wall = time.process_time(), time.perf_counter()
            summary = asyncio.run(run_drafts(jobs, provider, limits=limits, cache=cache, on_result=on_result))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        stats = server.stats()
    finally:
        server.close()
    pages_per_minute = drafted / wall * 60
    return {"pages": drafted, "failed": failed, "wall": wall, "pages_per_minute": pages_per_minute,
            "fraction": pages_per_minute / args.rpm, "429s": stats["rate_limited"],
            "max_in_window": stats["max_in_window"], "cpu_ms_per_page": cpu * 1000 / max(1, drafted),
            "peak_rss_mb": _peak_rss_mb(), "requests": summary.requests}


def bench_original(args, jobs) -> dict:
    """The replaced script: 5 requests at a time, wait for all 5, sleep 2 s; failures skipped."""
    server = ChildServer(args.rpm, args.latency_median)
    provider = get_provider("openai", "fake-model", {"base_url": f"{server.url}/v1", "api_key": "bench"}, env={})
    schema = draft_json_schema("openai")
    sample = jobs[: args.original_medicines]

    async def main() -> int:
        done = 0
        async with httpx.AsyncClient(timeout=30) as client:
            for start in range(0, len(sample), 5):
                batch = sample[start:start + 5]
                requests = [DraftRequest((Message("system", j.prompt.system), Message("user", j.prompt.user)), schema)
                            for j in batch]
                answers = await asyncio.gather(*(provider.complete(r, client) for r in requests), return_exceptions=True)
                done += sum(not isinstance(a, BaseException) for a in answers)
                if start + 5 < len(sample):
                    await asyncio.sleep(2)
        return done

    try:
        wall = time.perf_counter()
        done = asyncio.run(main())
        wall = time.perf_counter() - wall
        stats = server.stats()
    finally:
        server.close()
    # Every batch but the last was followed by its 2 s sleep; a full run has one per batch but the last.
    batches = -(-len(sample) // 5)
    per_batch = (wall + 2.0) / batches
    extrapolated = per_batch * -(-len(jobs) // 5) - 2.0
    return {"pages": done, "wall": wall, "pages_per_minute": len(jobs) / extrapolated * 60,
            "fraction": len(jobs) / extrapolated * 60 / args.rpm, "429s": stats["rate_limited"],
            "extrapolated_wall": extrapolated}


DISCOVERY_AIM = {"fraction": 0.9, "rate_limited": 0.02}


def bench_discovery(args, jobs, *, headers: bool) -> dict:
    """One run of the runner, told no limit, against a server allowing `--limit` per `--window`."""
    options = ["--window", str(args.window)]
    options += ["--rate-headers"] if headers else ["--no-retry-after"]
    options += ["--fixed-window"] if args.fixed_window else []
    server = ChildServer(args.limit, args.latency_median, *options)
    try:
        provider = get_provider("openai", "fake-model", {"base_url": f"{server.url}/v1", "api_key": "bench"}, env={})
        limits = RunLimits(period=args.window, request_timeout=30, max_rate_limit_waits=100)
        wall = time.perf_counter()
        summary = asyncio.run(run_drafts(jobs, provider, limits=limits))
        wall = time.perf_counter() - wall
        stats = server.stats()
    finally:
        server.close()
    return {"pages": summary.drafted, "wall": wall, "fraction": summary.drafted / wall * args.window / args.limit,
            "rate_limited": stats["rate_limited"] / max(1, stats["requests"]), "429s": stats["rate_limited"],
            "requests": stats["requests"], "limit_found": summary.requests_limit}


def run_discovery(args) -> dict:
    medicines = [medicine_from_title(f"Findlimit{i:05d} {10 + i % 90}mg", resolve_names=False)
                 for i in range(args.pages)]
    jobs = [make_job(medicine) for medicine in medicines]
    kind = "fixed" if args.fixed_window else "sliding"
    print(f"\ndiscovery: {args.pages} pages, the server allows {args.limit} requests per {args.window:g} s "
          f"({kind} window), latency lognormal median {args.latency_median * 1000:.0f} ms; the runner is not told "
          f"the limit (8 at once, no rpm; its period is {args.window:g} s); {args.repeats} repeats, alternated")
    runs: dict[str, list[dict]] = {"headers": [], "bare 429s": []}
    for repeat in range(args.repeats):
        for name, found in runs.items():
            run = bench_discovery(args, jobs, headers=name == "headers")
            found.append(run)
            print(f"  repeat {repeat + 1} {name:9}  {run['pages']} pages in {run['wall']:.1f} s  "
                  f"fraction {run['fraction']:.3f}  429s {run['429s']} of {run['requests']} "
                  f"({run['rate_limited'] * 100:.1f} %)  limit found {run['limit_found'] or 0:.1f}", flush=True)

    def spread(values: list[float], scale: float = 1.0, digits: int = 3) -> str:
        return (f"{statistics.median(values) * scale:.{digits}f} "
                f"({min(values) * scale:.{digits}f}-{max(values) * scale:.{digits}f})")

    rows = [("", "fraction of the limit", "requests answered 429")]
    for name, found in runs.items():
        rows.append((f"runner, {name}", spread([r["fraction"] for r in found]),
                     spread([r["rate_limited"] for r in found], 100, 1) + " %"))
    rows.append(("aim", f">= {DISCOVERY_AIM['fraction']}", f"<= {DISCOVERY_AIM['rate_limited'] * 100:.0f} %"))
    rows.append(("before (issue 12: default cap 60/min)", "0.48", "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    print(f"\nmedians of {args.repeats} (range):")
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    for name, found in runs.items():
        fraction = statistics.median(r["fraction"] for r in found)
        limited = statistics.median(r["rate_limited"] for r in found)
        met = fraction >= DISCOVERY_AIM["fraction"] and limited <= DISCOVERY_AIM["rate_limited"]
        print(f"{name}: aim {'met' if met else 'MISSED'}")
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--medicines", type=int, default=2000)
    parser.add_argument("--rpm", type=int, default=1200, help="the provider's limit, and the runner's")
    parser.add_argument("--latency-median", type=float, default=0.2, help="seconds")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--original-medicines", type=int, default=100,
                        help="pages the original strategy drafts (its full time is extrapolated)")
    parser.add_argument("--only", choices=["throughput", "discovery"], help="run one of the two benchmarks")
    parser.add_argument("--limit", type=int, default=120, help="discovery: requests the server allows per window")
    parser.add_argument("--window", type=float, default=10.0, help="discovery: seconds the limit counts over")
    parser.add_argument("--pages", type=int, default=480, help="discovery: pages per run")
    parser.add_argument("--repeats", type=int, default=3, help="discovery: runs of each server")
    parser.add_argument("--fixed-window", action="store_true", help="discovery: a fixed window, not a sliding one")
    args = parser.parse_args()
    if args.only == "discovery":
        print(json.dumps({"discovery": run_discovery(args)}, default=float))
        return

    started = time.process_time()
    medicines = [medicine_from_title(f"Benchmedicine{i:05d} {10 + i % 90}mg", resolve_names=False)
                 for i in range(args.medicines)]
    jobs = [make_job(medicine) for medicine in medicines]
    prepare_ms = (time.process_time() - started) * 1000 / max(1, len(jobs))
    print(f"{args.medicines:,} medicines, provider limit {args.rpm:,} requests/minute, "
          f"latency lognormal median {args.latency_median * 1000:.0f} ms; prompts rendered in {prepare_ms:.2f} ms CPU each")

    runner = bench_runner(args, jobs)
    original = bench_original(args, jobs)

    rows = [
        ("pages drafted", f"{runner['pages']:,} of {args.medicines:,}",
         f"{original['pages']:,} of {min(args.original_medicines, args.medicines):,} (sample)"),
        ("wall time", f"{runner['wall']:.1f} s", f"{original['wall']:.1f} s; {original['extrapolated_wall'] / 60:.1f} min "
                                                 f"for {args.medicines:,} (extrapolated)"),
        ("pages per minute", f"{runner['pages_per_minute']:.0f}", f"{original['pages_per_minute']:.0f} (extrapolated)"),
        ("throughput / provider limit", f"{runner['fraction']:.3f}", f"{original['fraction']:.3f} (extrapolated)"),
        ("429s caused", f"{runner['429s']}", f"{original['429s']}"),
        ("most requests in any 60 s", f"{runner['max_in_window']} (limit {args.rpm})", "-"),
        ("runner CPU per page", f"{runner['cpu_ms_per_page']:.2f} ms", "-"),
        ("peak memory (RSS)", f"{runner['peak_rss_mb']:.0f} MB", "-"),
    ]
    width = max(len(r[0]) for r in rows)
    col = max(len(r[1]) for r in rows)
    print(f"\n{'':{width}}  {'runner':{col}}  original (5 per batch, 2 s sleep)")
    for name, ours, theirs in rows:
        print(f"{name:{width}}  {ours:{col}}  {theirs}")
    discovery = run_discovery(args) if args.only is None else None
    print(json.dumps({"runner": runner, "original": original, "discovery": discovery}, default=float))


if __name__ == "__main__":
    main()
