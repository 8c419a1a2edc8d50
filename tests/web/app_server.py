"""The review web app as its users meet it: a project made with the real commands, the real server in
a subprocess on 127.0.0.1, and (for the browser tests) headless Chromium.

Test modules import what they need (`from app_server import ...`): the fixtures `review_app` (one
running app per database, SQLite and PostgreSQL when MEDPAGES_TEST_POSTGRES_URL is set, a schema of
its own; shared by the modules, each on a medicine of its own) and `browser`, and the helpers
`make_project`, `AppServer`, `csrf_token`, `sign_in_tab`. tests/web is on sys.path because pytest
puts a test module's folder there (tests/web is not a package). Not conftest.py: that is not ours.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fixture_files import LIPITOR_XML, SEED_PAGE
from postgres_schema import POSTGRES_URL_VARIABLE, new_schema

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

# The medicines of every test project; only the seed medicine has a page to edit.
GENERICS = ["Ado-trastuzumab emtansine 160mg", "Paracetamol 500mg", "Ibuprofen 400mg", "Amoxicillin 500mg"]
SEED_SLUG = "ado-trastuzumab-emtansine-160mg"
SEED_PATH = f"/a/{SEED_SLUG}/"
PASSWORDS = {"admin": "admin-pass-1234", "rita": "reviewer-pass-1234", "rob": "reviewer2-pass-1234"}
ROLES = {"admin": "admin", "rita": "reviewer", "rob": "reviewer"}

# Variables of the machine running the tests that must not reach the server (a developer's
# MEDPAGES_* overrides, provider keys): the server sees only what the project says.
_AMBIENT = ("OPENAI_", "GEMINI_", "GOOGLE_", "OLLAMA_", "MEDPAGES_")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_environment(**settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(_AMBIENT)}
    env.update(settings)
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "200"
    return env


# --------------------------------------------------------------------------- databases


@dataclass
class Database:
    kind: str  # sqlite | postgresql
    url: str | None  # None: the project's own SQLite file
    _drop: object = None  # a callable that removes a PostgreSQL schema

    def drop(self) -> None:
        if callable(self._drop):
            self._drop()


def new_database(kind: str) -> Database:
    """A fresh, empty database: the project's SQLite file, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        return Database("sqlite", None)
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        pytest.skip(f"set {POSTGRES_URL_VARIABLE} to run the web tests on PostgreSQL")
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[postgres]')")
    return postgres_schema(server_url)


def postgres_schema(server_url: str) -> Database:
    url, drop = new_schema(server_url, prefix="medpages_web")
    return Database("postgresql", url, drop)


# --------------------------------------------------------------------------- the project


@dataclass
class Project:
    root: Path
    database: Database
    settings: dict[str, str] = field(default_factory=dict)  # MEDPAGES_* variables every command gets
    tokens: dict[str, str] = field(default_factory=dict)  # API tokens of the accounts, by name

    @property
    def env(self) -> dict[str, str]:
        return clean_environment(**self.settings)

    def run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`medpages ARGS` in the project folder, as a user runs it."""
        done = subprocess.run([sys.executable, "-m", "medpages", *args], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode not in (0, 2):  # 2: done with warnings
            raise AssertionError(f"medpages {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def run_all(self, *commands: list[str], timeout: float = 300) -> str:
        """Several `medpages` commands through the real command line (`medpages.cli.app`), one after
        another in one interpreter: importing medpages takes seconds here, running a command does not."""
        done = subprocess.run([sys.executable, "-c", _RUN_ALL, json.dumps(commands)], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"medpages commands failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def store(self):
        """The project's store, opened in this process (for checking what the server wrote)."""
        from medpages.store import Store

        url = self.database.url or f"sqlite:///{self.root / 'medpages.sqlite3'}"
        return Store.open(url)


_RUN_ALL = """
import json, sys
from medpages.cli import app
for args in json.loads(sys.argv[1]):
    code = app(args, standalone_mode=False, prog_name="medpages")
    if code not in (None, 0, 2):
        sys.exit(f"medpages {' '.join(args)}: exit code {code}")
"""


def make_project(folder: Path, database: Database, *, generics: list[str] | None = None,
                 pages: list[Path] | None = None, labels: list[Path] | None = None, **settings: str) -> Project:
    """`medpages init`, `medpages import` of a generics list and the seed page, and three accounts
    (`medpages users add`): admin, and the reviewers rita and rob. `settings` are MEDPAGES_* variables
    (`MEDPAGES_WEB_SUGGESTIONS_PER_HOUR="100000"`)."""
    env = {"MEDPAGES_WEB_SUGGESTIONS_PER_HOUR": "1000000", "MEDPAGES_WEB_LOGINS_PER_HOUR": "100000", **settings}
    if database.url:
        env["MEDPAGES_DATABASE_URL"] = database.url
    folder.mkdir(parents=True, exist_ok=True)
    project = Project(folder, database, env)
    page_files = pages if pages is not None else [SEED_PAGE]
    (folder / "generics.txt").write_text("\n".join(generics or GENERICS) + "\n", "utf-8")
    commands = [["init", "."], ["import", "generics.txt", *map(str, page_files)]]
    commands += [["sources", "add", *map(str, labels)]] if labels else []
    commands += [["users", "add", name, "--role", role, "--password", PASSWORDS[name]] for name, role in ROLES.items()]
    commands += [["users", "token", name] for name in ROLES]
    printed = project.run_all(*commands).split()
    project.tokens = dict(zip(ROLES, printed[-len(ROLES):]))  # `users token` prints the token alone
    return project


# --------------------------------------------------------------------------- the server


@dataclass
class AppServer:
    """`medpages serve` in a subprocess (its own process group, so its workers go with it)."""

    project: Project
    workers: int = 1
    port: int = 0
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> AppServer:
        self.port = self.port or free_port()
        self.log = self.project.root / f"server-{self.port}.log"
        env = dict(self.project.env, MEDPAGES_WEB_WORKERS=str(self.workers), PYTHONUNBUFFERED="1")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "medpages", "serve", "--port", str(self.port), "--project", str(self.project.root)],
                cwd=self.project.root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited ({self.process.returncode}):\n{self.output()}")
            try:
                if httpx.get(self.url + "/", timeout=2).status_code < 500:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the server did not answer within {timeout}s:\n{self.output()}")
            time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace")[-5000:] if self.log and self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL to the whole process group: the server gets no chance to finish anything."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def _signal(self, number: int) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, number)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        if number != signal.SIGKILL:  # workers left behind by a parent that went first
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- HTTP clients

_CSRF = re.compile(r'name="csrf(?:_token)?"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrf(?:_token)?"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF.search(html)
    if not found:
        raise AssertionError(f"no CSRF token on the page:\n{html[:2000]}")
    return found.group(1) or found.group(2)


# --------------------------------------------------------------------------- the app the test modules share

ATORVASTATIN_PATH = "/a/atorvastatin-20mg/"
ATORVASTATIN_SLUG = "atorvastatin-20mg"
IBUPROFEN_SLUG = "ibuprofen-400mg"
AMOXICILLIN_SLUG = "amoxicillin-500mg"
_SHARED: dict[str, AppServer] = {}


def renamed_seed_page(folder: Path, title: str, generic: str) -> Path:
    """The seed page's text as the page of another medicine (its title and generic name replaced)."""
    text = SEED_PAGE.read_text("utf-8").replace("Ado-trastuzumab emtansine 160mg", title)
    path = folder / f"{title.lower().replace(' ', '-')}.md"
    path.write_text(text.replace("Ado-trastuzumab emtansine", generic), "utf-8")
    return path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def review_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AppServer:
    """One running app per database (two worker processes) for the whole session, shared by the
    test modules, each on a medicine of its own: the seed page (XSS corpus), Atorvastatin with the
    Lipitor label, so the reviewer's diff has label facts (browser), Ibuprofen (concurrency) and
    Amoxicillin (crash); three accounts with API tokens."""
    kind = request.param
    if kind not in _SHARED:
        database = new_database(kind)
        folder = tmp_path_factory.mktemp(f"review-app-{kind}")
        pages = [SEED_PAGE, renamed_seed_page(folder, "Atorvastatin 20mg", "Atorvastatin"),
                 renamed_seed_page(folder, "Ibuprofen 400mg", "Ibuprofen"),
                 renamed_seed_page(folder, "Amoxicillin 500mg", "Amoxicillin")]
        try:
            project = make_project(folder / "project", database, generics=[*GENERICS, "Atorvastatin 20mg"],
                                   pages=pages, labels=[LIPITOR_XML])
            server = AppServer(project, workers=2).start()
        except BaseException:
            database.drop()
            raise

        def cleanup() -> None:
            server.stop()
            database.drop()

        request.config.add_cleanup(cleanup)
        _SHARED[kind] = server
    return _SHARED[kind]


# --------------------------------------------------------------------------- the browser


def sign_in_tab(tab, name: str) -> None:
    """Sign a Playwright tab in through the login form; it lands on the review queue."""
    tab.goto("/login/")
    tab.fill("#name", name)
    tab.fill("#password", PASSWORDS[name])
    tab.click("form.login-form button[type=submit]")
    tab.wait_for_url(re.compile(r"/review/$"))


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
