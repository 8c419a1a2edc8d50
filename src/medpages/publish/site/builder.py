"""`build_site`: the static website of every page, rebuilt incrementally.

A manifest in the state folder maps each file the builder wrote to a hash: for a medicine page
the hash of its inputs (the medicine, the page, the site's settings and the template
version), for every other file the hash of its bytes. A rebuild renders a medicine page only
when its hash changed or its file is gone, writes other files only when their bytes changed,
and deletes the files it wrote before that are no longer part of the site (never anything
else). Medicine pages are rendered in worker processes when there are many. Every file is
written with `write_atomic`, not fsynced and new files in place: the site is remade from the
store, and an fsync, temporary and rename per page would cost more than rendering it.

Each build hands back a `PageSummary` per medicine page (what its listings, the sitemap and the
search need of it). A caller that keeps them (the build stage keeps them in the store's build
manifest) passes the unchanged pages' summaries as `kept` and only the changed medicines as
`entries`: then only those are read, rendered and indexed, and every other file is made from the
summaries. `site_intact` says, cheaply, whether the folder is still as the last build left it.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from medpages.atomic import leftovers_swept, write_atomic
from medpages.catalog.canonical import load_dictionary
from medpages.errors import InputError
from medpages.model import Medicine, Page
from medpages.publish.site import search_index, views
from medpages.publish.site.render import ListedMedicine, SiteRenderer, robots, sitemap
from medpages.publish.site.search_index import FullTextIndex, NameRecord
from medpages.publish.folder_check import entries_in
from medpages.publish.site.state import (
    CHECK_NAME,
    FULLTEXT_STATE_NAME,
    MANIFEST_NAME,
    RUNNING_NAME,
    STATIC_DIR,
    SiteReport,
    render_version,
)
from medpages.publish.site.workers import PARALLEL_FROM, PageJob, Running, start

MANIFEST_VERSION = 1
# Pages read, rendered and let go together: enough to keep two workers busy, few enough that a
# site of 100,000 pages never holds more than this many in memory.
BATCH_SIZE = 2_000
_SAFE_PART = re.compile(r"^[a-z0-9-]{1,200}$")  # what slugify makes: never a path of its own


class EveryPageNeeded(Exception):
    """A build given only the changed pages (`kept`) cannot go on: call again with every page."""


class PageSummary(NamedTuple):
    """What the site keeps of one medicine page between builds: its listing in the letter page, the
    home page and the sitemap, its name-index record, and the hashes that say whether it changed.
    A tuple of plain values: a one-page rebuild of a big site makes ten thousands of them."""

    path: str  # "a/aspirin"
    title: str
    skeleton: bool  # nothing written yet
    updated: str | None  # ISO date, the sitemap's lastmod
    badge: tuple[str, str] | list[str]  # the provenance badge's kind and text (the home page's featured list)
    content_hash: str  # of the medicine and page (the full-text index's)
    page_hash: str  # of everything the page's HTML depends on
    name_lists: list  # the name index's record: [title, generic names, synonyms, brands]
    reader_names: list[str]  # `views.reader_names`: with `name_lists`, all the page needs of the drug dictionary

    @classmethod
    def of(cls, path: str, title: str, skeleton: bool, updated: str | None, badge: views.Badge,
           content_hash: str, page_hash: str, names: NameRecord | list, reader_names: list[str]) -> PageSummary:
        if isinstance(names, NameRecord):
            names = [names.title, list(names.generic), list(names.synonyms), list(names.brands)]
        return cls(path, title, skeleton, updated, [badge.kind, badge.text], content_hash, page_hash, names,
                   reader_names)

    def medicine_names(self) -> tuple[list[str], list]:
        """What this page's medicine gave the site through the drug dictionary: the same medicine
        (the same digest) gives them again without loading it (see `build_site`'s `known_names`)."""
        return self.reader_names, self.name_lists

    @property
    def letter(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def slug(self) -> str:
        return self.path.split("/", 1)[1]

    @property
    def names(self) -> NameRecord:
        title, generic, synonyms, brands = self.name_lists
        return NameRecord(title, self.path, tuple(generic), tuple(synonyms), tuple(brands), self.skeleton)

    def to_json(self) -> list:
        return list(self)

    @classmethod
    def from_json(cls, data: list) -> PageSummary:
        return cls(*data)


def build_site(
    entries: Iterable[tuple[Medicine, Page | None]],
    out_dir: Path,
    *,
    base_url: str = "",
    edit_url: str | None = None,
    state_dir: Path,
    site_name: str = "Medicine information",
    workers: int | None = None,
    kept: Iterable[PageSummary] = (),
    known_names: dict[str, tuple[list[str], list]] | None = None,
    stamp: str = "",
) -> SiteReport:
    """Build the site of `entries` into `out_dir`; `state_dir` keeps what the next build reuses.

    `base_url` is where the site will be served (`https://example.org/medicines`): canonical
    URLs, OpenGraph and the sitemap need it absolute. `edit_url` is the web app's page for
    suggesting an edit (`{slug}` and `{section}` are filled in; without them they are added
    as query parameters); without it, pages have no "suggest an edit" links. A medicine
    without a page gets a page whose every section says "Not yet written".

    `kept`: the summaries of pages the last build made and that did not change, when `entries`
    holds only the changed medicines (`EveryPageNeeded` is raised when that cannot do).
    `known_names`: page path → `PageSummary.medicine_names()` of a medicine that did not change
    since, so that a rebuild of its page does not load the drug dictionary. `stamp` is kept in the
    state folder for `site_intact`.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    state_dir = Path(state_dir)
    if state_dir.resolve().is_relative_to(out_dir):
        raise InputError("the build state folder must not be inside the site folder", source=str(state_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    state_dir.mkdir(parents=True, exist_ok=True)
    config = views.SiteConfig(base_url=base_url.strip(), edit_url=edit_url or None, site_name=site_name)
    build = _Build(out_dir, state_dir, config, workers, stamp)
    # The entries can be thousands of large objects: a garbage collection pass over them in the
    # middle of a one-page rebuild would cost more than the rebuild. Nothing here makes cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with leftovers_swept(out_dir, state_dir / RUNNING_NAME,
                             files=[state_dir / name for name in (MANIFEST_NAME, FULLTEXT_STATE_NAME, CHECK_NAME)]):
            report = build.run(entries, list(kept), known_names or {})
    finally:
        if collecting:
            gc.enable()
    report.seconds = time.perf_counter() - started
    return report


class _Build:
    def __init__(self, out_dir: Path, state_dir: Path, config: views.SiteConfig, workers: int | None,
                 stamp: str = "") -> None:
        self.out_dir = out_dir
        self.stamp = stamp
        self.state_dir = state_dir
        self.config = config
        self.workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        self.renderer = SiteRenderer(config)
        self.config_key = render_version(config)
        self.report = SiteReport(out_dir=out_dir)
        self.old_files, self.fulltext = self._load_state()
        self.files: dict[str, str] = {}  # the new manifest: file → hash
        self.groups: dict[str, list] = {}  # files made together from one digest of their inputs
        self.seen_paths: set[str] = set()

    # ------------------------------------------------------------------ state

    def _load_state(self) -> tuple[dict[str, str], FullTextIndex]:
        files: dict[str, str] = {}
        fulltext = FullTextIndex.empty()
        self.old_groups: dict[str, list] = {}
        try:
            data = json.loads((self.state_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
            if data.get("version") == MANIFEST_VERSION and data.get("out_dir") == str(self.out_dir):
                files = data["files"]
                self.old_groups = data["groups"]
                fulltext = FullTextIndex.from_json(
                    json.loads((self.state_dir / FULLTEXT_STATE_NAME).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no usable state: a full build, and nothing deleted
        return files, fulltext

    def _save_state(self) -> None:
        manifest = {"version": MANIFEST_VERSION, "out_dir": str(self.out_dir), "files": self.files,
                    "groups": self.groups}
        # Lost in a power cut, these only mean a full build next time (see _load_state).
        write_atomic(self.state_dir / FULLTEXT_STATE_NAME, json.dumps(self.fulltext.to_json()).encode("utf-8"),
                     durable=False)
        write_atomic(self.state_dir / MANIFEST_NAME, json.dumps(manifest).encode("utf-8"), durable=False)
        folders = {"": entries_in(self.out_dir)}
        for relative in self.files:
            letter = relative.split("/", 1)[0]
            if letter not in folders and relative.count("/") == 2 and (self.out_dir / letter).is_dir():
                folders[letter] = entries_in(self.out_dir / letter)
        check = {"stamp": self.stamp, "out_dir": str(self.out_dir), "folders": folders,
                 "others": sorted(relative for relative in self.files if not _is_page_file(relative))}
        write_atomic(self.state_dir / CHECK_NAME, json.dumps(check).encode("utf-8"), durable=False)

    # ------------------------------------------------------------------ the build

    def run(self, entries: Iterable[tuple[Medicine, Page | None]], kept: list[PageSummary],
            known_names: dict[str, tuple[list[str], list]]) -> SiteReport:
        full_index = self._needs_full_index()
        if kept and full_index:
            raise EveryPageNeeded("a new full-text index is due: it is made from every page")
        self.seen_paths.update(summary.path for summary in kept)
        indexed = {path: entry[1] for path, entry in self.fulltext.main.items()}
        indexed.update({path: entry[1] for path, entry in self.fulltext.delta.items()})
        reader_names = {path: names[0] for path, names in known_names.items()}
        summaries: list[PageSummary | None] = []
        docs: list[tuple[str, str, str] | None] = []  # document id → (path, hash, title)
        postings: dict[str, list[int]] = {}  # a new full-text index's best postings, batches folded in
        terms: dict[str, dict[str, int]] = {}  # the changed pages' words, for the delta index
        # A batch at a time: the pages of a big site never are in memory together, only what the
        # listings and the search need of each (a `PageSummary`). The next batch is read from the
        # store while the workers render this one.
        running: tuple | None = None
        for batch in _batches(entries, BATCH_SIZE):
            if running is not None:
                self._collect(*running, summaries, docs, postings, terms, known_names)
            first = len(summaries)
            summaries += [None] * len(batch)
            docs += [None] * len(batch)
            paths = [self._path_of(medicine) for medicine, _ in batch]
            job = PageJob(batch, paths, str(self.out_dir), self.old_files, self.config_key.encode("utf-8"),
                          self.renderer, full_index, indexed, reader_names, first=first)
            if len(batch) >= PARALLEL_FROM and any(path not in reader_names for path in paths if path):
                load_dictionary()  # once, here: the workers inherit it instead of each loading it (~1 s)
            running = (batch, paths, first, start(job, self.workers))
        if running is not None:
            self._collect(*running, summaries, docs, postings, terms, known_names)
        self.report.pages = summaries
        self.report.written += self.report.rendered
        self.report.unchanged += len(kept)
        # Every page of the site, in one order whatever was rendered this time: a build from the
        # summaries writes the same bytes as one from every page.
        pages = sorted([*kept, *(summary for summary in summaries if summary is not None)], key=lambda s: s.slug)
        self.report.medicines = len(pages)

        listed: dict[str, list[ListedMedicine]] = defaultdict(list)
        names_digest = hashlib.sha256()  # of every name record, in order: what the name index is made from
        sitemap_pages: list[tuple[str, str | None]] = []
        featured: list[views.FeaturedPage] = []  # the written pages, which the home page leads with
        content: dict[str, tuple[str, str]] = {}  # path → (content hash, title)
        for summary in pages:
            path = summary.path
            self.files[f"{path}/index.html"] = summary.page_hash
            content[path] = (summary.content_hash, summary.title)
            names_digest.update(f"{summary.path}\0{summary.skeleton}\0{summary.name_lists!r}\n".encode())
            listed[summary.letter].append(ListedMedicine(summary.title, summary.slug, summary.skeleton))
            if not summary.skeleton:  # nothing to read yet: kept out of search engines (and noindex)
                sitemap_pages.append((f"{path}/", summary.updated))
                featured.append(views.FeaturedPage(summary.title, path, views.Badge(*summary.badge)))

        counts = {letter: len(items) for letter, items in listed.items()}
        self._write_others({
            "index.html": self.renderer.home(counts, sum(i.skeleton for items in listed.values() for i in items), featured),
            "about/index.html": self.renderer.about(),
            "search/index.html": self.renderer.search(),
            "404.html": self.renderer.not_found(counts),
            "robots.txt": robots(self.config),
            "sitemap.xml": sitemap(self.config, [("", None), *[(f"{k}/", None) for k in sorted(listed)],
                                                 ("about/", None), *sitemap_pages]),
            **{f"static/{p.relative_to(STATIC_DIR).as_posix()}": p.read_bytes()
               for p in sorted(STATIC_DIR.rglob("*")) if p.is_file()},
        })
        counts_key = json.dumps(sorted(counts.items()))
        for letter, items in listed.items():
            items.sort(key=lambda item: (item.title.casefold(), item.slug))
            # The settings and templates too: the site's name is on every letter page.
            digest = _digest_lines([self.config_key, counts_key,
                                    *(f"{i.title}\0{i.slug}\0{i.skeleton}" for i in items)])
            self._write_group(f"letter:{letter}", digest,
                              lambda letter=letter, items=items: {
                                  f"{letter}/index.html": self.renderer.letter(letter, items, counts)})
        # The code too (`config_key`): a medpages whose name index is laid out anew writes it again.
        self._write_group("names", _digest_lines([self.config_key, names_digest.hexdigest()]),
                          lambda: search_index.name_shards(summary.names for summary in pages))
        self._write_others(self._fulltext_files(content, docs, postings, terms, full_index))

        self._delete_stale()
        self._save_state()
        if not self.config.absolute:
            self.report.warnings.append(
                "no absolute base URL: canonical links and the sitemap use paths only; set the site's "
                "address (e.g. https://example.org) for search engines")
        return self.report

    def _collect(self, batch: list, paths: list[str | None], first: int, running: Running,
                 summaries: list[PageSummary | None], docs: list[tuple[str, str, str] | None],
                 postings: dict[str, list[int]], terms: dict[str, dict[str, int]],
                 known_names: dict[str, tuple[list[str], list]]) -> None:
        """Take a batch's results from its workers: each page's summary and full-text words."""
        shares = running.results()
        for page in (page for share in shares for page in share.pages):
            medicine, model = batch[page.index]
            path = paths[page.index]
            if page.rendered:
                self.report.rendered.append(f"{path}/index.html")
            else:
                self.report.unchanged += 1
            badge = views.provenance_badge(model) if model is not None else views.Badge("skeleton", "")
            known = known_names.get(path)
            summaries[first + page.index] = PageSummary.of(
                path, medicine.title, page.skeleton, page.updated, badge, page.content_hash, page.page_hash,
                known[1] if known else NameRecord.of(medicine, empty=page.skeleton), page.reader_names)
            docs[first + page.index] = (path, page.content_hash, medicine.title)
        for share in shares:
            _fold_postings(postings, share.postings)
            terms.update(share.terms)

    def _path_of(self, medicine: Medicine) -> str | None:
        """The page's path in the site, or None (with a warning) when it cannot have one."""
        path = f"{medicine.letter}/{medicine.slug}"
        if not (_SAFE_PART.match(medicine.letter) and _SAFE_PART.match(medicine.slug)):
            self.report.warnings.append(f"{medicine.title[:80]!r}: letter or slug is not a safe "
                                        f"path ({path[:80]!r}); page skipped")
            return None
        if path in self.seen_paths:
            self.report.warnings.append(f"{path}: a second medicine with this path; page skipped")
            return None
        self.seen_paths.add(path)
        return path

    def _needs_full_index(self) -> bool:
        """A new main full-text index when there is none usable, or when the delta has grown."""
        fulltext = self.fulltext
        self.main_index_files = {
            relative: digest for relative, digest in self.old_files.items()
            if search_index.is_main_index_file(relative)
        }
        return (
            (not fulltext.main and not fulltext.delta)
            or fulltext.compact_next
            or not (self.out_dir / search_index.FULLTEXT_DIR / "meta.json").is_file()
            or not all(os.path.isfile(self.out_dir / relative) for relative in self.main_index_files)
        )

    # ------------------------------------------------------------------ search, other files

    def _fulltext_files(self, content: dict[str, tuple[str, str]], docs: list[tuple[str, str, str] | None],
                        postings: dict[str, list[int]], terms: dict[str, dict[str, int]],
                        full_index: bool) -> dict[str, bytes]:
        if full_index:
            self.report.full_text = "full"
            self.fulltext, files = search_index.full_index_files(docs, [postings])
            return files
        state = self.fulltext
        delta = {}
        for path, (digest, title) in content.items():
            main = state.main.get(path)
            if main is not None and main[1] == digest:
                continue
            old = state.delta.get(path)
            if old is not None and old[1] == digest and path not in terms:
                delta[path] = (old[0], digest, title, old[3])
                continue
            doc_id = main[0] if main is not None else old[0] if old is not None else state.next_id
            if doc_id == state.next_id:
                state.next_id += 1
            delta[path] = (doc_id, digest, title, terms[path])
        state.delta = delta
        # Main-index pages that are gone stay in `main`, so that their ids are ignored. Once the
        # changes are many, the next build folds them into a new main index.
        gone = sum(1 for path in state.main if path not in content)
        state.compact_next = len(delta) + gone > max(50, min(500, len(content) // 50))
        self.files.update(self.main_index_files)  # left as they are, and still the builder's
        self.report.unchanged += len(self.main_index_files)
        return search_index.delta_files(state, set(content))

    def _write_others(self, files: dict[str, bytes]) -> None:
        for relative, data in files.items():
            digest = hashlib.sha256(data).hexdigest()[:32]
            self.files[relative] = digest
            if self.old_files.get(relative) == digest and os.path.isfile(self.out_dir / relative):
                self.report.unchanged += 1
                continue
            write_atomic(self.out_dir / relative, data, durable=False)
            self.report.written.append(relative)

    def _write_group(self, name: str, digest: str, make: Callable[[], dict[str, bytes]]) -> None:
        """Files made together from inputs whose digest is `digest`: made again only when it changed."""
        old = self.old_groups.get(name)
        if old is not None and old[0] == digest and all(
            relative in self.old_files and os.path.isfile(self.out_dir / relative) for relative in old[1]
        ):
            self.groups[name] = old
            for relative in old[1]:
                self.files[relative] = self.old_files[relative]
            self.report.unchanged += len(old[1])
            return
        files = make()
        self.groups[name] = [digest, sorted(files)]
        self._write_others(files)

    def _delete_stale(self) -> None:
        for relative in sorted(set(self.old_files) - set(self.files)):
            target = self.out_dir / relative
            if not target.resolve().is_relative_to(self.out_dir):
                continue  # a manifest entry pointing outside the site is never acted on
            try:
                target.unlink()
            except FileNotFoundError:
                continue
            self.report.deleted.append(relative)
            for folder in _parents_within(target, self.out_dir):
                try:
                    folder.rmdir()  # only when empty: someone else's file keeps its folder
                except OSError:
                    break


def _batches(entries: Iterable[tuple[Medicine, Page | None]], size: int) -> Iterator[list]:
    """`entries` in lists of `size`: the worker processes inherit each list through fork."""
    iterator = iter(entries)
    while batch := list(islice(iterator, size)):
        yield batch


def _fold_postings(postings: dict[str, list[int]], part: dict[str, list[int]]) -> None:
    """Add a batch's best postings to the build's, keeping each term's best only."""
    for word, packed in part.items():
        mine = postings.get(word)
        if mine is None:
            postings[word] = packed
        elif len(mine) + len(packed) <= search_index.MAX_POSTINGS:
            mine += packed
        else:
            postings[word] = sorted(mine + packed)[:search_index.MAX_POSTINGS]


def _is_page_file(relative: str) -> bool:
    """A medicine page, `<letter>/<slug>/index.html` (the site's other pages are not two folders deep,
    but `search/…` files can be)."""
    return relative.count("/") == 2 and relative.endswith("/index.html") and not relative.startswith(("search/", "static/"))


def _digest_lines(lines: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32]


def _parents_within(path: Path, root: Path) -> Iterator[Path]:
    folder = path.parent
    while folder != root and folder.is_relative_to(root):
        yield folder
        folder = folder.parent
