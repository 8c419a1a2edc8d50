"""`download_openfda`: openFDA's drug-label files, downloaded resumably and verified.

openFDA lists its bulk files in a download index (`https://api.fda.gov/download.json`,
`results.drug.label.partitions`: URL, size in MB, record count). Each partition is fetched
into `<name>.part` with HTTP Range requests, so an interrupted download resumes where it
stopped (within a run after a dropped connection, and on the next run); `If-Range` makes the
server send the whole file again if it changed meanwhile. A finished file is checked against
the size the server announced and the size the index gives, and by the CRC-32 checksums of
the zip itself, before it takes its final name. A manifest beside the files records each
one's export date, so a later run skips files already complete and fetches them again only
when openFDA publishes a new export.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from medpages.atomic import rename_durably, write_atomic
from medpages.errors import MedpagesError

Progress = Callable[[str], None]

DEFAULT_BASE_URL = "https://api.fda.gov"
INDEX_PATH = "download.json"
# Bookkeeping beside the files, hidden so that `add_sources` on the folder does not read it.
MANIFEST_NAME = ".openfda-download.json"
DEFAULT_RETRIES = 4
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=20.0)
USER_AGENT = "medpages (reference label download)"
# The index gives sizes in MB with two decimals; a file may differ by rounding and by which MB.
SIZE_TOLERANCE = 0.005
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.zip$")
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


class DownloadError(MedpagesError):
    """The download index cannot be fetched or read; the message says which and why."""


@dataclass(frozen=True)
class Partition:
    """One file the index lists."""

    url: str
    name: str
    size_mb: float | None = None
    records: int | None = None
    display_name: str = ""


@dataclass
class DownloadedFile:
    name: str
    path: Path
    status: str  # downloaded, resumed, skipped, failed
    bytes: int = 0
    message: str = ""


@dataclass
class DownloadReport:
    index_url: str
    export_date: str | None = None
    files: list[DownloadedFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # index entries that were not used, and why

    def count(self, status: str) -> int:
        return sum(1 for downloaded in self.files if downloaded.status == status)

    @property
    def failed(self) -> list[DownloadedFile]:
        return [downloaded for downloaded in self.files if downloaded.status == "failed"]

    @property
    def paths(self) -> list[Path]:
        """The complete files, ready for `add_sources`."""
        return [downloaded.path for downloaded in self.files if downloaded.status != "failed"]


def download_openfda(
    dest: Path,
    *,
    base_url: str = DEFAULT_BASE_URL,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
    retries: int = DEFAULT_RETRIES,
    backoff_seconds: float = 1.0,
) -> DownloadReport:
    """Download every drug-label partition the index at `base_url` lists into `dest`.

    Returns a report with one entry per partition; a partition that still fails after
    `retries` attempts is reported as failed (its `.part` stays, so the next run resumes).
    Raises DownloadError when the index itself cannot be fetched or read.
    """
    dest.mkdir(parents=True, exist_ok=True)
    index_url = f"{base_url.rstrip('/')}/{INDEX_PATH}"
    owns_client = client is None
    http = client or httpx.Client(timeout=DEFAULT_TIMEOUT, follow_redirects=True,
                                  headers={"User-Agent": USER_AGENT})
    try:
        export_date, partitions, problems = fetch_index(http, index_url)
        report = DownloadReport(index_url, export_date, problems=problems)
        manifest = _Manifest.load(dest / MANIFEST_NAME)
        for number, partition in enumerate(partitions, start=1):
            if progress:
                progress(f"[{number}/{len(partitions)}] {partition.name}")
            downloaded = _download_partition(http, partition, dest, export_date, manifest, retries,
                                             backoff_seconds, progress)
            report.files.append(downloaded)
        return report
    finally:
        if owns_client:
            http.close()


def fetch_index(client: httpx.Client, index_url: str) -> tuple[str | None, list[Partition], list[str]]:
    """The export date and the drug-label partitions of the download index, and entries skipped."""
    try:
        response = client.get(index_url)
        response.raise_for_status()
        index = response.json()
    except httpx.HTTPStatusError as error:
        raise DownloadError(f"{index_url}: the server answered {error.response.status_code}") from None
    except httpx.HTTPError as error:
        raise DownloadError(f"{index_url}: cannot fetch the download index ({_describe(error)})") from None
    except ValueError as error:
        raise DownloadError(f"{index_url}: the download index is not JSON ({error})") from None
    label = _dig(index, "results", "drug", "label")
    if not isinstance(label, dict) or not isinstance(label.get("partitions"), list):
        raise DownloadError(f"{index_url}: no results.drug.label.partitions in the download index")
    partitions: list[Partition] = []
    problems: list[str] = []
    names: set[str] = set()
    for number, entry in enumerate(label["partitions"], start=1):
        url = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(url, str) or not url:
            problems.append(f"partition {number}: no file URL")
            continue
        url = urljoin(index_url, url)
        if urlsplit(url).scheme not in ("http", "https"):
            problems.append(f"partition {number}: not an http(s) URL: {url[:200]}")
            continue
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        if not _SAFE_NAME.match(name) or name in names:
            problems.append(f"partition {number}: unusable or repeated file name {name[:200]!r}")
            continue
        names.add(name)
        partitions.append(Partition(
            url=url, name=name, size_mb=_number(entry.get("size_mb")), records=_integer(entry.get("records")),
            display_name=str(entry.get("display_name") or ""),
        ))
    export_date = label.get("export_date")
    return (export_date if isinstance(export_date, str) else None), partitions, problems


# --------------------------------------------------------------------------- one partition


def _download_partition(
    client: httpx.Client, partition: Partition, dest: Path, export_date: str | None,
    manifest: _Manifest, retries: int, backoff_seconds: float, progress: Progress | None,
) -> DownloadedFile:
    final = dest / partition.name
    if final.exists() and manifest.is_complete(partition, export_date, final):
        return DownloadedFile(partition.name, final, "skipped", final.stat().st_size, "already complete")
    part = dest / f"{partition.name}.part"
    state_path = dest / f".{partition.name}.part.json"
    resumed = part.exists() and part.stat().st_size > 0

    def announce(state: RetryCallState) -> None:
        if progress:
            progress(f"{partition.name}: resuming after {state.outcome.exception()} "  # type: ignore[union-attr]
                     f"(attempt {state.attempt_number + 1} of {retries + 1})")

    # Each try resumes from what the `.part` holds; waits of backoff_seconds, then twice as long each time.
    retrying = Retrying(stop=stop_after_attempt(retries + 1), wait=wait_exponential(multiplier=backoff_seconds),
                        retry=retry_if_exception(lambda error: isinstance(error, _TryFailed) and error.retry),
                        before_sleep=announce, reraise=True)
    try:
        for attempt in retrying:
            with attempt:
                resumed = resumed or attempt.retry_state.attempt_number > 1
                _fetch_verified(client, partition, part, state_path)
    except _TryFailed as failure:
        size = part.stat().st_size if part.exists() else 0
        return DownloadedFile(partition.name, final, "failed", size,
                              f"{failure}; run the download again to resume from byte {size:,}")
    size = part.stat().st_size
    rename_durably(part, final)
    state_path.unlink(missing_ok=True)
    manifest.record(partition, export_date, size)
    return DownloadedFile(partition.name, final, "resumed" if resumed else "downloaded", size)


class _TryFailed(Exception):
    """One try at a partition failed, and why; `retry` says whether another try may succeed."""

    def __init__(self, reason: str, *, retry: bool = True):
        super().__init__(reason)
        self.retry = retry


def _fetch_verified(client: httpx.Client, partition: Partition, part: Path, state_path: Path) -> None:
    """Fetch the rest of the partition into `part` and check it; raises _TryFailed."""
    try:
        _fetch(client, partition, part, state_path)
    except _Incomplete as error:
        raise _TryFailed(str(error)) from None
    except httpx.HTTPStatusError as error:
        status = error.response.status_code
        # A 404 or 403 stays so; a timeout, 429 or server error may pass.
        raise _TryFailed(f"the server answered {status}", retry=status >= 500 or status in (408, 429)) from None
    except httpx.HTTPError as error:
        raise _TryFailed(_describe(error)) from None
    problem = verify_download(part, partition)
    if problem:
        # The data is complete but wrong: start over rather than resume.
        part.unlink(missing_ok=True)
        state_path.unlink(missing_ok=True)
        raise _TryFailed(problem)


class _Incomplete(Exception):
    """The body ended before the announced length; the `.part` keeps what arrived."""


def _fetch(client: httpx.Client, partition: Partition, part: Path, state_path: Path) -> None:
    state = _read_state(state_path, partition.url) if part.exists() else None
    offset = part.stat().st_size if state is not None else 0
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        validator = state.get("etag") or state.get("last_modified") if state else None
        if validator:
            headers["If-Range"] = validator
    with client.stream("GET", partition.url, headers=headers) as response:
        if response.status_code == 416:
            if state and state.get("total") == offset:
                return  # the previous run had received everything
            part.unlink(missing_ok=True)  # longer than the file now is: start over
            state_path.unlink(missing_ok=True)
            raise _Incomplete("the server could not resume there; starting over")
        response.raise_for_status()
        if response.status_code == 206:
            match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
            if not match or int(match.group(1)) != offset:
                raise _Incomplete(f"the server resumed at the wrong place ({response.headers.get('content-range')})")
            total = int(match.group(3)) if match.group(3) != "*" else None
            mode = "ab"
        else:  # 200: the whole file (the server ignores ranges, or the file changed)
            offset = 0
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
            mode = "wb"
        _write_state(state_path, {
            "url": partition.url, "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"), "total": total,
        })
        with part.open(mode) as out:
            try:
                # Without a chunk size httpx hands over each piece as it arrives, so nothing
                # received is lost when the connection breaks.
                for chunk in response.iter_raw():
                    out.write(chunk)
            except httpx.TransportError as error:
                out.flush()
                raise _Incomplete(f"the connection broke at byte {offset + out.tell():,} ({_describe(error)})") \
                    from None
    size = part.stat().st_size
    if total is not None and size != total:
        raise _Incomplete(f"received {size:,} of {total:,} bytes")


def verify_download(path: Path, partition: Partition) -> str | None:
    """Why a downloaded file is not the partition the index lists (size, zip checksums), or None."""
    size = path.stat().st_size
    if partition.size_mb is not None and not _size_matches(size, partition.size_mb):
        return f"{size:,} bytes where the index says {partition.size_mb} MB"
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()  # reads every member and checks its CRC-32
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as error:
        return f"not a readable zip archive ({error})"
    if damaged is not None:
        return f"the member {damaged!r} fails its CRC-32 checksum"
    return None


def _size_matches(size: int, size_mb: float) -> bool:
    for unit in (1_000_000, 1024 * 1024):
        expected = size_mb * unit
        if abs(size - expected) <= max(expected * SIZE_TOLERANCE, 0.01 * unit):
            return True
    return False


# --------------------------------------------------------------------------- bookkeeping


class _Manifest:
    """`.openfda-download.json`: for each complete file, its URL, size and export date."""

    def __init__(self, path: Path, files: dict[str, Any]):
        self.path = path
        self.files = files

    @classmethod
    def load(cls, path: Path) -> _Manifest:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            files = data.get("files") if isinstance(data, dict) else None
        except (OSError, ValueError):
            files = None
        return cls(path, files if isinstance(files, dict) else {})

    def is_complete(self, partition: Partition, export_date: str | None, final: Path) -> bool:
        entry = self.files.get(partition.name)
        if not isinstance(entry, dict):
            return False
        return (entry.get("url") == partition.url and entry.get("export_date") == export_date
                and entry.get("bytes") == final.stat().st_size)

    def record(self, partition: Partition, export_date: str | None, size: int) -> None:
        self.files[partition.name] = {"url": partition.url, "export_date": export_date, "bytes": size}
        write_atomic(self.path, json.dumps({"files": self.files}, indent=1, sort_keys=True).encode("utf-8"))


def _read_state(path: Path, url: str) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and state.get("url") == url else None


def _write_state(path: Path, state: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(state).encode("utf-8"))


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _integer(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def _describe(error: BaseException) -> str:
    message = str(error).strip()
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
