"""The JSON API (`/api/v1/`): medicines, the pages readers see, revisions, suggestions, search.

Reads are open; the review queue and decisions need `Authorization: Bearer <token>` of a reviewer
or admin (`medpages users token NAME`); anyone may POST a suggestion, under the form's limits.
Bearer requests use no cookies, so they carry no CSRF token. Errors are `{"detail": "..."}` with
the status a client can act on (see `_STATUS`); the workflow's rules live in `medpages.review`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from medpages.errors import InputError, MedpagesError
from medpages.model import Medicine, Page
from medpages.review import MergeConflict, PermissionDenied
from medpages.review.accounts import can_review, token_digest
from medpages.review.workflow import RateLimited
from medpages.store import StoreError
from medpages.store.community import StaleRevision, Suggestion, SuggestionClosed, User
from medpages.web import security
from medpages.web.context import AppContext

T = TypeVar("T")


# --------------------------------------------------------------------------- errors


class _ApiRoute(APIRoute):
    """Every API route answers the workflow's errors, and malformed bodies, as `{"detail": ...}`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                return JSONResponse({"detail": _describe_invalid(error.errors())}, status_code=422)
            except MedpagesError as error:
                return _error_response(error)

        return answer


def _error_response(error: MedpagesError) -> JSONResponse:
    status = next((code for kind, code in _STATUS if isinstance(error, kind)), 400)
    body: dict[str, Any] = {"detail": str(error)}
    headers = {}
    if isinstance(error, MergeConflict):
        body["conflicts"] = [{"base": c.base, "current": c.current, "suggested": c.suggested}
                             for c in error.conflicts]
    elif isinstance(error, StaleRevision):
        body["current_revision"] = error.current
    elif isinstance(error, RateLimited):
        headers["Retry-After"] = str(max(1, int(error.retry_after) + 1))
    return JSONResponse(body, status_code=status, headers=headers)


_STATUS: list[tuple[type[MedpagesError], int]] = [
    (PermissionDenied, 403), (MergeConflict, 409), (StaleRevision, 409), (SuggestionClosed, 409),
    (RateLimited, 429), (InputError, 400), (StoreError, 503),
]


def _describe_invalid(errors: Any) -> str:
    """FastAPI's validation errors in one line a person reads: 'body.reason: Field required'."""
    parts = []
    for error in list(errors)[:10]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "")
            parts.append(f"the body is not valid JSON ({reason})" if reason else "the body is not valid JSON")
        else:
            parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def _not_found(what: str) -> HTTPException:
    return HTTPException(status_code=404, detail=what)


router = APIRouter(route_class=_ApiRoute)


# --------------------------------------------------------------------------- who is asking


def _context(request: Request) -> AppContext:
    return request.app.state.context


def _token_user(request: Request) -> User | None:
    """The user of the request's bearer token; None without one; 401 for a malformed or unknown token."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        raise _unauthorized("the Authorization header must be 'Bearer <token>'")
    user = _context(request).store.token_user(token_digest(token))
    if user is None or user.disabled:
        raise _unauthorized("unknown or revoked API token")
    return user


def _signed_in(user: Annotated[User | None, Depends(_token_user)]) -> User:
    if user is None:
        raise _unauthorized("this needs an API token: Authorization: Bearer <token> (medpages users token NAME)")
    return user


def _reviewer(user: Annotated[User, Depends(_signed_in)]) -> User:
    if not can_review(user):
        raise HTTPException(status_code=403, detail=f"{user.name} is a {user.role}: only reviewers and admins may")
    return user


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def _client_key(request: Request) -> str:
    """The sender's address as the form's rate limit keys it (a digest with the app's secret, never the address)."""
    address = security.client_address(request, _context(request).web.trusted_proxy)
    return security.client_key(request.app.state.secret, address)


# --------------------------------------------------------------------------- models


class Paged(BaseModel, Generic[T]):
    total: int
    offset: int
    limit: int
    items: list[T]


Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]
Limit = Annotated[int, Query(ge=1, le=200, description="Items per response (1 to 200).")]


class MedicineSummary(BaseModel):
    slug: str
    title: str
    letter: str
    path: str = Field(description="The page's address on the site, e.g. `a/aspirin/`.")

    @classmethod
    def of(cls, medicine: Medicine) -> MedicineSummary:
        return cls(slug=medicine.slug, title=medicine.title, letter=medicine.letter,
                   path=f"{medicine.letter}/{medicine.slug}/")


class MedicineDetail(MedicineSummary):
    medicine: Medicine
    current_revision: int = Field(description="0 when the medicine has no page yet.")
    stable_revision: int | None = Field(description="The newest revision a person reviewed, if any.")


class PageOut(BaseModel):
    slug: str
    revision: int
    reviewed: bool = Field(description="True when this is the stable revision, reviewed by a person.")
    current_revision: int
    page: Page


class RevisionSummaryOut(BaseModel):
    number: int
    status: str
    author: str
    kind: str
    message: str
    created_at: datetime
    base_revision: int | None


class RevisionOut(RevisionSummaryOut):
    slug: str
    page: Page


class SuggestionPublic(BaseModel):
    """What the contributor's link shows: no e-mail, no address digest."""

    id: int
    public_id: str
    slug: str
    section: str
    base_revision: int
    text: str
    reason: str
    author_name: str
    status: Literal["pending", "accepted", "rejected"]
    created_at: datetime
    decided_at: datetime | None
    decision_reason: str
    revision: int | None
    link: str = Field(description="The contributor's page to follow it, e.g. `/suggestions/<public_id>/`.")

    @classmethod
    def of(cls, suggestion: Suggestion) -> SuggestionPublic:
        return cls(**_public_fields(suggestion))


class SuggestionOut(SuggestionPublic):
    """What reviewers see."""

    author_email: str
    user_id: int | None
    decided_by: int | None

    @classmethod
    def of(cls, suggestion: Suggestion) -> SuggestionOut:
        return cls(**_public_fields(suggestion), author_email=suggestion.author_email, user_id=suggestion.user_id,
                   decided_by=suggestion.decided_by)


def _public_fields(s: Suggestion) -> dict[str, Any]:
    return dict(id=s.id, public_id=s.public_id, slug=s.slug, section=s.section, base_revision=s.base_revision,
                text=s.text, reason=s.reason, author_name=s.author_name, status=s.status, created_at=s.created_at,
                decided_at=s.decided_at, decision_reason=s.decision_reason, revision=s.revision,
                link=f"/suggestions/{s.public_id}/")


class SuggestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(max_length=200, description="The medicine.")
    section: str = Field(max_length=64, description="A section key (`usage`, `side_effects`, …) or `extra:N`.")
    text: str = Field(description="The section's new body in the seed Markdown layout.")
    base_revision: int = Field(ge=0, description="The revision the text was edited from (0: no page yet).")
    reason: str = Field(description="Why: shown to reviewers.")
    author_name: str = ""
    author_email: str = ""


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    edited_text: str | None = Field(None, description="The reviewer's version of the section (edit and accept).")


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="Why, shown to the contributor.")


class Decision(BaseModel):
    suggestion: SuggestionOut
    revision: int | None = Field(description="The revision an acceptance created.")


class SearchHitOut(BaseModel):
    title: str
    path: str
    letter: str
    slug: str
    matched: str = Field(description="The name that matched: the title, a generic name, a synonym or a brand.")
    skeleton: bool = Field(description="True when the medicine has no written page yet.")


class SearchResults(BaseModel):
    query: str
    items: list[SearchHitOut]


# --------------------------------------------------------------------------- medicines and pages


@router.get("/medicines", response_model=Paged[MedicineSummary], tags=["medicines"])
def list_medicines(request: Request, offset: Offset = 0, limit: Limit = 50) -> Paged[MedicineSummary]:
    """Every medicine, in slug order."""
    store = _context(request).store
    total = store.counts()["medicines"]
    items = [MedicineSummary.of(m) for m in store.medicines(offset=offset, limit=limit)]
    return Paged[MedicineSummary](total=total, offset=offset, limit=limit, items=items)


@router.get("/medicines/{slug}", response_model=MedicineDetail, tags=["medicines"])
def get_medicine(request: Request, slug: str) -> MedicineDetail:
    store = _context(request).store
    medicine = _medicine(request, slug)
    stable = store.stable_revision(slug)
    return MedicineDetail(**MedicineSummary.of(medicine).model_dump(), medicine=medicine,
                          current_revision=store.current_revision(slug),
                          stable_revision=stable[0] if stable else None)


@router.get("/medicines/{slug}/page", response_model=PageOut, tags=["medicines"])
def get_reader_page(request: Request, slug: str) -> PageOut:
    """The page readers see: the stable (reviewed) revision when there is one, else the current one."""
    store = _context(request).store
    _medicine(request, slug)
    current = store.current_revision(slug)
    stable = store.stable_revision(slug)
    if stable is not None:
        return PageOut(slug=slug, revision=stable[0], reviewed=True, current_revision=current,
                       page=_shown(stable[1]))
    page = store.get_page(slug)
    if page is None:
        raise _not_found(f"{slug}: no page written yet")
    return PageOut(slug=slug, revision=current, reviewed=False, current_revision=current, page=_shown(page))


@router.get("/medicines/{slug}/revisions", response_model=Paged[RevisionSummaryOut], tags=["revisions"])
def list_revisions(request: Request, slug: str, offset: Offset = 0, limit: Limit = 50) -> Paged[RevisionSummaryOut]:
    """The page's history, oldest first."""
    store = _context(request).store
    _medicine(request, slug)
    revisions = store.revisions(slug)
    items = [RevisionSummaryOut(number=r.number, status=r.status, author=r.author, kind=r.kind, message=r.message,
                                created_at=r.created_at, base_revision=store.revision_base(slug, r.number))
             for r in revisions[offset : offset + limit]]
    return Paged[RevisionSummaryOut](total=len(revisions), offset=offset, limit=limit, items=items)


@router.get("/medicines/{slug}/revisions/{number}", response_model=RevisionOut, tags=["revisions"])
def get_revision(request: Request, slug: str, number: int) -> RevisionOut:
    store = _context(request).store
    _medicine(request, slug)
    summary = next((r for r in store.revisions(slug) if r.number == number), None)
    page = store.get_revision(slug, number) if summary is not None else None
    if summary is None or page is None:
        raise _not_found(f"{slug}: no revision {number}")
    return RevisionOut(slug=slug, number=summary.number, status=summary.status, author=summary.author,
                       kind=summary.kind, message=summary.message, created_at=summary.created_at,
                       base_revision=store.revision_base(slug, number), page=_shown(page))


def _shown(page: Page) -> Page:
    """The page without the source text it was parsed from (kept only to write it back unchanged)."""
    return page.model_copy(update={"original": None}) if page.original is not None else page


def _medicine(request: Request, slug: str) -> Medicine:
    medicine = _context(request).store.get_medicine(slug) if len(slug) <= 200 else None
    if medicine is None:
        raise _not_found(f"no medicine {slug[:200]!r}")
    return medicine


# --------------------------------------------------------------------------- suggestions


@router.get("/suggestions", response_model=Paged[SuggestionOut], tags=["suggestions"])
def list_suggestions(
    request: Request, reviewer: Annotated[User, Depends(_reviewer)],
    status: Literal["pending", "accepted", "rejected", "all"] = "pending",
    medicine: Annotated[str | None, Query(max_length=200)] = None,
    section: Annotated[str | None, Query(max_length=64)] = None,
    offset: Offset = 0, limit: Limit = 50,
) -> Paged[SuggestionOut]:
    """The review queue (reviewers and admins), oldest first."""
    store = _context(request).store
    chosen = None if status == "all" else status
    total = store.count_suggestions(status=chosen, slug=medicine, section=section)
    found = store.suggestions(status=chosen, slug=medicine, section=section, offset=offset, limit=limit)
    return Paged[SuggestionOut](total=total, offset=offset, limit=limit, items=[SuggestionOut.of(s) for s in found])


@router.post("/suggestions", response_model=SuggestionPublic, status_code=201, tags=["suggestions"])
def create_suggestion(request: Request, body: SuggestionIn,
                      user: Annotated[User | None, Depends(_token_user)]) -> SuggestionPublic:
    """Suggest a section's new text (anyone; a token signs it with the user's name). Keep the
    returned `public_id`: it is the link to follow the suggestion."""
    context = _context(request)
    suggestion = context.desk.suggest(
        body.slug, body.section, body.text, base_revision=body.base_revision, reason=body.reason,
        author_name=body.author_name, author_email=body.author_email, user=user, client_key=_client_key(request),
        rate_limit=(context.web.suggestions_per_hour, 3600.0))
    return SuggestionPublic.of(suggestion)


@router.get("/suggestions/by-public-id/{public_id}", response_model=SuggestionPublic, tags=["suggestions"])
def get_suggestion_by_public_id(request: Request, public_id: str) -> SuggestionPublic:
    """A suggestion by its contributor's link (anyone who has it)."""
    suggestion = _context(request).store.suggestion_by_public_id(public_id) if len(public_id) <= 200 else None
    if suggestion is None:
        raise _not_found("no suggestion with that public id")
    return SuggestionPublic.of(suggestion)


@router.get("/suggestions/{suggestion_id}", response_model=SuggestionOut, tags=["suggestions"])
def get_suggestion(request: Request, suggestion_id: int, reviewer: Annotated[User, Depends(_reviewer)]) -> SuggestionOut:
    return SuggestionOut.of(_suggestion(request, suggestion_id))


@router.post("/suggestions/{suggestion_id}/accept", response_model=Decision, tags=["suggestions"])
def accept_suggestion(request: Request, suggestion_id: int, reviewer: Annotated[User, Depends(_reviewer)],
                      body: AcceptIn | None = None) -> Decision:
    """Accept (with `edited_text`: edit and accept) a pending suggestion: a new revision of the page.
    409 with both versions of each conflict when it overlaps a later change."""
    _suggestion(request, suggestion_id)
    edited = body.edited_text if body is not None else None
    revision = _context(request).desk.accept(suggestion_id, reviewer, edited_text=edited)
    return Decision(suggestion=SuggestionOut.of(_suggestion(request, suggestion_id)), revision=revision)


@router.post("/suggestions/{suggestion_id}/reject", response_model=Decision, tags=["suggestions"])
def reject_suggestion(request: Request, suggestion_id: int, body: RejectIn,
                      reviewer: Annotated[User, Depends(_reviewer)]) -> Decision:
    _suggestion(request, suggestion_id)
    if not body.reason.strip():
        raise InputError("reason: say why the suggestion is rejected")
    _context(request).desk.reject(suggestion_id, reviewer, body.reason)
    return Decision(suggestion=SuggestionOut.of(_suggestion(request, suggestion_id)), revision=None)


def _suggestion(request: Request, suggestion_id: int) -> Suggestion:
    found = _context(request).store.get_suggestion(suggestion_id) if 0 < suggestion_id < 2**63 else None
    if found is None:
        raise _not_found(f"no suggestion {suggestion_id}")
    return found


# --------------------------------------------------------------------------- search


@router.get("/search", response_model=SearchResults, tags=["search"])
def search(request: Request, q: Annotated[str, Query(max_length=200)] = "",
           limit: Annotated[int, Query(ge=1, le=50)] = 10) -> SearchResults:
    """Medicines by name, generic name, synonym or brand, forgiving typos: the static site's first results."""
    hits = request.app.state.search.query(q, limit)
    return SearchResults(query=q, items=[SearchHitOut(**vars(hit)) for hit in hits])

