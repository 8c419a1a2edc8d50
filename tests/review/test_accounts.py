"""Passwords, tokens and roles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from medpages.errors import InputError
from medpages.review.accounts import (
    can_review,
    hash_password,
    new_token,
    role_at_least,
    token_digest,
    verify_password,
)
from medpages.store.community import User


def user(role: str, *, disabled: bool = False) -> User:
    return User(id=1, name="jane", role=role, password_hash="", created_at=datetime.now(UTC), disabled=disabled)


def test_passwords_hash_with_argon2id_and_verify():
    digest = hash_password("correct horse battery")
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "correct horse battery")
    assert not verify_password(digest, "correct horse battery!")
    assert hash_password("correct horse battery") != digest  # salted


def test_malformed_hashes_do_not_verify():
    for digest in ("", "not a hash", "$argon2id$v=19$m=1,t=1,p=1$xx$yy"):
        assert not verify_password(digest, "whatever password")


def test_short_passwords_are_refused():
    with pytest.raises(InputError, match="password: 9 characters, at least 10"):
        hash_password("123456789")


def test_tokens_are_random_and_only_their_digest_is_kept():
    token, digest = new_token()
    other, _ = new_token()
    assert token != other and len(token) >= 40
    assert digest == token_digest(token) and len(digest) == 64 and token not in digest


def test_roles():
    assert not can_review(None) and not can_review(user("contributor"))
    assert can_review(user("reviewer")) and can_review(user("admin"))
    assert not can_review(user("admin", disabled=True))
    assert role_at_least(user("admin"), "reviewer") and not role_at_least(user("reviewer"), "admin")
    assert role_at_least(user("contributor"), "contributor") and not role_at_least(None, "contributor")
