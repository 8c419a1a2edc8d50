"""Reading: the medicine pages, the A–Z lists, about, search, history and old revisions, from the
database with the static site's templates, so they work with JavaScript off.

Readers see a page's stable revision (the newest one a person reviewed) when it has one, else its
current draft with its "not yet reviewed" badge. Rendered pages are kept in memory: a medicine
page keyed by the medicine's current revision number (one indexed query tells whether it is still
fresh), the home and letter pages by a change marker of the whole catalogue.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from medpages.errors import InputError
from medpages.model import FrontMatter, Medicine, Page
from medpages.publish.site import views
from medpages.publish.site.render import ListedMedicine
from medpages.store.schema import MedicineRecord, PageRecord, RevisionRecord
from medpages.web.context import AppContext
from medpages.web.security import signed_in_user
from medpages.web.templating import page

router = APIRouter(include_in_schema=False)

HTML = "text/html; charset=utf-8"
# A medicine's catalogue entry (title, brands) can change without a new revision: a cached page
# is rendered again after this long even when its revision has not moved.
MEDICINE_TTL_SECONDS = 30.0
CACHED_PAGES = 4096


def html(body: bytes | str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=HTML, headers=headers)


def empty_page(medicine: Medicine) -> Page:
    """What the static build shows for a medicine with no page: every section not yet written."""
    return Page(title=medicine.title, front_matter=FrontMatter(title=medicine.title))


@dataclass(frozen=True)
class _CachedPage:
    marker: int  # the medicine's current revision when it was rendered
    letter: str
    shown: int  # the revision shown
    body: bytes
    at: float


@dataclass(frozen=True)
class _Listing:
    marker: tuple
    counts: dict[str, int]
    letters: dict[str, list[ListedMedicine]]
    rendered: dict[str, bytes]


class PageCache:
    """Rendered pages of one app process, checked against the database on every request (thread-safe)."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self._pages: OrderedDict[str, _CachedPage] = OrderedDict()
        self._lock = threading.Lock()
        self._listing: _Listing | None = None
        self._skeletons: dict[str, tuple[str, bool]] = {}  # slug → (content fingerprint, skeleton)

    # ------------------------------------------------------------------ medicine pages

    def medicine(self, letter: str, slug: str) -> bytes | None:
        """The page readers see, or None when there is no such medicine at this letter."""
        store = self.context.store
        try:
            marker = store.current_revision(slug)
        except InputError:  # no such medicine
            return None
        cached = self._pages.get(slug)
        now = time.monotonic()
        if cached is not None and cached.marker == marker and now - cached.at < MEDICINE_TTL_SECONDS:
            return cached.body if cached.letter == letter else None
        medicine = store.get_medicine(slug)
        if medicine is None:
            return None
        stable = store.stable_revision(slug)
        if stable is not None:
            shown, page = stable
        else:
            shown, page = marker, store.get_page(slug) or empty_page(medicine)
        body = self.context.renderer.medicine(medicine, page, jsonld=False)
        with self._lock:
            self._pages[slug] = _CachedPage(marker, medicine.letter, shown, body, now)
            self._pages.move_to_end(slug)
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        return body if medicine.letter == letter else None

    # ------------------------------------------------------------------ home, letters, not found

    def _marker(self) -> tuple:
        """Changes whenever a medicine is added, removed or changed, or any page gets a revision."""
        statement = select(func.count(MedicineRecord.id), func.max(MedicineRecord.updated_at),
                           select(func.max(RevisionRecord.id)).scalar_subquery())
        with self.context.store.engine.connect() as connection:
            return tuple(connection.execute(statement).one())

    def listing(self) -> _Listing:
        marker = self._marker()
        listing = self._listing
        if listing is not None and listing.marker == marker:
            return listing
        with self._lock:
            if self._listing is not None and self._listing.marker == marker:
                return self._listing
            self._listing = self._list(marker)
            return self._listing

    def _list(self, marker: tuple) -> _Listing:
        rows = self._rows(with_pages=False)
        if any(fingerprint is not None and self._skeletons.get(slug, ("",))[0] != fingerprint
               for slug, _, _, fingerprint, _ in rows):
            rows = self._rows(with_pages=True)
        letters: dict[str, list[ListedMedicine]] = defaultdict(list)
        skeletons: dict[str, tuple[str, bool]] = {}
        for slug, letter, title, fingerprint, page_json in rows:
            if fingerprint is None:
                skeleton = True
            elif self._skeletons.get(slug, ("",))[0] == fingerprint:
                skeleton = self._skeletons[slug][1]
            else:
                skeleton = views.is_skeleton(Page.model_validate_json(page_json))
            skeletons[slug] = (fingerprint or "", skeleton)
            letters[letter].append(ListedMedicine(title, slug, skeleton))
        self._skeletons = skeletons
        for items in letters.values():
            items.sort(key=lambda item: (item.title.casefold(), item.slug))
        counts = {letter: len(items) for letter, items in letters.items()}
        return _Listing(marker, counts, dict(letters), {})

    def _rows(self, *, with_pages: bool) -> list[tuple]:
        page_column = PageRecord.page_json if with_pages else PageRecord.content_fingerprint
        statement = (select(MedicineRecord.slug, MedicineRecord.letter, MedicineRecord.title,
                            PageRecord.content_fingerprint, page_column)
                     .outerjoin(PageRecord, PageRecord.medicine_id == MedicineRecord.id))
        with self.context.store.engine.connect() as connection:
            rows = connection.execute(statement).all()
        if with_pages:
            return [(s, l, t, f, p if isinstance(p, (str, bytes)) else json.dumps(p)) for s, l, t, f, p in rows]
        return [tuple(row) for row in rows]

    def rendered(self, key: str, make) -> tuple[bytes, _Listing]:  # make: (listing) -> bytes
        listing = self.listing()
        body = listing.rendered.get(key)
        if body is None:
            body = make(listing)
            listing.rendered[key] = body
        return body, listing


def cache(request: Request) -> PageCache:
    return request.app.state.pages


def context(request: Request) -> AppContext:
    return request.app.state.context


def not_found(request: Request) -> Response:
    body, _ = cache(request).rendered("404", lambda listing: context(request).renderer.not_found(listing.counts))
    return html(body, 404)


# --------------------------------------------------------------------------- routes


@router.get("/")
def home(request: Request) -> Response:
    body, _ = cache(request).rendered("home", lambda listing: context(request).renderer.home(listing.counts))
    return html(body)


@router.get("/about/")
def about(request: Request) -> Response:
    body, _ = cache(request).rendered("about", lambda listing: context(request).renderer.about())
    return html(body)


@router.get("/search/")
def search(request: Request, q: str = "") -> Response:
    q = q.strip()[:200]
    hits = request.app.state.search.query(q, 20) if q else []
    return page(request, "search_results.html.j2", root="../", description="Search the medicine pages.", q=q, hits=hits)


@router.get("/search/{path:path}")
def search_index_file(request: Request, path: str) -> Response:
    body = request.app.state.search.index_file(f"search/{path}")
    if body is None:
        return not_found(request)
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-cache"})


@router.get("/{letter}/")
def letter_page(request: Request, letter: str) -> Response:
    def make(listing: _Listing) -> bytes:
        return context(request).renderer.letter(letter, listing.letters[letter], listing.counts)

    listing = cache(request).listing()
    if letter not in listing.letters:
        return not_found(request)
    body, _ = cache(request).rendered(f"letter:{letter}", make)
    return html(body)


@router.get("/{letter}/{slug}/")
def medicine_page(request: Request, letter: str, slug: str) -> Response:
    body = cache(request).medicine(letter, slug)
    if body is None:
        return not_found(request)
    return html(body)


@router.get("/{letter}/{slug}/history/")
def history(request: Request, letter: str, slug: str) -> Response:
    store = context(request).store
    medicine = store.get_medicine(slug)
    if medicine is None or medicine.letter != letter:
        return not_found(request)
    revisions = list(reversed(store.revisions(slug)))
    stable = store.stable_revision(slug)
    user = signed_in_user(request)
    return page(request, "history.html.j2", description=f"Every revision of {medicine.title}.",
                medicine=medicine, revisions=revisions,
                bases={r.number: store.revision_base(slug, r.number) for r in revisions},
                reviews=store.reviews(slug), stable=stable[0] if stable else None,
                current=revisions[0].number if revisions else 0, user=user, can_review=can_review(user))


@router.get("/{letter}/{slug}/revisions/{number}/")
def revision_page(request: Request, letter: str, slug: str, number: str) -> Response:
    store = context(request).store
    medicine = store.get_medicine(slug)
    if medicine is None or medicine.letter != letter or not number.isdigit() or len(number) > 9:
        return not_found(request)
    page = store.get_revision(slug, int(number))
    if page is None:
        return not_found(request)
    body = context(request).renderer.medicine(medicine, page, jsonld=False).decode("utf-8")
    notice = request.app.state.templates.render_fragment("revision_notice.html.j2", number=int(number),
                                                         current=store.current_revision(slug))
    body = body.replace('<article class="medicine">', notice + '<article class="medicine">', 1)
    # An old revision is not the page: its edit links would suggest edits against it.
    body = body.replace('<link rel="canonical"', '<meta name="robots" content="noindex">\n<link rel="canonical"', 1)
    return html(body)


def can_review(user) -> bool:  # type: ignore[no-untyped-def]
    """Reviewers and admins see the review buttons (the desk checks the role again on every action)."""
    return user is not None and user.role in ("reviewer", "admin")
