"""What every response and every form needs to be safe: headers, a body limit, refused junk
paths, CSRF tokens, cookie flags, the client's address and the app's secret.

The middleware is plain ASGI (not Starlette's `BaseHTTPMiddleware`, which costs a task and a
queue per request): it adds the security headers to every response, answers 413 to a body over
the limit (from Content-Length, or by counting the bytes as they stream), and 400 to a path with
control characters. CSRF: an anonymous form carries a token signed with the app's secret and
tied to a random cookie (signed double submit); a signed-in form carries the session's token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medpages.atomic import write_atomic

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
CSRF_COOKIE = "medpages_csrf"
SESSION_COOKIE = "medpages_session"
CSRF_FIELD = "csrf_token"
SECRET_FILE = "web-secret"


class BodyTooLarge(Exception):
    """The request body passed the limit while it was being read."""


class SecurityMiddleware:
    """Security headers on every response; 413 for a body over `max_body_bytes`; 400 for junk paths."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _junk_path(scope):
            await _plain(send, 400, b"Bad request: the address has characters no page has.\n")
            return
        length = _content_length(scope)
        if length is None and _has_header(scope, b"content-length"):
            await _plain(send, 400, b"Bad request: Content-Length is not a number.\n")
            return
        if length is not None and length > self.max_body_bytes:
            await _plain(send, 413, b"Request body too large.\n", close=True)
            return

        started = False
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def secured_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0].lower() not in _OURS]
                message = {**message, "headers": headers + SECURITY_HEADERS}
            await send(message)

        try:
            await self.app(scope, limited_receive, secured_send)
        except BodyTooLarge:
            if not started:
                await _plain(send, 413, b"Request body too large.\n", close=True)


_OURS = frozenset(name for name, _ in SECURITY_HEADERS)


def _junk_path(scope: Scope) -> bool:
    path = scope.get("path", "")
    raw = scope.get("raw_path") or b""
    return any(ord(c) < 32 or ord(c) == 127 for c in path) or b"%00" in raw or "\ufffd" in path


def _has_header(scope: Scope, name: bytes) -> bool:
    return any(key.lower() == name for key, _ in scope.get("headers", []))


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            return int(value) if value.strip().isdigit() else None
    return None


async def _plain(send: Send, status: int, body: bytes, *, close: bool = False) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers + SECURITY_HEADERS})
    await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- the secret, addresses


def load_secret(state_dir: Path) -> bytes:
    """The app's signing secret, made once per project (mode 0600) and shared by all its processes.

    Worker processes start at once: each writes a candidate (atomically, never readable by others)
    and links it into place only if no secret is there yet, so every process reads the same one.
    """
    path = state_dir / SECRET_FILE
    secret = _read_secret(path)
    if secret is not None:
        return secret
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f"{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    mask = os.umask(0o077)
    try:
        write_atomic(candidate, secrets.token_hex(32).encode("ascii"))
    finally:
        os.umask(mask)
    try:
        os.chmod(candidate, 0o600)
        os.link(candidate, path)  # fails when another process linked its secret first
    except FileExistsError:
        pass
    finally:
        candidate.unlink(missing_ok=True)
    secret = _read_secret(path)
    if secret is None:
        raise OSError(f"{path}: the web app's secret is unreadable; delete the file to make a new one")
    return secret


def _read_secret(path: Path) -> bytes | None:
    try:
        text = path.read_text("ascii").strip()
        return bytes.fromhex(text) if len(text) >= 64 else None
    except (FileNotFoundError, ValueError):
        return None


def client_address(request: Request, trusted_proxy: bool) -> str:
    """The client's address; X-Forwarded-For only behind a trusted proxy (its last hop is the proxy's view)."""
    if trusted_proxy:
        forwarded = request.headers.get("x-forwarded-for", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.client.host if request.client else "unknown"


def is_https(request: Request, trusted_proxy: bool) -> bool:
    if trusted_proxy:
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        if proto:
            return proto == "https"
    return request.url.scheme == "https"


def client_key(secret: bytes, address: str) -> str:
    """A digest of the client's address: rate limits and abuse review without keeping the address."""
    return hmac.new(secret, b"client:" + address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


# --------------------------------------------------------------------------- CSRF


def anonymous_csrf(secret: bytes, cookie_value: str) -> str:
    """The form token for an anonymous visitor: the cookie's value signed with the app's secret."""
    return hmac.new(secret, b"csrf:" + cookie_value.encode("utf-8"), hashlib.sha256).hexdigest()


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


def tokens_match(expected: str | None, given: object) -> bool:
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


# --------------------------------------------------------------------------- sessions and form tokens

_UNSET = object()


def signed_in(request: Request):  # -> tuple[User, str] | None
    """The signed-in user and their session's CSRF token (looked up once per request), or None."""
    found = getattr(request.state, "medpages_session", _UNSET)
    if found is _UNSET:
        found = None
        token = request.cookies.get(SESSION_COOKIE)
        if token and len(token) < 200:
            from medpages.review.accounts import token_digest

            found = request.app.state.context.store.session(token_digest(token), datetime.now(UTC))
        request.state.medpages_session = found
    return found


def signed_in_user(request: Request):  # -> User | None
    found = signed_in(request)
    return found[0] if found else None


def form_token(request: Request) -> str:
    """The CSRF token to put in this response's forms: the session's, or one signed for the visitor's
    cookie (a new cookie is set on the response by `set_cookies`)."""
    found = signed_in(request)
    if found:
        return found[1]
    cookie = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "medpages_new_csrf", None)
    if not cookie or len(cookie) > 100:
        cookie = new_csrf_cookie()
        request.state.medpages_new_csrf = cookie
    return anonymous_csrf(request.app.state.secret, cookie)


def set_cookies(request: Request, response: Response) -> None:
    """Set the anonymous CSRF cookie `form_token` made for this request, if it made one."""
    cookie = getattr(request.state, "medpages_new_csrf", None)
    if cookie:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="lax", path="/",
                            secure=is_https(request, request.app.state.context.web.trusted_proxy))


def csrf_valid(request: Request, given: object, *, session_only: bool = False) -> bool:
    """Whether a form's token is the session's (or, unless `session_only`, the visitor's signed one)."""
    found = signed_in(request)
    if found and tokens_match(found[1], given):
        return True
    if session_only:
        return False
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie) and tokens_match(anonymous_csrf(request.app.state.secret, cookie), given)
