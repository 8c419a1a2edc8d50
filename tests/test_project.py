"""A project: created by `init`, found from any folder inside it, its paths relative to its own folder.

How each setting is read and overridden is tests/test_settings.py's business; here, what a project is.
"""

from __future__ import annotations

import os

import pytest

from medpages.errors import InputError, ProjectNotFound
from medpages.project import CONFIG_NAME, DEFAULT_CONFIG, Project


@pytest.fixture(autouse=True)
def _no_ambient_overrides(monkeypatch):
    # A developer's MEDPAGES_DATABASE_URL (say) must not move the test's database.
    for name in [n for n in os.environ if n.startswith("MEDPAGES_") and not n.startswith("MEDPAGES_TEST_")]:
        monkeypatch.delenv(name)


def test_init_writes_the_documented_settings_and_a_ready_database(tmp_path):
    project = Project.init(tmp_path / "new" / "proj")
    root = (tmp_path / "new" / "proj").resolve()
    assert project.root == root
    assert (root / CONFIG_NAME).read_text(encoding="utf-8") == DEFAULT_CONFIG
    assert (root / "medpages.sqlite3").is_file()  # created now, not on the first command
    assert project.store().counts().get("medicines", 0) == 0


def test_init_keeps_the_settings_a_user_wrote(tmp_path):
    (tmp_path / CONFIG_NAME).write_text('[site]\nname = "Our formulary"\n', encoding="utf-8")
    project = Project.init(tmp_path)
    assert (tmp_path / CONFIG_NAME).read_text(encoding="utf-8") == '[site]\nname = "Our formulary"\n'
    assert project.settings.site.name == "Our formulary"


def test_find_searches_upwards_like_git(tmp_path):
    Project.init(tmp_path)
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    assert Project.find(deep).root == tmp_path.resolve()


def test_find_outside_a_project_says_what_to_run(tmp_path):
    with pytest.raises(ProjectNotFound, match=r"no medpages\.toml in .* run `medpages init` first"):
        Project.find(tmp_path)


def test_a_broken_settings_file_is_named(tmp_path):
    (tmp_path / CONFIG_NAME).write_text("[site\nname = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"medpages\.toml: not valid TOML"):
        Project.load(tmp_path)


def test_paths_are_relative_to_the_project_not_the_current_folder(tmp_path, monkeypatch):
    project = Project.init(tmp_path / "proj")
    monkeypatch.chdir(tmp_path)
    root = (tmp_path / "proj").resolve()
    assert project.database_url == f"sqlite:///{root / 'medpages.sqlite3'}"
    assert (project.jekyll_dir, project.site_dir, project.state_dir) == (root / "jekyll", root / "site", root / ".medpages")


def test_an_absolute_or_server_database_url_is_kept_as_written(tmp_path):
    elsewhere = tmp_path / "elsewhere.sqlite3"
    (tmp_path / CONFIG_NAME).write_text(f'[database]\nurl = "sqlite:///{elsewhere}"\n', encoding="utf-8")
    assert Project.load(tmp_path).database_url == f"sqlite:///{elsewhere}"
    server = "postgresql+psycopg://medpages@db.example.org/medpages"
    (tmp_path / CONFIG_NAME).write_text(f'[database]\nurl = "{server}"\n', encoding="utf-8")
    assert Project.load(tmp_path).database_url == server


def test_the_store_is_opened_once_per_project(tmp_path):
    project = Project.init(tmp_path)
    assert project.store() is project.store()
