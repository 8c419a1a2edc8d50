"""Accounts: made on the command line (`medpages users`), the first admin like any other, and
the sign-in `medpages review` asks for. Passwords are kept only as argon2id hashes, API tokens
only as digests: the token itself is shown once, when it is made."""

from __future__ import annotations

from medpages.errors import InputError, MedpagesError
from medpages.project import Project
from medpages.review.accounts import can_review, hash_password, new_token, verify_password
from medpages.store.community import ROLES, User


class SignInFailed(MedpagesError):
    """Unknown name, wrong password or a disabled account: one message for all three."""


def add_user(project: Project, name: str, role: str, password: str) -> User:
    """A new account; InputError for an empty or taken name, an unknown role, a too-short password."""
    name = name.strip()
    if not name:
        raise InputError("a user needs a name")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    store = project.store()
    if store.get_user(name) is not None:  # checked first, so a taken name costs no password hash
        raise InputError(f"the name {name!r} is taken")
    return store.add_user(name, role, hash_password(password))  # type: ignore[arg-type]


def list_users(project: Project) -> list[User]:
    return project.store().users()


def add_api_token(project: Project, name: str, label: str = "") -> str:
    """A new API token for the user `name`; the token itself (the store keeps only its digest)."""
    store = project.store()
    user = _existing(project, name)
    token, digest = new_token()
    store.add_api_token(digest, user.id, label)
    return token


def sign_in(project: Project, name: str, password: str) -> User:
    """The account when the password is right and the account enabled; SignInFailed otherwise."""
    user = project.store().get_user(name.strip())
    if user is None or user.disabled or not verify_password(user.password_hash, password):
        raise SignInFailed(f"wrong name or password for {name!r}")
    return user


def sign_in_reviewer(project: Project, name: str, password: str) -> User:
    """As `sign_in`, and the account may review (a reviewer or an admin)."""
    user = sign_in(project, name, password)
    if not can_review(user):
        raise SignInFailed(f"{user.name} is a {user.role}: reviewing needs the reviewer or admin role")
    return user


def _existing(project: Project, name: str) -> User:
    user = project.store().get_user(name.strip())
    if user is None:
        raise InputError(f"no user named {name!r} (see `medpages users list`)")
    return user
