"""The review web app under load: readers, contributors and reviewers at once, on the real server.

    python bench/web.py [--seconds 10] [--database sqlite|postgresql] [--medicines 300]
                        [--readers 200] [--writers 20] [--workers N]

Builds a project with the real commands (`medpages init`, `medpages import` of a few hundred pages,
`medpages users add`, `medpages users token`), starts `medpages serve` (workers: the CPU count),
and runs the load from separate processes on 127.0.0.1 for --seconds:
- readers: --readers connections, each a keep-alive HTTP/1.1 loop on raw sockets (asyncio), 85%
  medicine pages and 15% searches (`/search/?q=`);
- writers: --writers concurrent clients through the JSON API: three in four are contributors who
  read a page and suggest an edit to one of its sections (a sentence with a unique marker), one in
  four are reviewers who accept pending suggestions (a 409 conflict is counted, then rejected).
Prints throughput, p50/p99 latency per kind, errors, each load process's CPU use (a client near
100% of a core would be the bottleneck, not the server), and lost edits: accepted suggestions
whose marker is missing from the final page. PostgreSQL needs --postgres-url or
MEDPAGES_TEST_POSTGRES_URL; the benchmark works in a schema of its own and drops it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from importlib import resources
from pathlib import Path

import httpx

ADMIN_PASSWORD = "bench-admin-password"
REVIEWER_PASSWORD = "bench-reviewer-password"
EDITED_SECTIONS = ("important_note", "how_it_works", "storage")
SEARCH_WORDS = ("cancer", "nausea", "benchcillin", "heart", "liver", "benchcilin", "fatigue", "tablets",
                "breast", "infection")


# --------------------------------------------------------------------------- the project


def seed_text() -> str:
    return resources.files("medpages.demo").joinpath("seed-page.md").read_text("utf-8")


_RUN_ALL = """
import json, sys
from medpages.cli import app
for args in json.loads(sys.argv[1]):
    code = app(args, standalone_mode=False, prog_name="medpages")
    if code not in (None, 0, 2):
        sys.exit(f"medpages {' '.join(args)}: exit code {code}")
"""


def run_commands(root: Path, env: dict[str, str], *commands: list[str]) -> str:
    """Several `medpages` commands through the real command line, in one interpreter (importing
    medpages takes seconds; the commands themselves do not)."""
    done = subprocess.run([sys.executable, "-c", _RUN_ALL, json.dumps(commands)], cwd=root, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"medpages commands failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def build_project(root: Path, env: dict[str, str], medicines: int, reviewers: int) -> tuple[list[str], list[str]]:
    """The project and its pages; returns (page paths, reviewer API tokens)."""
    seed = seed_text()
    title = re.search(r"^title: (.+)$", seed, re.M).group(1).strip()  # type: ignore[union-attr]
    generic = re.search(r"^\*\*Generic Name:\*\* (.+)$", seed, re.M).group(1).strip()  # type: ignore[union-attr]
    pages = root / "pages"
    pages.mkdir()
    for n in range(medicines):
        name = f"Benchcillin{n:03d}"
        text = seed.replace(title, f"{name} {10 + n}mg").replace(generic, name)
        (pages / f"{n:03d}.md").write_text(text, "utf-8")
    names = [f"reviewer{n}" for n in range(reviewers)]
    commands = [["init", "."], ["import", "pages"],
                ["users", "add", "benchadmin", "--role", "admin", "--password", ADMIN_PASSWORD]]
    commands += [["users", "add", name, "--role", "reviewer", "--password", REVIEWER_PASSWORD] for name in names]
    commands += [["users", "token", name] for name in names]
    tokens = run_commands(root, env, *commands).split()[-reviewers:]  # `users token` prints the token alone
    paths = [f"/b/benchcillin{n:03d}-{10 + n}mg/" for n in range(medicines)]
    return paths, tokens


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(root: Path, env: dict[str, str], workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = open(root / "server.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "medpages", "serve", "--port", str(port), "--project", str(root)],
                               cwd=root, env=dict(env, MEDPAGES_WEB_WORKERS=str(workers)), stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited:\n{(root / 'server.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return process, port
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit(f"the server did not answer:\n{(root / 'server.log').read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    for number in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, number)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue


# --------------------------------------------------------------------------- readers: raw HTTP/1.1


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"content-length:")
    if at >= 0:
        end = lower.find(b"\r\n", at)
        await reader.readexactly(int(lower[at + 15:end]))
    elif b"transfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    if b"connection: close" in lower:
        raise ConnectionResetError("the server closed the connection")
    return status


async def _reader_loop(port: int, pages: list[str], deadline: float, seed: int, results: dict) -> None:
    chooser = random.Random(seed)
    connection = None
    while time.monotonic() < deadline:
        if chooser.random() < 0.85:
            kind, path = "page", chooser.choice(pages)
        else:
            kind, path = "search", f"/search/?q={chooser.choice(SEARCH_WORDS)}"
        started = time.perf_counter()
        try:
            if connection is None:
                connection = await asyncio.open_connection("127.0.0.1", port)
            status = await _get(*connection, path)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            results["errors"].append(f"{kind} {path}: {type(error).__name__}: {error}")
            if connection is not None:
                connection[1].close()
            connection = None
            continue
        results[kind].append(time.perf_counter() - started)
        if status != 200:
            results["errors"].append(f"{kind} {path}: HTTP {status}")
    if connection is not None:
        connection[1].close()


def readers_process(port: int, pages: list[str], count: int, go, seconds: float, queue) -> None:
    results: dict = {"page": [], "search": [], "errors": []}
    queue.put(("ready", None))
    go.wait()

    async def main() -> None:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_reader_loop(port, pages, deadline, n, results) for n in range(count)))

    cpu, wall = time.process_time(), time.monotonic()
    asyncio.run(main())
    results["cpu"] = (time.process_time() - cpu) / (time.monotonic() - wall)
    queue.put(("readers", _summarise(results)))


# --------------------------------------------------------------------------- writers: the JSON API


async def current_section(client: httpx.AsyncClient, slug: str, section: str) -> tuple[int, str]:
    """The page's current revision number and one section's text in it, through the API."""
    from medpages.model import Page
    from medpages.review.sections import section_text

    answer = await client.get(f"/api/v1/medicines/{slug}/page")
    answer.raise_for_status()
    body = answer.json()
    if body["revision"] != body["current_revision"]:  # readers see the reviewed one; edits start from the newest
        answer = await client.get(f"/api/v1/medicines/{slug}/revisions/{body['current_revision']}")
        answer.raise_for_status()
        body = dict(answer.json(), revision=body["current_revision"])
    return body["revision"], section_text(Page.model_validate(body["page"]), section)


async def _contributor(client: httpx.AsyncClient, slugs: list[str], deadline: float, seed: int, results: dict) -> None:
    chooser = random.Random(seed)
    while time.monotonic() < deadline:
        slug, section = chooser.choice(slugs), chooser.choice(EDITED_SECTIONS)
        marker = f"Bench edit {uuid.uuid4().hex[:12]}."
        started = time.perf_counter()
        try:
            revision, text = await current_section(client, slug, section)
            sent = await client.post("/api/v1/suggestions", json={
                "slug": slug, "section": section, "base_revision": revision, "text": f"{text}\n\n{marker}".strip(),
                "reason": "benchmark edit", "author_name": f"bench {seed}"})
        except (httpx.HTTPError, KeyError, ValueError) as error:
            results["errors"].append(f"suggest: {type(error).__name__}: {error}")
            continue
        results["suggest"].append(time.perf_counter() - started)
        if sent.status_code != 201:
            results["errors"].append(f"suggest {slug}/{section}: HTTP {sent.status_code} {sent.text[:200]}")
            continue
        results["markers"][sent.json()["id"]] = (slug, section, marker)


async def _reviewer(client: httpx.AsyncClient, deadline: float, results: dict) -> None:
    while time.monotonic() < deadline:
        try:
            queue = await client.get("/api/v1/suggestions", params={"status": "pending", "limit": 20})
            pending = queue.json()["items"] if queue.status_code == 200 else []
        except (httpx.HTTPError, ValueError, KeyError) as error:
            results["errors"].append(f"queue: {type(error).__name__}: {error}")
            pending = []
        if not pending:
            await asyncio.sleep(0.02)
            continue
        for suggestion in random.sample(pending, len(pending)):
            if time.monotonic() >= deadline:
                return
            started = time.perf_counter()
            try:
                answer = await client.post(f"/api/v1/suggestions/{suggestion['id']}/accept")
            except httpx.HTTPError as error:
                results["errors"].append(f"accept: {type(error).__name__}: {error}")
                continue
            if answer.status_code in (200, 201):
                results["accept"].append(time.perf_counter() - started)
                results["accepted"].append(suggestion["id"])
            elif answer.status_code == 409:
                # a conflict, or another reviewer decided it first: both are answers, not errors
                results["conflicts"] += 1
                if "conflicts" in answer.json():
                    await client.post(f"/api/v1/suggestions/{suggestion['id']}/reject",
                                      json={"reason": "conflicts with a later edit"})
            else:
                results["errors"].append(f"accept {suggestion['id']}: HTTP {answer.status_code} {answer.text[:200]}")


def writers_process(port: int, slugs: list[str], tokens: list[str], count: int, go, seconds: float,
                    queue) -> None:
    import medpages.model  # noqa: F401  (imported now: it takes seconds, which must not count as latency)
    import medpages.review.sections  # noqa: F401

    results: dict = {"suggest": [], "accept": [], "errors": [], "markers": {}, "accepted": [], "conflicts": 0}
    base = f"http://127.0.0.1:{port}"
    queue.put(("ready", None))
    go.wait()

    async def main() -> None:
        deadline = time.monotonic() + seconds
        reviewers = max(1, count // 4)
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as anonymous:
            clients = [httpx.AsyncClient(base_url=base, timeout=30,
                                         headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"})
                       for n in range(reviewers)]
            try:
                await asyncio.gather(*(_contributor(anonymous, slugs, deadline, n, results)
                                       for n in range(count - reviewers)),
                                     *(_reviewer(client, deadline, results) for client in clients))
            finally:
                for client in clients:
                    await client.aclose()

    cpu, wall = time.process_time(), time.monotonic()
    asyncio.run(main())
    results["cpu"] = (time.process_time() - cpu) / (time.monotonic() - wall)
    summary = _summarise(results)
    summary["accepted_edits"] = [results["markers"][i] for i in results["accepted"] if i in results["markers"]]
    summary["conflicts"] = results["conflicts"]
    queue.put(("writers", summary))


def _summarise(results: dict) -> dict:
    summary: dict = {"errors": results["errors"][:20], "error_count": len(results["errors"]), "cpu": results["cpu"]}
    for kind in ("page", "search", "suggest", "accept"):
        if kind in results:
            summary[kind] = _latencies(results[kind])
    return summary


def _latencies(values: list[float]) -> dict:
    if not values:
        return {"count": 0, "p50": 0.0, "p99": 0.0}
    ordered = sorted(values)
    return {"count": len(ordered), "p50": statistics.median(ordered),
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]}


# --------------------------------------------------------------------------- the server's CPU


def group_cpu_seconds(group: int) -> float | None:
    """CPU seconds used so far by every live process of a process group (Linux /proc; None elsewhere)."""
    if not os.path.isdir("/proc"):
        return None
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                line = stat.read()
        except OSError:
            continue
        fields = line[line.rindex(")") + 2:].split()  # from field 3 (state) on
        if int(fields[2]) == group:
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


# --------------------------------------------------------------------------- lost edits


def lost_edits(root: Path, env: dict[str, str], edits: list[tuple[str, str, str]]) -> list[str]:
    """Accepted markers missing from the final pages, read from the database by the store."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("MEDPAGES_")})
    from medpages.project import Project
    from medpages.review.sections import section_text

    store = Project.find(root).store()
    missing = []
    pages = {}
    for slug, section, marker in edits:
        if slug not in pages:
            pages[slug] = store.get_page(slug)
        if marker not in section_text(pages[slug], section):
            missing.append(f"{slug} {section}: {marker}")
    store.close()
    return missing


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("MEDPAGES_TEST_POSTGRES_URL", ""))
    parser.add_argument("--medicines", type=int, default=300)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="Keep the project folder (its path is printed).")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="medpages-bench-web-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDPAGES_")}
    env.update(MEDPAGES_WEB_SUGGESTIONS_PER_HOUR="100000000", NO_COLOR="1")
    drop = None
    if args.database == "postgresql":
        if not args.postgres_url:
            raise SystemExit("--database postgresql needs --postgres-url or MEDPAGES_TEST_POSTGRES_URL")
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        schema = f"medpages_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(args.postgres_url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(args.postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
        env["MEDPAGES_DATABASE_URL"] = url.render_as_string(hide_password=False)

        def drop() -> None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    server = None
    try:
        began = time.monotonic()
        pages, tokens = build_project(root, env, args.medicines, reviewers=max(1, args.writers // 4))
        print(f"project: {args.medicines} medicines and pages on {args.database} in {time.monotonic() - began:.1f}s",
              flush=True)
        server, port = start_server(root, env, args.workers)
        print(f"server: 127.0.0.1:{port}, {args.workers} worker(s); load: {args.readers} readers, "
              f"{args.writers} writers, {args.seconds:g}s", flush=True)
        slugs = [path.strip("/").split("/")[1] for path in pages]
        spawn = multiprocessing.get_context("spawn")
        queue, go = spawn.Queue(), spawn.Event()  # both load processes begin together, after their imports
        processes = [
            spawn.Process(target=readers_process, args=(port, pages, args.readers, go, args.seconds, queue)),
            spawn.Process(target=writers_process, args=(port, slugs, tokens, args.writers, go, args.seconds, queue)),
        ]
        for process in processes:
            process.start()
        for _ in processes:
            assert queue.get(timeout=120)[0] == "ready"
        load_before, cpu_before, wall_before = os.getloadavg()[0], group_cpu_seconds(server.pid), time.monotonic()
        go.set()
        reports = dict(queue.get(timeout=args.seconds + 120) for _ in processes)
        cpu_after, wall_after = group_cpu_seconds(server.pid), time.monotonic()
        if cpu_before is not None and cpu_after is not None:
            reports["server_cores"] = (cpu_after - cpu_before) / (wall_after - wall_before)
        reports["load"] = (load_before, os.getloadavg()[0])
        for process in processes:
            process.join()
        report(args, reports, lost_edits(root, env, reports["writers"]["accepted_edits"]))
    finally:
        if server is not None:
            stop_server(server)
        if drop is not None:
            drop()
        if args.keep:
            print(f"kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def report(args: argparse.Namespace, reports: dict, missing: list[str]) -> None:
    readers, writers = reports["readers"], reports["writers"]
    seconds = args.seconds
    print(f"{'kind':<8} {'count':>8} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, source in (("page", readers), ("search", readers), ("suggest", writers), ("accept", writers)):
        figures = source[kind]
        print(f"{kind:<8} {figures['count']:>8} {figures['count'] / seconds:>9.1f} {figures['p50'] * 1000:>8.1f} "
              f"{figures['p99'] * 1000:>8.1f}")
    writes = writers["suggest"]["count"] + writers["accept"]["count"]
    print(f"writes/s: {writes / seconds:.1f} (suggestions and acceptances); conflicts (409): {writers['conflicts']}")
    errors = readers["error_count"] + writers["error_count"]
    print(f"errors: {errors}")
    for line in (readers["errors"] + writers["errors"])[:10]:
        print(f"  {line}")
    print(f"lost edits: {len(missing)} of {len(writers['accepted_edits'])} accepted")
    for line in missing[:10]:
        print(f"  {line}")
    print(f"load client CPU: readers {readers['cpu']:.0%} of a core, writers {writers['cpu']:.0%} of a core "
          f"(near 100%: the client, not the server, is the limit)")
    if "server_cores" in reports:
        print(f"server CPU: {reports['server_cores']:.2f} of {os.cpu_count()} cores; machine load average (1 min) "
              f"{reports['load'][0]:.1f} before, {reports['load'][1]:.1f} after (above the core count: other "
              "processes took CPU from the server and the clients)")
    aims = [("page views/s >= 1000", readers["page"]["count"] / seconds >= 1000),
            ("page p99 <= 100 ms", readers["page"]["p99"] <= 0.100),
            ("0 errors", errors == 0), ("0 lost edits", not missing)]
    print("aims: " + ", ".join(f"{aim}: {'met' if met else 'MISSED'}" for aim, met in aims))


if __name__ == "__main__":
    main()
