"""Passwords (argon2id), session and API tokens, and what each role may do."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from medpages.errors import InputError
from medpages.store.community import ROLES, Role, User

SESSION_HOURS = 12
MIN_PASSWORD_CHARS = 10

# argon2id with OWASP's second recommended setting (19 MiB, 2 passes, 1 lane): strong enough for
# a reviewer's password, fast enough that a login (and the test suite) does not wait.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def hash_password(password: str) -> str:
    """An argon2id hash; InputError when the password is shorter than 10 characters."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"password: {len(password)} characters, at least {MIN_PASSWORD_CHARS}")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, str]:
    """A random token (for a cookie or an API client) and its digest (what the store keeps)."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def can_review(user: User | None) -> bool:
    """Reviewers and admins accept, reject and mark pages reviewed."""
    return role_at_least(user, "reviewer")


def role_at_least(user: User | None, role: Role) -> bool:
    if user is None or user.disabled:
        return False
    return ROLES.index(user.role) >= ROLES.index(role)
