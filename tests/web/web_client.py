"""The web app in process: a real project (SQLite in tmp_path) served through Starlette's TestClient.

Test modules import the fixtures they use (`from web_client import project, client`); tests/web is
on sys.path because pytest puts a test module's folder there (tests/web is not a package).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fixture_files import SEED_PAGE

from medpages.project import Project
from medpages.review import accounts
from medpages.stages import import_paths
from medpages.web.app import create_app

GENERICS = ["Ado-trastuzumab emtansine 160mg", "Paracetamol 500mg", "Ibuprofen 400mg"]
SEED_SLUG = "ado-trastuzumab-emtansine-160mg"
SEED_PATH = f"/a/{SEED_SLUG}/"
PASSWORDS = {"admin": "admin-pass-1234", "rita": "reviewer-pass-1234", "rob": "reviewer2-pass-1234",
             "carl": "contrib-pass-1234"}
ROLES = {"admin": "admin", "rita": "reviewer", "rob": "reviewer", "carl": "contributor"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_project(folder: Path, **web: object) -> Project:
    """A project with three medicines (one with the seed page) and four accounts; `web` sets `[web]` keys."""
    Project.init(folder)
    if web:
        lines = "".join(f"{key} = {value!r}\n".replace("'", '"') for key, value in web.items())
        with (folder / "medpages.toml").open("a", encoding="utf-8") as config:
            config.write(f"\n[web]\n{lines}")
    project = Project.load(folder)
    (folder / "generics.txt").write_text("\n".join(GENERICS) + "\n", "utf-8")
    import_paths(project, [folder / "generics.txt", SEED_PAGE])
    store = project.store()
    for name, role in ROLES.items():
        store.add_user(name, role, accounts.hash_password(PASSWORDS[name]))
    return project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path / "project")


@pytest.fixture
def client(project: Project) -> Iterator[TestClient]:
    with TestClient(create_app(project), follow_redirects=False) as test_client:
        yield test_client


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, f"no CSRF token on the page:\n{html[:3000]}"
    return found.group(1)


def login(client: TestClient, name: str) -> TestClient:
    form = client.get("/login/")
    answer = client.post("/login/", data={"name": name, "password": PASSWORDS[name], "csrf_token": csrf(form.text)})
    assert answer.status_code == 303, answer.text
    return client


def suggest(client: TestClient, section: str = "usage", text: str | None = None, *, slug: str = SEED_SLUG,
            letter: str = "a", reason: str = "Clearer wording") -> object:
    """Send a suggestion through the form; the POST's response."""
    url = f"/{letter}/{slug}/suggest/{section}/"
    form = client.get(url)
    assert form.status_code == 200, form.text
    current = re.search(r'<textarea id="text" name="text"[^>]*>\n(.*?)</textarea>', form.text, re.S).group(1)
    base = re.search(r'name="base_revision" value="(\d+)"', form.text).group(1)
    import html as html_module

    body = text if text is not None else html_module.unescape(current) + "\n\nAsk your pharmacist if unsure."
    return client.post(url, data={"csrf_token": csrf(form.text), "base_revision": base, "text": body,
                                  "reason": reason, "author_name": "Jane", "author_email": "jane@example.org",
                                  "website": ""})
