"""The per-page work of a build, split over forked worker processes when the site is large.

The builder hands over the pages a batch at a time. Each worker takes a contiguous share of the
batch (inherited through fork, not copied or serialised) and for each page: hashes its inputs, renders and writes it when the hash differs
from the manifest or the file is gone, and reads its words for the full-text index. When a
whole new full-text index is being made, a worker keeps each word's best postings itself and
hands back only those, so no per-page word list crosses between processes.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import traceback
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from medpages.atomic import write_atomic
from medpages.model import FrontMatter, Medicine, Page
from medpages.publish.site import search_index, views
from medpages.publish.site.render import SiteRenderer

# Fork worker processes only for at least this many pages (below it, forking costs more).
PARALLEL_FROM = 300
# Fields of a Page that never show on the site (the parsed source text).
NOT_RENDERED = {"original"}


@dataclass
class PageJob:
    """What every worker needs, inherited by fork."""

    entries: Sequence[tuple[Medicine, Page | None]]
    paths: list[str | None]  # the page path of each entry, None for an entry that is skipped
    out_dir: str
    old_files: dict[str, str]  # the previous manifest
    config_key: bytes
    renderer: SiteRenderer
    full_index: bool  # collect the postings of a whole new full-text index
    indexed: dict[str, str]  # page path → content hash the full-text index already holds
    reader_names: dict[str, list[str]] = field(default_factory=dict)  # page path → known `views.reader_names`
    first: int = 0  # the build's number of entries[0]: a page's full-text document id is first + its index


class PageResult(NamedTuple):
    index: int
    page_hash: str  # of everything the page's HTML depends on
    content_hash: str  # of the medicine and page only
    medicine_digest: str
    rendered: bool
    skeleton: bool
    updated: str | None
    reader_names: list[str]


@dataclass
class ShareResult:
    pages: list[PageResult] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)  # full index: see search_index.add_postings
    terms: dict[str, dict[str, int]] = field(default_factory=dict)  # delta: page path → terms


def do_share(job: PageJob, start: int, stop: int) -> ShareResult:
    """The work for entries[start:stop]."""
    result = ShareResult()
    postings: dict[str, list[int]] = defaultdict(list)
    old_files, out_dir, config_key = job.old_files, job.out_dir, job.config_key
    for index in range(start, stop):
        path = job.paths[index]
        if path is None:
            continue
        medicine, page = job.entries[index]
        if page is None:
            page = Page(title=medicine.title, front_matter=FrontMatter(title=medicine.title))
        # JSON bytes straight from pydantic-core: for a rebuild, this is most of the work.
        medicine_json = medicine.__pydantic_serializer__.to_json(medicine)
        page_json = page.__pydantic_serializer__.to_json(page, exclude=NOT_RENDERED)
        hasher = hashlib.sha256(medicine_json)
        medicine_digest = hasher.hexdigest()[:24]
        hasher.update(page_json)
        content_hash = hasher.hexdigest()[:32]
        hasher.update(config_key)
        page_hash = hasher.hexdigest()[:32]

        folder = f"{out_dir}/{path}"
        old_hash = old_files.get(f"{path}/index.html")
        rendered = old_hash != page_hash or not os.path.isfile(f"{folder}/index.html")
        reader_names = job.reader_names.get(path)
        if reader_names is None:
            reader_names = views.reader_names(medicine)
        if rendered:
            write_atomic(f"{folder}/index.html", job.renderer.medicine(medicine, page, reader_names=reader_names),
                         durable=False)
        if job.full_index:
            search_index.add_postings(postings, job.first + index, search_index.page_terms(medicine, page))
        elif job.indexed.get(path) != content_hash:
            result.terms[path] = search_index.page_terms(medicine, page)
        updated = views.last_updated(page)
        result.pages.append(PageResult(index, page_hash, content_hash, medicine_digest, rendered,
                                       views.is_skeleton(page), updated.isoformat() if updated else None,
                                       reader_names))
    result.postings = search_index.best_postings(postings)
    return result


class WorkerError(RuntimeError):
    pass


def _share_main(job: PageJob, start: int, stop: int, connection) -> None:  # type: ignore[no-untyped-def]
    try:
        connection.send(("ok", do_share(job, start, stop)))
    except BaseException:  # noqa: BLE001 - every failure goes back to the builder, which raises it
        connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()


class Running:
    """The workers of one job, started and not yet waited for (or the job's results, done here)."""

    def __init__(self, processes: list, done: list[ShareResult] | None = None) -> None:
        self.processes = processes  # (process, receiving end of its pipe)
        self.done = done

    def results(self) -> list[ShareResult]:
        """Each worker's results, in order; a `WorkerError` when one failed."""
        if self.done is not None:
            return self.done
        results, failure = [], None
        try:
            for process, receiver in self.processes:
                try:
                    status, value = receiver.recv()
                except EOFError:
                    status, value = "error", f"the worker process ended with exit code {process.exitcode}"
                if status == "error":
                    failure = failure or value
                else:
                    results.append(value)
        finally:
            for process, receiver in self.processes:
                receiver.close()
                process.join(timeout=5)
                if process.is_alive():
                    process.terminate()
                    process.join()
        if failure:
            raise WorkerError(f"rendering pages failed in a worker process:\n{failure}")
        self.done = results
        return results


def start(job: PageJob, workers: int) -> Running:
    """Start the work for every entry in `workers` forked processes and return at once, so that the
    caller can read the next pages meanwhile; a small job is done here, before returning."""
    count = len(job.entries)
    if workers <= 1 or count < PARALLEL_FROM:
        return Running([], [do_share(job, 0, count)])
    context = multiprocessing.get_context("fork")
    running = []
    for number in range(workers):
        receiver, sender = context.Pipe(duplex=False)
        first, stop = count * number // workers, count * (number + 1) // workers
        process = context.Process(target=_share_main, args=(job, first, stop, sender), daemon=True)
        process.start()
        sender.close()
        running.append((process, receiver))
    return Running(running)
