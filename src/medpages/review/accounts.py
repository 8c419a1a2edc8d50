"""Passwords (argon2id), session and API tokens, and what each role may do."""

from __future__ import annotations

from medpages.store.community import Role, User

SESSION_HOURS = 12


def hash_password(password: str) -> str:
    """An argon2id hash; InputError when the password is shorter than 10 characters."""
    raise NotImplementedError


def verify_password(password_hash: str, password: str) -> bool:
    raise NotImplementedError


def new_token() -> tuple[str, str]:
    """A random token (for a cookie or an API client) and its digest (what the store keeps)."""
    raise NotImplementedError


def token_digest(token: str) -> str:
    raise NotImplementedError


def can_review(user: User | None) -> bool:
    """Reviewers and admins accept, reject and mark pages reviewed."""
    raise NotImplementedError


def role_at_least(user: User | None, role: Role) -> bool:
    raise NotImplementedError
