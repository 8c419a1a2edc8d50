"""`download_openfda` against a real HTTP server on 127.0.0.1 that serves fixture zips like openFDA does."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from medpages.sources.download import MANIFEST_NAME, DownloadError, download_openfda
from medpages.sources.ingest import add_sources
from medpages.store import Store

from label_samples import OPENFDA_LABELS, OPENFDA_SYNTHETIC, zip_bytes

FIRST = "drug-label-0001-of-0002.json.zip"
SECOND = "drug-label-0002-of-0002.json.zip"


@dataclass
class FakeOpenFDA:
    """What the server serves, and what it was asked."""

    files: dict[str, bytes] = field(default_factory=dict)
    drops: dict[str, list[int | None]] = field(default_factory=dict)  # per file: bytes sent before hanging up
    ignore_ranges: bool = False
    index_override: bytes | None = None
    index_status: int = 200
    size_mb: dict[str, str] = field(default_factory=dict)  # per file, instead of the true size
    requests: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # path, Range, If-Range
    base_url: str = ""

    def index(self) -> bytes:
        if self.index_override is not None:
            return self.index_override
        partitions = [
            {"file": f"{self.base_url}/download/drug/label/{name}", "display_name": f"{name} (synthetic)",
             "records": 2, "size_mb": self.size_mb.get(name, f"{len(data) / 1_000_000:.2f}")}
            for name, data in self.files.items()
        ]
        return json.dumps({"meta": {"disclaimer": "test server"}, "results": {
            "drug": {"label": {"export_date": "2024-01-05", "total_records": 4, "partitions": partitions}}}}).encode()

    def etag(self, name: str) -> str:
        return '"' + hashlib.sha256(self.files[name]).hexdigest()[:16] + '"'


def make_handler(fake: FakeOpenFDA) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:
            fake.requests.append((self.path, self.headers.get("Range"), self.headers.get("If-Range")))
            if self.path == "/download.json":
                self._send(fake.index_status, fake.index(), {"Content-Type": "application/json"})
                return
            name = self.path.rsplit("/", 1)[-1]
            if not self.path.startswith("/download/drug/label/") or name not in fake.files:
                self._send(404, b"not found", {})
                return
            data, etag = fake.files[name], fake.etag(name)
            start, status = 0, 200
            requested = self.headers.get("Range")
            if requested and not fake.ignore_ranges and self.headers.get("If-Range", etag) == etag:
                start = int(requested.removeprefix("bytes=").rstrip("-"))
                if start >= len(data):
                    self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                    return
                status = 206
            body = data[start:]
            headers = {"ETag": etag, "Content-Type": "application/zip", "Accept-Ranges": "bytes"}
            if status == 206:
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            drops = fake.drops.get(name)
            drop_after = drops.pop(0) if drops else None
            self.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(key, value)
            self.end_headers()
            if drop_after is None:
                self.wfile.write(body)
                return
            self.wfile.write(body[:drop_after])  # then hang up mid-file
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def fake_openfda() -> Iterator[FakeOpenFDA]:
    fake = FakeOpenFDA(files={
        FIRST: zip_bytes({"drug-label-0001-of-0002.json": OPENFDA_LABELS.read_bytes()}),
        SECOND: zip_bytes({"drug-label-0002-of-0002.json": OPENFDA_SYNTHETIC.read_bytes()}),
    })
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def download(fake: FakeOpenFDA, dest: Path, **options):
    return download_openfda(dest, base_url=fake.base_url, backoff_seconds=0, **options)


def file_requests(fake: FakeOpenFDA, name: str) -> list[tuple[str | None, str | None]]:
    return [(ranged, if_range) for path, ranged, if_range in fake.requests if path.endswith(name)]


def test_every_partition_is_downloaded_verified_and_readable(fake_openfda: FakeOpenFDA, tmp_path: Path) -> None:
    messages: list[str] = []
    report = download(fake_openfda, tmp_path, progress=messages.append)
    assert report.index_url == f"{fake_openfda.base_url}/download.json"
    assert report.export_date == "2024-01-05"
    assert [(f.name, f.status) for f in report.files] == [(FIRST, "downloaded"), (SECOND, "downloaded")]
    assert messages == [f"[1/2] {FIRST}", f"[2/2] {SECOND}"]
    for name in (FIRST, SECOND):
        assert (tmp_path / name).read_bytes() == fake_openfda.files[name]
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST_NAME, FIRST, SECOND]  # no .part left
    with Store.open(tmp_path.parent / "medpages.sqlite") as store:
        added = add_sources(store, [tmp_path])  # the folder: the manifest is not taken for labels
        assert [Path(f.path).name for f in added.files] == [FIRST, SECOND]
        assert added.total("new") == 5 and store.best_label(["atorvastatin"]) is not None


def test_a_second_run_skips_complete_files(fake_openfda: FakeOpenFDA, tmp_path: Path) -> None:
    download(fake_openfda, tmp_path)
    fake_openfda.requests.clear()
    report = download(fake_openfda, tmp_path)
    assert [f.status for f in report.files] == ["skipped", "skipped"]
    assert [path for path, _, _ in fake_openfda.requests] == ["/download.json"]


def test_a_new_export_is_downloaded_again(fake_openfda: FakeOpenFDA, tmp_path: Path) -> None:
    download(fake_openfda, tmp_path)
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    manifest["files"][FIRST]["export_date"] = "2023-12-29"
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))
    assert [f.status for f in download(fake_openfda, tmp_path).files] == ["downloaded", "skipped"]


def test_a_dropped_connection_resumes_with_a_range_request(fake_openfda: FakeOpenFDA, tmp_path: Path) -> None:
    fake_openfda.drops[FIRST] = [1000, 3000]  # two drops, then the rest arrives
    report = download(fake_openfda, tmp_path, retries=3)
    assert [f.status for f in report.files] == ["resumed", "downloaded"]
    etag = fake_openfda.etag(FIRST)
    assert file_requests(fake_openfda, FIRST) == [(None, None), ("bytes=1000-", etag), ("bytes=4000-", etag)]
    assert (tmp_path / FIRST).read_bytes() == fake_openfda.files[FIRST]


def test_tries_wait_twice_as_long_each_time_and_say_why(fake_openfda: FakeOpenFDA, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda seconds: waits.append(seconds) if threading.current_thread()
                        is threading.main_thread() else real_sleep(seconds))
    fake_openfda.drops[FIRST] = [1000, 3000]
    messages: list[str] = []
    download_openfda(tmp_path, base_url=fake_openfda.base_url, retries=3, backoff_seconds=0.5,
                     progress=messages.append)
    assert waits == [0.5, 1.0]
    resuming = [m for m in messages if "resuming" in m]
    assert [m.rsplit("(", 1)[1] for m in resuming] == ["attempt 2 of 4)", "attempt 3 of 4)"]
    assert "the connection broke at byte 1,000" in resuming[0]


def test_a_failed_download_resumes_on_the_next_run(fake_openfda: FakeOpenFDA, tmp_path: Path) -> None:
    fake_openfda.drops[FIRST] = [2500]
    first = download(fake_openfda, tmp_path, retries=0)
    [failed] = first.failed
    assert failed.name == FIRST and failed.bytes == 2500
    assert "run the download again to resume from byte 2,500" in failed.message
    assert (tmp_path / f"{FIRST}.part").stat().st_size == 2500 and not (tmp_path / FIRST).exists()
    assert first.paths == [tmp_path / SECOND]

    second = download(fake_openfda, tmp_path, retries=0)
    assert [f.status for f in second.files] == ["resumed", "skipped"]
    assert file_requests(fake_openfda, FIRST)[-1] == ("bytes=2500-", fake_openfda.etag(FIRST))
    assert (tmp_path / FIRST).read_bytes() == fake_openfda.files[FIRST]


def test_a_file_that_changed_meanwhile_is_fetched_whole(fake_openfda: FakeOpenFDA, tmp_path: Path) -> None:
    fake_openfda.drops[FIRST] = [2500]
    download(fake_openfda, tmp_path, retries=0)
    fake_openfda.files[FIRST] = zip_bytes({"drug-label-0001-of-0002.json": OPENFDA_SYNTHETIC.read_bytes()})
    report = download(fake_openfda, tmp_path, retries=0)
    assert report.files[0].status == "resumed"
    assert (tmp_path / FIRST).read_bytes() == fake_openfda.files[FIRST]  # If-Range: the server sent it all


def test_a_server_that_ignores_ranges_is_read_from_the_start(fake_openfda: FakeOpenFDA, tmp_path: Path) -> None:
    fake_openfda.drops[FIRST] = [2500]
    fake_openfda.ignore_ranges = True
    report = download(fake_openfda, tmp_path, retries=2)
    assert report.files[0].status == "resumed"
    assert (tmp_path / FIRST).read_bytes() == fake_openfda.files[FIRST]


def test_a_file_of_the_wrong_size_is_not_kept(fake_openfda: FakeOpenFDA, tmp_path: Path) -> None:
    fake_openfda.size_mb[FIRST] = "5.00"
    report = download(fake_openfda, tmp_path, retries=1)
    [failed] = report.failed
    assert "bytes where the index says 5.0 MB" in failed.message
    assert not (tmp_path / FIRST).exists() and not (tmp_path / f"{FIRST}.part").exists()
    assert report.files[1].status == "downloaded"


def test_a_damaged_zip_is_not_kept(fake_openfda: FakeOpenFDA, tmp_path: Path) -> None:
    data = bytearray(fake_openfda.files[FIRST])
    data[200] ^= 0xFF
    fake_openfda.files[FIRST] = bytes(data)
    [failed] = download(fake_openfda, tmp_path, retries=0).failed
    assert "CRC-32" in failed.message or "not a readable zip" in failed.message
    assert not (tmp_path / FIRST).exists()


def test_a_missing_partition_fails_alone(fake_openfda: FakeOpenFDA, tmp_path: Path) -> None:
    fake_openfda.index_override = json.dumps({"results": {"drug": {"label": {"partitions": [
        {"file": f"{fake_openfda.base_url}/download/drug/label/{FIRST}", "size_mb": "0.01"},
        {"file": f"{fake_openfda.base_url}/download/drug/label/drug-label-0009-of-0009.json.zip"},
        {"file": "../../../etc/passwd"}, {"file": "ftp://example.invalid/x.zip"}, {"size_mb": "1"},
    ]}}}}).encode()
    report = download(fake_openfda, tmp_path, retries=3)
    assert [(f.name, f.status) for f in report.files] == [(FIRST, "downloaded"),
                                                          ("drug-label-0009-of-0009.json.zip", "failed")]
    assert "the server answered 404" in report.files[1].message
    assert len(file_requests(fake_openfda, "drug-label-0009-of-0009.json.zip")) == 1  # a 404 is not retried
    assert report.problems == [
        "partition 3: unusable or repeated file name 'passwd'",
        "partition 4: not an http(s) URL: ftp://example.invalid/x.zip",
        "partition 5: no file URL",
    ]


@pytest.mark.parametrize(("status", "body", "message"), [
    (404, b"", "the server answered 404"),
    (200, b"<html>", "the download index is not JSON"),
    (200, b'{"results": {"drug": {}}}', "no results.drug.label.partitions"),
])
def test_an_unusable_index_is_an_error(fake_openfda: FakeOpenFDA, tmp_path: Path, status, body, message) -> None:
    fake_openfda.index_status, fake_openfda.index_override = status, body
    with pytest.raises(DownloadError, match=message):
        download(fake_openfda, tmp_path)


def test_no_server_is_an_error(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DownloadError, match="cannot fetch the download index"):
        download_openfda(tmp_path, base_url=f"http://127.0.0.1:{port}", backoff_seconds=0)
