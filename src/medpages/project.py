"""A medpages project: a folder with `medpages.toml`, found from the current folder upwards like git.

Its settings (`project.settings`, medpages.settings) come from `medpages.toml`, overridden by
`MEDPAGES_<SECTION>_<KEY>` environment variables, and are validated when the project is loaded.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medpages.errors import InputError, ProjectNotFound

if TYPE_CHECKING:
    from medpages.settings import Settings

CONFIG_NAME = "medpages.toml"
STATE_DIR = ".medpages"  # medpages' own bookkeeping inside a project (export manifests)

DEFAULT_CONFIG = """\
# medpages project settings. Environment variables MEDPAGES_<SECTION>_<KEY> override them
# (MEDPAGES_DATABASE_URL, for instance). Every key: docs/configuration.md.

[database]
# SQLite in this folder by default; a PostgreSQL URL also works:
# url = "postgresql+psycopg://user:password@localhost/medpages"
url = "sqlite:///medpages.sqlite3"

[jekyll]
# Where `medpages build` writes the Markdown tree (relative to this folder).
dir = "jekyll"

[site]
# Where `medpages build` writes the static HTML site (relative to this folder).
dir = "site"
# Where the site will be served. Canonical links, OpenGraph and sitemap.xml need it absolute.
# base_url = "https://medicines.example.org"
base_url = ""
# The web app's "suggest an edit" address; {slug} and {section} are filled in. Empty: no links.
edit_url = ""
name = "Medicine information"
"""


@dataclass
class Project:
    root: Path
    settings: Settings
    _store: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def init(cls, folder: Path) -> Project:
        folder = folder.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        config_path = folder / CONFIG_NAME
        if not config_path.exists():
            config_path.write_text(DEFAULT_CONFIG, encoding="utf-8")
        project = cls.load(folder)
        project.store()  # create the database now, so `init` leaves a ready project
        return project

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The project containing `start` (default: the current folder), searching upwards."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_NAME).is_file():
                return cls.load(folder)
        raise ProjectNotFound(
            f"no {CONFIG_NAME} in {here} or any folder above it: run `medpages init` first, "
            "or pass --project DIR"
        )

    @classmethod
    def load(cls, root: Path) -> Project:
        """The project in `root`, its settings read and validated (an `InputError` names a bad one)."""
        from medpages.settings import load_settings  # pydantic loads with a project, not for `--help`

        path = root.resolve() / CONFIG_NAME
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise InputError(f"not valid TOML: {error}", source=str(path)) from None
        except OSError as error:
            raise ProjectNotFound(f"cannot read {path}: {error.strerror}") from None
        return cls(root=root.resolve(), settings=load_settings(table, path))

    @property
    def database_url(self) -> str:
        url = self.settings.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            # A relative SQLite path is relative to the project, not to the current folder.
            url = prefix + str(self.root / url[len(prefix):])
        return url

    @property
    def jekyll_dir(self) -> Path:
        return self.root / self.settings.jekyll.dir

    @property
    def site_dir(self) -> Path:
        return self.root / self.settings.site.dir

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def store(self):  # -> medpages.store.Store (imported here: SQLAlchemy loads only when needed)
        """The project's store, opened (and its schema upgraded) once per Project."""
        if self._store is None:
            from medpages.store import Store

            self._store = Store.open(self.database_url)
        return self._store
