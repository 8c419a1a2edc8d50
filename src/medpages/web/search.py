"""The app's search: the static site's name search over the store's pages, and its index files.

`SiteSearch.query` (names) and `query_text` (full text) give the results `static/search.js` would
give on a site built from the same pages (`medpages.publish.site.search_query`), for the JSON API
and the search page that works without JavaScript. `index_file` serves the files search.js fetches, made by the same code the
static build uses. Both are rebuilt from `store.iter_pages()` when the catalogue or a page
changed, which is checked at most once a second.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field


from medpages.model import FrontMatter, Medicine, Page
from medpages.publish.site import search_index, views
from medpages.publish.site.search_index import NameRecord
from medpages.publish.site.search_query import NameSearch, TextSearch
from medpages.store import Store

CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class SearchHit:
    title: str
    path: str  # site-relative: "a/aspirin/"
    letter: str
    slug: str
    matched: str  # the name that matched: the title, a generic name, a synonym or a brand ("" for a text hit)
    skeleton: bool  # the medicine has no written page yet


@dataclass
class _Snapshot:
    """The indexes of the pages as they were at `marker`."""

    marker: tuple
    entries: list[tuple[Medicine, Page]]
    names: dict[str, bytes]
    by_path: dict[str, tuple[Medicine, bool]]  # "a/aspirin" → (medicine, skeleton)
    search: NameSearch
    _fulltext: dict[str, bytes] | None = None
    _text_search: TextSearch | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fulltext(self) -> dict[str, bytes]:
        """The full-text index files, made when first asked for (they cost a pass over every page)."""
        with self._lock:
            if self._fulltext is None:
                self._fulltext = _fulltext_files(self.entries)
            return self._fulltext

    def text_search(self) -> TextSearch:
        files = self.fulltext()
        with self._lock:
            if self._text_search is None:
                self._text_search = TextSearch(files)
            return self._text_search


class SiteSearch:
    """Search over a store's pages, shared by every request of one app process (thread-safe)."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._checked_at = float("-inf")

    def query(self, q: str, limit: int = 10) -> list[SearchHit]:
        """Medicines by name, generic name, synonym or brand, best first, as the static site finds them."""
        snapshot = self._current()
        hits = []
        for hit in snapshot.search.search(q, limit):
            found = snapshot.by_path.get(hit.path)
            if found is None:
                continue
            medicine, skeleton = found
            hits.append(SearchHit(title=hit.title, path=f"{hit.path}/", letter=medicine.letter, slug=medicine.slug,
                                  matched=hit.matched, skeleton=skeleton))
        return hits

    def query_text(self, q: str, limit: int = 20) -> list[SearchHit]:
        """Pages whose text has the query's words (every one, or failing that any), best first, as
        the static site's search page finds them; `matched` is empty."""
        snapshot = self._current()
        hits = []
        for hit in snapshot.text_search().search(q, limit):
            found = snapshot.by_path.get(hit.path)
            if found is not None:
                medicine, skeleton = found
                hits.append(SearchHit(title=hit.title, path=f"{hit.path}/", letter=medicine.letter,
                                      slug=medicine.slug, matched="", skeleton=skeleton))
        return hits

    def index_file(self, relative_path: str) -> bytes | None:
        """A file of the search index (`search/names/a.json`, `search/ft/meta.json`, …) as the
        static build writes it, or None when there is no such file."""
        snapshot = self._current()
        if relative_path.startswith(search_index.NAMES_DIR + "/"):
            return snapshot.names.get(relative_path)
        if relative_path.startswith(search_index.FULLTEXT_DIR + "/"):
            return snapshot.fulltext().get(relative_path)
        return None

    def _current(self) -> _Snapshot:
        with self._lock:
            now = self._clock()
            if self._snapshot is not None and now - self._checked_at < CHECK_SECONDS:
                return self._snapshot
            marker = self._marker()
            self._checked_at = now
            if self._snapshot is None or self._snapshot.marker != marker:
                self._snapshot = self._build(marker)
            return self._snapshot

    def _marker(self) -> tuple:
        """What changes when a medicine or a page is added, removed or changed: counts and newest times."""
        return self.store.change_marker()

    def _build(self, marker: tuple) -> _Snapshot:
        entries: list[tuple[Medicine, Page]] = []
        by_path: dict[str, tuple[Medicine, bool]] = {}
        for medicine, page in self.store.iter_pages(with_original=False):
            path = f"{medicine.letter}/{medicine.slug}"
            if path in by_path:
                continue  # as the builder: a second medicine with this path is skipped
            if page is None:
                page = Page(title=medicine.title, front_matter=FrontMatter(title=medicine.title))
            entries.append((medicine, page))
            by_path[path] = (medicine, views.is_skeleton(page))
        names = search_index.name_shards(NameRecord.of(medicine, empty=by_path[f"{medicine.letter}/{medicine.slug}"][1])
                                         for medicine, _ in entries)
        return _Snapshot(marker=marker, entries=entries, names=names, by_path=by_path, search=NameSearch(names))


def _fulltext_files(entries: list[tuple[Medicine, Page]]) -> dict[str, bytes]:
    """The files of a new main full-text index, as a cold static build makes them."""
    postings: dict[str, list[int]] = defaultdict(list)
    docs: list[tuple[str, str, str] | None] = []
    for doc_id, (medicine, page) in enumerate(entries):
        search_index.add_postings(postings, doc_id, search_index.page_terms(medicine, page))
        docs.append((f"{medicine.letter}/{medicine.slug}", "", medicine.title))
    _, files = search_index.full_index_files(docs, [search_index.best_postings(postings)])
    return files
