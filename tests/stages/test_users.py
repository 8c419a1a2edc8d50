"""Accounts: `medpages users add | list | token` in process, and the sign-in `medpages review` uses."""

from __future__ import annotations

import pytest

from medpages.cli import RoleName
from medpages.project import Project
from medpages.review.accounts import token_digest, verify_password
from medpages.stages.users import SignInFailed, sign_in, sign_in_reviewer
from medpages.store.community import ROLES

PASSWORD = "correct horse battery"


def test_the_first_admin_and_a_reviewer_are_added_and_listed(project_dir, medpages_cli):
    first = medpages_cli("users", "add", "alice", "--role", "admin", "--password", PASSWORD, cwd=project_dir)
    assert first.exit_code == 0, first.output
    assert "Added admin alice." in first.stdout and PASSWORD not in first.output
    assert medpages_cli("users", "add", "bob", "--role", "reviewer", "--password", PASSWORD,
                        cwd=project_dir).exit_code == 0
    listed = medpages_cli("users", "list", cwd=project_dir)
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [["alice", "admin"], ["bob", "reviewer"]]
    user = Project.find(project_dir).store().get_user("alice")
    assert user.password_hash.startswith("$argon2id$") and verify_password(user.password_hash, PASSWORD)


def test_the_password_is_asked_for_twice_hidden_when_not_given(project_dir, medpages_cli):
    from typer.testing import CliRunner

    from medpages.cli import app

    runner = CliRunner()
    mismatch = runner.invoke(app, ["users", "add", "carol", "--role", "contributor", "--project", str(project_dir)],
                             input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n")
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output and PASSWORD not in mismatch.output  # hidden, asked again
    user = Project.find(project_dir).store().get_user("carol")
    assert user.role == "contributor" and verify_password(user.password_hash, PASSWORD)


def test_a_short_password_a_taken_name_and_an_unknown_role(project_dir, medpages_cli):
    short = medpages_cli("users", "add", "alice", "--role", "admin", "--password", "short", cwd=project_dir)
    assert short.exit_code == 1 and "at least 10" in short.errors
    assert medpages_cli("users", "list", cwd=project_dir).stdout == ""
    assert medpages_cli("users", "add", "alice", "--role", "admin", "--password", PASSWORD,
                        cwd=project_dir).exit_code == 0
    taken = medpages_cli("users", "add", "Alice", "--role", "reviewer", "--password", PASSWORD, cwd=project_dir)
    assert taken.exit_code == 1 and "'Alice' is taken" in taken.errors
    unknown = medpages_cli("users", "add", "dave", "--role", "pharmacist", "--password", PASSWORD, cwd=project_dir)
    assert unknown.exit_code == 2 and "pharmacist" in unknown.errors
    assert len(Project.find(project_dir).store().users()) == 1


def test_a_token_is_printed_once_and_only_its_digest_kept(project_dir, medpages_cli):
    medpages_cli("users", "add", "carol", "--role", "contributor", "--password", PASSWORD, cwd=project_dir)
    made = medpages_cli("users", "token", "carol", "--label", "my script", cwd=project_dir)
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert len(token) >= 32 and "not shown again" in made.stderr
    store = Project.find(project_dir).store()
    assert store.token_user(token_digest(token)).name == "carol"
    assert token not in (project_dir / "medpages.sqlite3").read_bytes().decode("latin-1")
    unknown = medpages_cli("users", "token", "nobody", cwd=project_dir)
    assert unknown.exit_code == 1 and "no user named 'nobody'" in unknown.errors


def test_sign_in_needs_the_right_password_and_review_needs_the_role(project_dir, medpages_cli):
    for name, role in (("bob", "reviewer"), ("carol", "contributor")):
        medpages_cli("users", "add", name, "--role", role, "--password", PASSWORD, cwd=project_dir)
    project = Project.find(project_dir)
    assert sign_in(project, "BOB", PASSWORD).name == "bob"
    assert sign_in_reviewer(project, "bob", PASSWORD).role == "reviewer"
    for name, password in (("bob", "wrong password"), ("nobody", PASSWORD)):
        with pytest.raises(SignInFailed, match="wrong name or password"):
            sign_in(project, name, password)
    with pytest.raises(SignInFailed, match="carol is a contributor"):
        sign_in_reviewer(project, "carol", PASSWORD)


def test_the_command_line_offers_the_stores_roles():
    assert tuple(role.value for role in RoleName) == ROLES
