"""The static server (`medpages demo`, `medpages serve --static`) on 127.0.0.1: bad paths get
an answer and no traceback, folders are never listed, idle connections are let go, and 2,000
requests 50 at a time all succeed."""

from __future__ import annotations

import asyncio
import socket
import statistics
import threading
import time

import httpx
import pytest

from medpages.publish.site import serve


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "site"
    (folder / "a" / "aspirin-75mg").mkdir(parents=True)
    (folder / "static").mkdir()
    (folder / "static" / "site.css").write_text("body { color: black }")
    (folder / "index.html").write_text("<!doctype html><title>Home</title><p>home</p></html>")
    (folder / "a" / "aspirin-75mg" / "index.html").write_text("<!doctype html><title>Aspirin</title></html>")
    (folder / "404.html").write_text("<!doctype html><title>Not found</title><p>the site's 404</p></html>")
    return folder


@pytest.fixture
def server(site):
    running, url = serve.start_site_server(site)
    yield running, url
    running.shutdown()
    running.server_close()


def raw_request(url: str, target: str) -> bytes:
    """Send a request line as given (httpx would re-quote the path) and read the answer."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("target", ["/%00", "/index.html%00.txt", "/a/%00/", "/static/%00site.css", "/%2e%2e/%00"])
def test_a_nul_in_the_path_gets_400_or_404_and_no_traceback(server, target, capfd):
    _, url = server
    answer = raw_request(url, target)
    status = answer.split(b"\r\n", 1)[0]
    assert status.split()[1] in (b"400", b"404"), status
    time.sleep(0.1)
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("path", ["/static/", "/a/", "/static", "/a"])
def test_a_folder_without_an_index_is_never_listed(server, path):
    _, url = server
    answer = httpx.get(url.rstrip("/") + path, follow_redirects=True)
    assert answer.status_code == 404
    assert "Directory listing" not in answer.text and "site.css" not in answer.text
    assert "the site's 404" in answer.text


def test_pages_and_folders_with_an_index_are_served(server):
    _, url = server
    assert httpx.get(url).text.startswith("<!doctype html><title>Home")
    assert "Aspirin" in httpx.get(url + "a/aspirin-75mg/").text
    assert httpx.get(url + "a/aspirin-75mg", follow_redirects=True).status_code == 200
    assert httpx.get(url + "static/site.css").headers["content-type"].startswith("text/css")


def test_the_listen_queue_is_long_and_idle_connections_are_let_go(site):
    running = serve.make_site_server(site, idle_timeout=0.5)
    assert running.request_queue_size >= 128
    default = serve.make_site_server(site)
    assert default.idle_timeout == 10  # the demo's
    default.server_close()
    threading.Thread(target=running.serve_forever, daemon=True).start()
    try:
        host, port = running.server_address[:2]
        with socket.create_connection((host, port), timeout=10) as idle:
            started = time.perf_counter()
            assert idle.recv(1) == b""  # the server closed it: no thread held forever
            assert time.perf_counter() - started < 5
    finally:
        running.shutdown()
        running.server_close()


def test_2000_requests_50_at_a_time(server, capsys):
    _, url = server
    paths = ["", "a/aspirin-75mg/", "static/site.css", "missing/"]
    latencies: list[float] = []
    failures: list[str] = []

    async def load() -> float:
        limit = asyncio.Semaphore(50)
        async with httpx.AsyncClient(base_url=url, timeout=30,
                                     limits=httpx.Limits(max_connections=50)) as client:
            async def one(number: int) -> None:
                path = paths[number % len(paths)]
                async with limit:
                    started = time.perf_counter()
                    try:
                        answer = await client.get(path)
                    except httpx.HTTPError as error:
                        failures.append(f"{path}: {error!r}")
                        return
                    latencies.append(time.perf_counter() - started)
                    if answer.status_code != (404 if path == "missing/" else 200):
                        failures.append(f"{path}: {answer.status_code}")

            started = time.perf_counter()
            await asyncio.gather(*(one(n) for n in range(2000)))
            return time.perf_counter() - started

    seconds = asyncio.run(asyncio.wait_for(load(), timeout=60))
    assert failures == []
    assert len(latencies) == 2000
    p99 = statistics.quantiles(latencies, n=100)[98]
    with capsys.disabled():
        print(f"\nstatic server: 2000 requests, 50 at a time: {2000 / seconds:.0f} req/s, "
              f"p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
