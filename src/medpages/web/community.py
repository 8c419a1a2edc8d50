"""Suggesting, signing in and reviewing: the forms and buttons over `ReviewDesk`.

Every POST checks its CSRF token before anything else; the desk checks roles, four eyes and
revisions, and its errors become statuses here: not signed in → 303 to /login/ (pages) or 401
(POSTs), PermissionDenied → 403, MergeConflict and StaleRevision → 409 with both versions,
InputError → 400 naming the field, RateLimited → 429 with Retry-After, unknown ids → 404.
"""

from __future__ import annotations

import difflib
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from medpages.errors import InputError
from medpages.model import SECTION_TITLES, Page
from medpages.publish.site.markup import safe_url
from medpages.review import MergeConflict, PermissionDenied
from medpages.review.workflow import RateLimited
from medpages.store.community import StaleRevision, SuggestionClosed, User
from medpages.web.pages import can_review, context, not_found
from medpages.web.security import (
    SESSION_COOKIE,
    client_address,
    client_key,
    csrf_valid,
    is_https,
    signed_in,
    signed_in_user,
)
from medpages.web.templating import page

router = APIRouter(include_in_schema=False)

QUEUE_PAGE_SIZE = 50

def section_title(page_: Page | None, key: str) -> str:
    if key.startswith("extra:") and page_ is not None:
        index = key.split(":", 1)[1]
        if index.isdigit() and int(index) < len(page_.extra_sections):
            return page_.extra_sections[int(index)].heading or "Introduction"
    return SECTION_TITLES.get(key, key)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _forbidden_csrf(request: Request) -> Response:
    return page(request, "message.html.j2", status=403, heading="The form has expired",
                message="This form could not be checked (its security token is missing or out of date). "
                        "Nothing was changed. Go back, reload the page and try again.")


def _message(request: Request, status: int, heading: str, message: str, **values: object) -> Response:
    return page(request, "message.html.j2", status=status, heading=heading, message=message, **values)


# --------------------------------------------------------------------------- suggesting


def _suggest_values(request: Request, letter: str, slug: str, section: str):  # type: ignore[no-untyped-def]
    """The medicine, its current page and revision, or None when the address names nothing."""
    store = context(request).store
    medicine = store.get_medicine(slug)
    if medicine is None or medicine.letter != letter:
        return None
    from medpages.review.sections import editable_sections

    current = store.get_page(slug)
    if section not in editable_sections(current):
        return None
    return medicine, current, store.current_revision(slug)


@router.get("/{letter}/{slug}/suggest/{section}/")
def suggest_form(request: Request, letter: str, slug: str, section: str) -> Response:
    from medpages.review.sections import section_text

    found = _suggest_values(request, letter, slug, section)
    if found is None:
        return not_found(request)
    medicine, current, revision = found
    return page(request, "suggest.html.j2", medicine=medicine, section=section,
                title=section_title(current, section), text=section_text(current, section),
                base_revision=revision, reason="", author_name="",
                author_email="", error=None)


@router.post("/{letter}/{slug}/suggest/{section}/")
async def suggest(request: Request, letter: str, slug: str, section: str) -> Response:
    form = await _form(request)
    if not csrf_valid(request, form.get("csrf_token")):
        return _forbidden_csrf(request)
    found = _suggest_values(request, letter, slug, section)
    if found is None:
        return not_found(request)
    medicine, current, revision = found
    values = dict(medicine=medicine, section=section, title=section_title(current, section),
                  text=form.get("text", ""),
                  base_revision=form.get("base_revision", revision), reason=form.get("reason", ""),
                  author_name=form.get("author_name", ""), author_email=form.get("author_email", ""))
    if form.get("website"):  # the honeypot: people do not see it, form-filling robots do
        return page(request, "suggest.html.j2", status=400, **values,
                    error="website: this field must be left empty. Nothing was sent.")
    base = form.get("base_revision", "")
    if not base.isdigit() or len(base) > 9:
        return page(request, "suggest.html.j2", status=400, **values,
                    error="base_revision: not a revision number; reload the form.")
    ctx = context(request)
    try:
        suggestion = ctx.desk.suggest(
            slug, section, form.get("text", ""), base_revision=int(base), reason=form.get("reason", ""),
            author_name=form.get("author_name", ""), author_email=form.get("author_email", ""),
            user=signed_in_user(request),
            client_key=client_key(request.app.state.secret, client_address(request, ctx.web.trusted_proxy)),
            rate_limit=(ctx.web.suggestions_per_hour, 3600.0))
    except RateLimited as error:
        return page(request, "suggest.html.j2", status=429, headers={"Retry-After": str(int(error.retry_after) + 1)},
                    **values, error=str(error))
    except InputError as error:
        return page(request, "suggest.html.j2", status=400, **values, error=str(error))
    return RedirectResponse(f"/suggestions/{quote(suggestion.public_id)}/", status_code=303)


@router.get("/suggestions/{public_id}/")
def suggestion_status(request: Request, public_id: str) -> Response:
    store = context(request).store
    suggestion = store.suggestion_by_public_id(public_id) if len(public_id) < 200 else None
    if suggestion is None:
        return not_found(request)
    medicine = store.get_medicine(suggestion.slug)
    return page(request, "suggestion.html.j2", suggestion=suggestion, medicine=medicine,
                suggestion_letter=medicine.letter if medicine else "",
                title=section_title(store.get_page(suggestion.slug), suggestion.section))


# --------------------------------------------------------------------------- signing in


@router.get("/login/")
def login_form(request: Request, next: str = "") -> Response:
    return page(request, "login.html.j2", name="", next=_local(next), error=None)


@router.post("/login/")
async def login(request: Request) -> Response:
    from medpages.review.accounts import new_token, verify_password

    form = await _form(request)
    if not csrf_valid(request, form.get("csrf_token")):
        return _forbidden_csrf(request)
    ctx = context(request)
    name, password, next_ = form.get("name", "").strip(), form.get("password", ""), _local(form.get("next", ""))
    # Every attempt is counted before the password is checked: once an address reaches the limit,
    # even the right password is refused for the hour, so guessing cannot go on behind the 429s.
    key = "login:" + client_key(request.app.state.secret, client_address(request, ctx.web.trusted_proxy))
    if not ctx.store.take_rate(key, ctx.web.logins_per_hour, 3600.0, datetime.now(UTC)):
        return page(request, "login.html.j2", status=429, headers={"Retry-After": "3600"}, name=name, next=next_,
                    error="Too many sign-ins from this address: try again in an hour.")
    user = ctx.store.get_user(name) if name and len(name) <= 100 else None
    if user is None or user.disabled or not verify_password(user.password_hash, password):
        return page(request, "login.html.j2", status=400, name=name, next=next_,
                    error="name or password: that name and password do not match an account.")
    token, digest = new_token()
    csrf_token, _ = new_token()
    expires = datetime.now(UTC) + timedelta(hours=ctx.web.session_hours)
    ctx.store.create_session(digest, user.id, csrf_token, expires)
    response = RedirectResponse(next_ or ("/review/" if can_review(user) else "/"), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(ctx.web.session_hours * 3600), path="/",
                        httponly=True, samesite="lax", secure=is_https(request, ctx.web.trusted_proxy))
    return response


@router.post("/logout/")
async def logout(request: Request) -> Response:
    from medpages.review.accounts import token_digest

    form = await _form(request)
    found = signed_in(request)
    if found is None:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    if not csrf_valid(request, form.get("csrf_token"), session_only=True):
        return _forbidden_csrf(request)
    context(request).store.end_session(token_digest(request.cookies[SESSION_COOKIE]))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _local(target: str) -> str:
    """A redirect target on this site only (an absolute path, not `//host` or a scheme)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 500:
        return target
    return ""


# --------------------------------------------------------------------------- reviewing


def _reviewer_page(request: Request) -> tuple[User | None, Response | None]:
    """The signed-in reviewer for a GET, or the response: 303 to sign in, 403 for a contributor."""
    user = signed_in_user(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return None, RedirectResponse("/login/?" + urlencode({"next": target}), status_code=303)
    if not can_review(user):
        return None, _message(request, 403, "Reviewers only", "Only reviewers and admins may see the review queue.")
    return user, None


async def _signed_in_post(request: Request) -> tuple[User | None, dict[str, str], Response | None]:
    """The signed-in user of a POST with its form, or the response: 401 without a session, 403 for a bad token."""
    form = await _form(request)
    user = signed_in_user(request)
    if user is None:
        return None, form, _message(request, 401, "Sign in first", "Your session has ended or you have not signed in. "
                                    "Nothing was changed.", back="/login/")
    if not csrf_valid(request, form.get("csrf_token"), session_only=True):
        return None, form, _forbidden_csrf(request)
    return user, form, None


@router.get("/review/")
def review_queue(request: Request, medicine: str = "", section: str = "", page_number: int = 1) -> Response:
    user, refused = _reviewer_page(request)
    if refused:
        return refused
    store = context(request).store
    page_number = max(1, min(page_number, 100_000))
    filters = dict(slug=medicine.strip() or None, section=section.strip() or None)
    total = store.count_suggestions(status="pending", **filters)
    suggestions = store.suggestions(status="pending", offset=(page_number - 1) * QUEUE_PAGE_SIZE,
                                    limit=QUEUE_PAGE_SIZE, **filters)

    def href(number: int) -> str:
        query = {k: v for k, v in (("medicine", medicine), ("section", section)) if v}
        return "?" + urlencode({**query, "page_number": number})

    return page(request, "review_queue.html.j2", user=user, suggestions=suggestions, total=total,
                medicine=medicine, section=section,
                previous_href=href(page_number - 1) if page_number > 1 else None,
                next_href=href(page_number + 1) if page_number * QUEUE_PAGE_SIZE < total else None)


def side_by_side(current: str, suggested: str) -> list[tuple[str | None, str | None, str]]:
    """Rows of (current line, suggested line, kind) with the changed lines marked (difflib)."""
    left, right = current.splitlines(), suggested.splitlines()
    rows: list[tuple[str | None, str | None, str]] = []
    for kind, i1, i2, j1, j2 in difflib.SequenceMatcher(a=left, b=right, autojunk=False).get_opcodes():
        olds, news = left[i1:i2], right[j1:j2]
        for index in range(max(len(olds), len(news))):
            rows.append((olds[index] if index < len(olds) else None, news[index] if index < len(news) else None, kind))
    return rows


def _known_suggestion(request: Request, value: str) -> int | None:
    """The id in the address when it names a stored suggestion, else None (the caller answers 404)."""
    if not (value.isdigit() and len(value) < 10):
        return None
    number = int(value)
    return number if context(request).store.get_suggestion(number) is not None else None


def _proposal_page(request: Request, user: User, suggestion_id: int, *, status: int = 200,
                   error: str | None = None, edit_text: str | None = None) -> Response:
    proposal = context(request).desk.proposal(suggestion_id)
    suggestion = proposal.suggestion
    text = edit_text if edit_text is not None else (
        proposal.merged_text if proposal.merged_text is not None else proposal.suggested_text)
    return page(request, "review.html.j2", status=status, user=user, s=suggestion, p=proposal,
                title=section_title(context(request).store.get_page(suggestion.slug), suggestion.section),
                diff=side_by_side(proposal.current_text, proposal.suggested_text), edit_text=text, error=error,
                safe_source_url=safe_url(proposal.facts.source.url) if proposal.facts else None)


@router.get("/review/{suggestion_id}/")
def review_suggestion(request: Request, suggestion_id: str) -> Response:
    user, refused = _reviewer_page(request)
    if refused:
        return refused
    number = _known_suggestion(request, suggestion_id)
    if number is None:
        return not_found(request)
    return _proposal_page(request, user, number)


@router.post("/review/{suggestion_id}/accept/")
async def accept(request: Request, suggestion_id: str) -> Response:
    user, form, refused = await _signed_in_post(request)
    if refused:
        return refused
    number = _known_suggestion(request, suggestion_id)
    if number is None:
        return not_found(request)
    edited = form.get("edited_text")
    try:
        context(request).desk.accept(number, user, edited_text=edited)
    except PermissionDenied as error:
        return _message(request, 403, "Not allowed", str(error), back=f"/review/{number}/")
    except MergeConflict as error:
        return page(request, "message.html.j2", status=409, heading="The suggestion conflicts with a later change",
                    message=str(error), conflicts=error.conflicts, back=f"/review/{number}/")
    except StaleRevision as error:
        return _message(request, 409, "The page changed", str(error), back=f"/review/{number}/")
    except SuggestionClosed as error:
        return _message(request, 409, "Already decided", str(error) or "This suggestion was already decided.",
                        back="/review/")
    except InputError as error:
        return _proposal_page(request, user, number, status=400, error=str(error), edit_text=edited)
    return RedirectResponse(f"/review/{number}/", status_code=303)


@router.post("/review/{suggestion_id}/reject/")
async def reject(request: Request, suggestion_id: str) -> Response:
    user, form, refused = await _signed_in_post(request)
    if refused:
        return refused
    number = _known_suggestion(request, suggestion_id)
    if number is None:
        return not_found(request)
    reason = form.get("reason", "").strip()
    if not reason:
        return _proposal_page(request, user, number, status=400, error="reason: say why the suggestion is rejected.")
    try:
        context(request).desk.reject(number, user, reason)
    except PermissionDenied as error:
        return _message(request, 403, "Not allowed", str(error), back=f"/review/{number}/")
    except SuggestionClosed as error:
        return _message(request, 409, "Already decided", str(error) or "This suggestion was already decided.",
                        back="/review/")
    except InputError as error:
        return _proposal_page(request, user, number, status=400, error=str(error))
    return RedirectResponse("/review/", status_code=303)


def _expected(form: dict[str, str]) -> int | None:
    value = form.get("expected_revision", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@router.post("/{letter}/{slug}/reviewed/")
async def mark_reviewed(request: Request, letter: str, slug: str) -> Response:
    user, form, refused = await _signed_in_post(request)
    if refused:
        return refused
    medicine = context(request).store.get_medicine(slug)
    if medicine is None or medicine.letter != letter:
        return not_found(request)
    expected = _expected(form)
    history = f"/{letter}/{slug}/history/"
    if expected is None:
        return _message(request, 400, "Not marked reviewed", "expected_revision: not a revision number.", back=history)
    try:
        context(request).desk.mark_reviewed(slug, user, expected_revision=expected, note=form.get("note", "").strip())
    except PermissionDenied as error:
        return _message(request, 403, "Not allowed", str(error), back=history)
    except StaleRevision as error:
        return _message(request, 409, "The page changed", str(error), back=history)
    except InputError as error:
        return _message(request, 400, "Not marked reviewed", str(error), back=history)
    return RedirectResponse(history, status_code=303)


@router.post("/{letter}/{slug}/restore/{number}/")
async def restore(request: Request, letter: str, slug: str, number: str) -> Response:
    user, form, refused = await _signed_in_post(request)
    if refused:
        return refused
    medicine = context(request).store.get_medicine(slug)
    if medicine is None or medicine.letter != letter or not number.isdigit() or len(number) > 9:
        return not_found(request)
    if context(request).store.get_revision(slug, int(number)) is None:
        return not_found(request)
    expected = _expected(form)
    history = f"/{letter}/{slug}/history/"
    if expected is None:
        return _message(request, 400, "Not restored", "expected_revision: not a revision number.", back=history)
    try:
        context(request).desk.restore(slug, int(number), user, reason=form.get("reason", "").strip(),
                                      expected_revision=expected)
    except PermissionDenied as error:
        return _message(request, 403, "Not allowed", str(error), back=history)
    except StaleRevision as error:
        return _message(request, 409, "The page changed", str(error), back=history)
    except InputError as error:
        return _message(request, 400, "Not restored", str(error), back=history)
    return RedirectResponse(history, status_code=303)


# --------------------------------------------------------------------------- rebuilding the static site


class Rebuilder:
    """Builds the static site and the Jekyll tree in a background thread, one build at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = False
        self.last: str = ""

    def start(self, project) -> bool:  # type: ignore[no-untyped-def]
        with self._lock:
            if self.running:
                return False
            self.running = True
        threading.Thread(target=self._build, args=(project,), name="medpages-rebuild", daemon=True).start()
        return True

    def _build(self, project) -> None:  # type: ignore[no-untyped-def]
        from medpages.stages.building import build_html_site, build_jekyll

        try:
            build_html_site(project)
            build_jekyll(project)
            self.last = f"finished at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        except Exception as error:  # reported on the next rebuild page; the app keeps serving
            self.last = f"failed: {error}"
        finally:
            with self._lock:
                self.running = False


@router.post("/admin/rebuild/")
async def rebuild(request: Request) -> Response:
    user, _, refused = await _signed_in_post(request)
    if refused:
        return refused
    if user.role != "admin":
        return _message(request, 403, "Admins only", "Only admins may rebuild the site.")
    rebuilder: Rebuilder = request.app.state.rebuilder
    started = rebuilder.start(context(request).project)
    message = ("The static site and the Jekyll tree are being rebuilt in the background." if started
               else "A rebuild is already running; this one was not started.")
    if rebuilder.last:
        message += f" The previous rebuild {rebuilder.last}."
    return _message(request, 202 if started else 409, "Rebuild", message)
