"""Reading: the medicine pages, the A–Z lists, about, search, history and old revisions, from the
database with the static site's templates, so they work with JavaScript off.

Readers see a page's stable revision (the newest one a person reviewed) when it has one, else its
current draft with its "not yet reviewed" badge. Rendered pages are kept in memory: a medicine
page keyed by the medicine's current revision number (one indexed query tells whether it is still
fresh), the home and letter pages by a change marker of the whole catalogue.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import bindparam, func, select
from starlette.concurrency import run_in_threadpool

from medpages.model import FrontMatter, Medicine, Page
from medpages.publish.site import views
from medpages.publish.site.render import ListedMedicine
from medpages.store import Store
from medpages.store.community import STABLE_STATUSES
from medpages.store.schema import MedicineRecord, PageRecord, RevisionRecord
from medpages.web.context import AppContext
from medpages.web.security import signed_in_user
from medpages.web.templating import page

router = APIRouter(include_in_schema=False)

HTML = "text/html; charset=utf-8"
CACHED_PAGES = 4096
# Renders of different pages run side by side; of one page, one at a time (`render_medicine`).
RENDER_LOCKS = 64


def html(body: bytes | str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=HTML, headers=headers)


def empty_page(medicine: Medicine) -> Page:
    """What the static build shows for a medicine with no page: every section not yet written."""
    return Page(title=medicine.title, front_matter=FrontMatter(title=medicine.title))


@dataclass(frozen=True)
class _CachedPage:
    marker: tuple  # (current revision, letter, catalogue entry's last change) when it was rendered
    shown: int  # the revision shown
    body: bytes


@dataclass(frozen=True)
class _Listing:
    marker: tuple
    counts: dict[str, int]
    letters: dict[str, list[ListedMedicine]]
    rendered: dict[str, bytes]
    featured: list[views.FeaturedPage]  # every written page, which the home page leads with


class FreshnessQueries:
    """The one query each reading request makes, on a raw connection kept per thread.

    Through a SQLAlchemy session the query costs milliseconds, most of it the session; the same
    statement, compiled once and run on a kept DB-API connection, costs tens of microseconds. The
    connection reads in autocommit (SQLite: the store's setting; PostgreSQL: set here), so every
    query sees the newest commit of any process. A failed connection is dropped and made again.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._local = threading.local()
        dialect = store.engine.dialect
        self._qmark = dialect.paramstyle == "qmark"
        revision = (select(RevisionRecord.number, MedicineRecord.letter, MedicineRecord.updated_at)
                    .select_from(MedicineRecord)
                    .outerjoin(PageRecord, PageRecord.medicine_id == MedicineRecord.id)
                    .outerjoin(RevisionRecord, RevisionRecord.id == PageRecord.current_revision_id)
                    .where(MedicineRecord.slug == bindparam("slug")))
        catalogue = select(func.count(MedicineRecord.id), func.max(MedicineRecord.updated_at),
                           select(func.max(RevisionRecord.id)).scalar_subquery())
        self._revision_sql = str(revision.compile(dialect=dialect))
        self._catalogue_sql = str(catalogue.compile(dialect=dialect))

    def page_marker(self, slug: str) -> tuple | None:
        """(current revision or 0, letter, catalogue entry's last change) of a medicine; None when unknown."""
        rows = self._run(self._revision_sql, (slug,) if self._qmark else {"slug": slug})
        if not rows:
            return None
        number, letter, updated = rows[0]
        return number or 0, letter, updated

    def catalogue_marker(self) -> tuple:
        """Changes whenever a medicine is added, removed or changed, or any page gets a revision."""
        return tuple(self._run(self._catalogue_sql, () if self._qmark else {})[0])

    def _run(self, sql: str, parameters: object) -> list[tuple]:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self.store.engine.raw_connection()
            # Out of the pool for good: a connection switched to autocommit must never serve the
            # store's transactions (a pooled one did, and PostgreSQL then ran them without one).
            connection.detach()
            if self.store.engine.dialect.name == "postgresql":
                connection.dbapi_connection.autocommit = True  # (a detached connection has no driver_connection)
            self._local.connection = connection
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(sql, parameters)
                return [tuple(row) for row in cursor.fetchall()]
            finally:
                cursor.close()
        except Exception:
            self._local.connection = None
            connection.invalidate()
            raise


class PageCache:
    """Rendered pages of one app process, checked against the database on every request (thread-safe)."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.queries = FreshnessQueries(context.store)
        self._pages: OrderedDict[str, _CachedPage] = OrderedDict()
        self._lock = threading.Lock()
        self._render_locks = [threading.Lock() for _ in range(RENDER_LOCKS)]
        self._listing: _Listing | None = None
        # slug → (content fingerprint, the badge readers see; None: nothing written yet)
        self._skeletons: dict[str, tuple[str, views.Badge | None]] = {}

    # ------------------------------------------------------------------ medicine pages

    def cached_medicine(self, letter: str, slug: str) -> tuple[bytes | None, tuple | None]:
        """The page from memory when it is still fresh (one query), else (None, the marker to render
        at); the marker is None when there is no such medicine at this letter."""
        marker = self.queries.page_marker(slug)
        if marker is None or marker[1] != letter:
            return None, None
        cached = self._pages.get(slug)
        if cached is not None and cached.marker == marker:
            return cached.body, marker
        return None, marker

    def render_medicine(self, slug: str, marker: tuple) -> bytes | None:
        """Render the page readers see (its stable revision, else the current page) and keep it.

        Many readers asking for a page that just changed wait for one rendering of it, not one
        each: a page is rendered under its slug's lock, and whoever gets the lock second finds it
        rendered (a stampede of renders was what made the app slow under load, bench/web.py)."""
        with self._render_locks[hash(slug) % RENDER_LOCKS]:
            cached = self._pages.get(slug)
            if cached is not None and cached.marker == marker:
                return cached.body
            return self._render_medicine(slug, marker)

    def _render_medicine(self, slug: str, marker: tuple) -> bytes | None:
        store = self.context.store
        medicine = store.get_medicine(slug)
        if medicine is None:
            return None
        stable = store.stable_revision(slug)
        if stable is not None:
            shown, page = stable
        else:
            shown, page = marker[0], store.get_page(slug) or empty_page(medicine)
        body = self.context.renderer.medicine(medicine, page, jsonld=False)
        with self._lock:
            # Rendered from reads made after `marker` was: at worst newer than the marker says,
            # and then the next request finds the marker moved on and renders again.
            self._pages[slug] = _CachedPage(marker, shown, body)
            self._pages.move_to_end(slug)
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        return body

    # ------------------------------------------------------------------ home, letters, not found

    def listing(self) -> _Listing:
        marker = self.queries.catalogue_marker()
        listing = self._listing
        if listing is not None and listing.marker == marker:
            return listing
        with self._lock:
            if self._listing is not None and self._listing.marker == marker:
                return self._listing
            self._listing = self._list(marker)
            return self._listing

    def _list(self, marker: tuple) -> _Listing:
        statement = (select(MedicineRecord.slug, MedicineRecord.letter, MedicineRecord.title,
                            PageRecord.content_fingerprint)
                     .outerjoin(PageRecord, PageRecord.medicine_id == MedicineRecord.id))
        with self.context.store.engine.connect() as connection:
            rows = connection.execute(statement).all()
        known = self._skeletons
        changed = [slug for slug, _, _, fingerprint in rows
                   if fingerprint is not None and known.get(slug, ("",))[0] != fingerprint]
        fresh = self._badges(changed)  # only the pages that changed are read again
        letters: dict[str, list[ListedMedicine]] = defaultdict(list)
        skeletons: dict[str, tuple[str, views.Badge | None]] = {}
        featured: list[views.FeaturedPage] = []
        for slug, letter, title, fingerprint in rows:
            if fingerprint is None:
                badge = None
            elif slug in fresh:
                badge = fresh[slug]
            else:
                badge = known[slug][1]
            skeletons[slug] = (fingerprint or "", badge)
            letters[letter].append(ListedMedicine(title, slug, badge is None))
            if badge is not None:
                featured.append(views.FeaturedPage(title, f"{letter}/{slug}", badge))
        self._skeletons = skeletons
        for items in letters.values():
            items.sort(key=lambda item: (item.title.casefold(), item.slug))
        counts = {letter: len(items) for letter, items in letters.items()}
        return _Listing(marker, counts, dict(letters), {}, featured)

    def _badges(self, slugs: list[str]) -> dict[str, views.Badge | None]:
        """The badge of the page readers see for each of these medicines (its stable revision's
        when a person reviewed it before), None for a page with nothing written yet."""
        flags: dict[str, views.Badge | None] = {}
        reviewed = self.context.store.reviewed_slugs() if slugs else set()
        for start in range(0, len(slugs), 500):
            statement = (select(MedicineRecord.slug, PageRecord.page_json)
                         .join(PageRecord, PageRecord.medicine_id == MedicineRecord.id)
                         .where(MedicineRecord.slug.in_(slugs[start:start + 500])))
            with self.context.store.engine.connect() as connection:
                for slug, document in connection.execute(statement):
                    page = (Page.model_validate_json(document) if isinstance(document, (str, bytes))
                            else Page.model_validate(document))
                    if slug in reviewed and page.status not in STABLE_STATUSES:
                        stable = self.context.store.stable_revision(slug)
                        page = stable[1] if stable is not None else page
                    flags[slug] = None if views.is_skeleton(page) else views.provenance_badge(page)
        return flags

    def fresh(self, key: str) -> bytes | None:
        """A listing page from memory when the catalogue has not changed since (one quick query)."""
        listing = self._listing
        if listing is None or listing.marker != self.queries.catalogue_marker():
            return None
        return listing.rendered.get(key)

    def rendered(self, key: str, make: Callable[[_Listing], bytes | None]) -> bytes | None:
        """A listing page (home, a letter, not found), rendered from the current listing when needed."""
        listing = self.listing()
        body = listing.rendered.get(key)
        if body is None:
            body = make(listing)
            if body is not None:
                listing.rendered[key] = body
        return body


def cache(request: Request) -> PageCache:
    return request.app.state.pages


def context(request: Request) -> AppContext:
    return request.app.state.context


def not_found(request: Request) -> Response:
    body = cache(request).rendered("404", lambda listing: context(request).renderer.not_found(listing.counts))
    return html(body or b"Not found", 404)


async def listing_page(request: Request, key: str, make: Callable[[_Listing], bytes | None]) -> Response:
    pages = cache(request)
    body = pages.fresh(key)
    if body is None:
        body = await run_in_threadpool(pages.rendered, key, make)
    if body is None:
        return await run_in_threadpool(not_found, request)
    return html(body)


# --------------------------------------------------------------------------- routes


@router.api_route("/", methods=["GET", "HEAD"])
async def home(request: Request) -> Response:
    def render(listing: _Listing) -> bytes:
        not_written = sum(item.skeleton for items in listing.letters.values() for item in items)
        return context(request).renderer.home(listing.counts, not_written, listing.featured)

    return await listing_page(request, "home", render)


@router.api_route("/about/", methods=["GET", "HEAD"])
async def about(request: Request) -> Response:
    return await listing_page(request, "about", lambda listing: context(request).renderer.about())


@router.api_route("/search/", methods=["GET", "HEAD"])
def search(request: Request, q: str = "") -> Response:
    q = q.strip()[:200]
    hits = request.app.state.search.query(q, 20) if q else []
    return page(request, "search_results.html.j2", root="../", description="Search the medicine pages.", q=q, hits=hits)


@router.api_route("/search/{path:path}", methods=["GET", "HEAD"])
def search_index_file(request: Request, path: str) -> Response:
    body = request.app.state.search.index_file(f"search/{path}")
    if body is None:
        return not_found(request)
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-cache"})


@router.api_route("/{letter}/", methods=["GET", "HEAD"])
async def letter_page(request: Request, letter: str) -> Response:
    def make(listing: _Listing) -> bytes | None:
        if letter not in listing.letters:
            return None
        return context(request).renderer.letter(letter, listing.letters[letter], listing.counts)

    return await listing_page(request, f"letter:{letter}", make)


@router.api_route("/{letter}/{slug}/", methods=["GET", "HEAD"])
async def medicine_page(request: Request, letter: str, slug: str) -> Response:
    # async: the hot path (a fresh page from memory) makes one quick query and no thread hop;
    # rendering, which reads the page and runs the templates, goes to the thread pool.
    pages = cache(request)
    body, marker = pages.cached_medicine(letter, slug)
    if body is None and marker is not None:
        body = await run_in_threadpool(pages.render_medicine, slug, marker)
    if body is None:
        return await run_in_threadpool(not_found, request)
    return html(body)


@router.api_route("/{letter}/{slug}/history/", methods=["GET", "HEAD"])
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


@router.api_route("/{letter}/{slug}/revisions/{number}/", methods=["GET", "HEAD"])
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
