"""The one settings object: MEDPAGES_<SECTION>_<KEY> over medpages.toml over the defaults, every
section, and a bad value stopped at start with the key, where it came from and why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medpages.cli import app
from medpages.errors import InputError
from medpages.project import CONFIG_NAME, Project
from medpages.settings import configuration_reference, setting_keys
from medpages.stages import build_html_site, build_jekyll, check_pages, choose_backend, generate_pages, import_paths

DOCS = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
# What a developer's shell may set that would change what these tests see.
_OUTSIDE_VARIABLES = ("MEDPAGES_", "OPENAI_", "GEMINI_", "GOOGLE_", "OLLAMA_")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for variable in list(os.environ):
        if variable.startswith(_OUTSIDE_VARIABLES):
            monkeypatch.delenv(variable)


def project_with(folder: Path, toml: str) -> Project:
    """A project whose medpages.toml is `toml` (`init` keeps it), loaded afresh: the environment is read now."""
    (folder / CONFIG_NAME).write_text(toml, encoding="utf-8")
    return Project.init(folder)


def bad_settings(folder: Path, toml: str = "") -> str:
    with pytest.raises(InputError) as caught:
        project_with(folder, toml)
    return str(caught.value)


# --------------------------------------------------------------------------- every section's override


def test_without_overrides_the_file_and_the_defaults_are_used(tmp_path):
    project = project_with(tmp_path, '[draft]\nmodel = "from-the-file"\n')
    assert project.settings.draft.model == "from-the-file"
    assert project.settings.draft.concurrency == 8 and project.settings.checks.readability_grade == 9.0
    assert project.settings.origin("draft", "model") == "medpages.toml [draft] model"
    assert project.settings.origin("draft", "rpm") == "the default"


def test_database_url_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDPAGES_DATABASE_URL", "sqlite:///from-env.sqlite3")
    project = project_with(tmp_path, '[database]\nurl = "sqlite:///from-file.sqlite3"\n')
    assert project.database_url == f"sqlite:///{tmp_path.resolve() / 'from-env.sqlite3'}"
    project.store()
    assert (tmp_path / "from-env.sqlite3").is_file() and not (tmp_path / "from-file.sqlite3").exists()


def test_jekyll_dir_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDPAGES_JEKYLL_DIR", "tree-from-env")
    project = project_with(tmp_path, '[jekyll]\ndir = "tree-from-file"\n')
    assert project.jekyll_dir == tmp_path.resolve() / "tree-from-env"
    build_jekyll(project)
    assert (tmp_path / "tree-from-env").is_dir() and not (tmp_path / "tree-from-file").exists()


def test_site_settings_from_the_environment_win(tmp_path, monkeypatch, seed_path):
    monkeypatch.setenv("MEDPAGES_SITE_BASE_URL", "https://from-env.example.org")
    monkeypatch.setenv("MEDPAGES_SITE_NAME", "Env medicines")
    monkeypatch.setenv("MEDPAGES_SITE_DIR", "site-from-env")
    project = project_with(tmp_path, '[site]\ndir = "site-from-file"\nbase_url = "https://from-file.example.org"\n'
                                     'name = "File medicines"\n')
    import_paths(project, [seed_path])
    build_html_site(project)
    site = tmp_path / "site-from-env"
    assert "https://from-env.example.org/" in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "from-file" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "Env medicines" in (site / "index.html").read_text(encoding="utf-8")
    assert not (tmp_path / "site-from-file").exists()


def test_draft_settings_from_the_environment_win(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDPAGES_DRAFT_BACKEND", "openai")
    monkeypatch.setenv("MEDPAGES_DRAFT_MODEL", "model-from-env")
    monkeypatch.setenv("MEDPAGES_DRAFT_CONCURRENCY", "3")
    monkeypatch.setenv("MEDPAGES_DRAFT_RPM", "12.5")
    monkeypatch.setenv("MEDPAGES_DRAFT_TPM", "9000")
    monkeypatch.setenv("MEDPAGES_DRAFT_PRICES", '{"model-from-env": {"input": 1, "output": 2}}')
    project = project_with(tmp_path, '[draft]\nbackend = "ollama"\nmodel = "model-from-file"\nconcurrency = 20\n'
                                     'rpm = 500\ntpm = 1\n[draft.prices]\n"model-from-file" = { input = 5, output = 5 }\n')
    draft = project.settings.draft
    assert (draft.backend, draft.model, draft.concurrency, draft.rpm, draft.tpm) == ("openai", "model-from-env", 3, 12.5, 9000)
    assert set(draft.prices) == {"model-from-env", "model-from-file"}  # a table: the two are merged
    assert choose_backend(project, None) == ("openai", "MEDPAGES_DRAFT_BACKEND")


def test_a_provider_table_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDPAGES_DRAFT_OPENAI_BASE_URL", "http://127.0.0.1:9/from-env/v1")
    monkeypatch.setenv("MEDPAGES_DRAFT_OPENAI_STRUCTURED", "json_object")
    project = project_with(tmp_path, '[draft]\nmodel = "local"\n[draft.openai]\n'
                                     'base_url = "http://127.0.0.1:9/from-file/v1"\nstructured = "none"\n')
    assert project.settings.draft.provider_settings("openai") == {
        "base_url": "http://127.0.0.1:9/from-env/v1", "structured": "json_object"}
    report = generate_pages(project, backend="openai", dry_run=True)
    assert report.target.startswith("local at http://127.0.0.1:9/from-env/v1")


def test_a_provider_table_wins_over_the_providers_own_variables(tmp_path, monkeypatch):
    """medpages.toml's [draft.openai] base_url over OPENAI_BASE_URL, as before the settings object."""
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/from-openai-variable/v1")
    project = project_with(tmp_path, '[draft.openai]\nbase_url = "http://127.0.0.1:9/from-file/v1"\n')
    assert "from-file" in generate_pages(project, backend="openai", model="m", dry_run=True).target
    (tmp_path / CONFIG_NAME).write_text("", encoding="utf-8")  # no table: the provider's variable
    assert "from-openai-variable" in generate_pages(Project.load(tmp_path), backend="openai", model="m",
                                                    dry_run=True).target


def _readability_findings(project: Project) -> set[str]:
    return {f"{slug}: {finding.code}" for slug, findings in check_pages(project).results
            for finding in findings if finding.code.startswith("readability.grade")}


def test_checks_thresholds_from_the_environment_win(tmp_path, monkeypatch, seed_path):
    project = project_with(tmp_path, "[checks]\nreadability_grade = 40\n")
    import_paths(project, [seed_path])
    assert _readability_findings(project) == set()
    monkeypatch.setenv("MEDPAGES_CHECKS_READABILITY_GRADE", "3")
    strict = Project.load(tmp_path)
    assert strict.settings.checks.readability_grade == 3.0
    assert _readability_findings(strict)


def _generic_name_line(project: Project, slug: str) -> str:
    generate_pages(project, backend="reference")  # no label: the catalogue's skeleton
    return project.store().get_page(slug).generic_name


def test_names_preference_from_the_environment_wins(tmp_path, monkeypatch):
    project = project_with(tmp_path, '[names]\nprefer = "us"\n')
    (tmp_path / "generics.txt").write_text("Salbutamol 100mcg inhaler\n", encoding="utf-8")
    import_paths(project, [tmp_path / "generics.txt"])
    assert _generic_name_line(project, "salbutamol-100mcg-inhaler") == "Albuterol (also known as Salbutamol)"
    monkeypatch.setenv("MEDPAGES_NAMES_PREFER", "as-listed")
    listed = Project.load(tmp_path)
    assert listed.settings.names.prefer == "as-listed"
    assert _generic_name_line(listed, "salbutamol-100mcg-inhaler") == "Salbutamol (also known as Albuterol)"


# --------------------------------------------------------------------------- bad values, named with their origin


def test_a_wrong_type_in_the_file_names_the_file_and_the_key(tmp_path):
    message = bad_settings(tmp_path, '[checks]\nreadability_grade = "abc"\n')
    assert message == f"{tmp_path.resolve() / CONFIG_NAME}: [checks] readability_grade: 'abc' is not a number"


def test_a_wrong_type_in_the_environment_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDPAGES_CHECKS_READABILITY_GRADE", "abc")
    assert bad_settings(tmp_path) == "MEDPAGES_CHECKS_READABILITY_GRADE: 'abc' is not a number"
    monkeypatch.setenv("MEDPAGES_CHECKS_READABILITY_GRADE", "3")
    monkeypatch.setenv("MEDPAGES_DRAFT_GEMINI_VERTEX", "perhaps")
    assert bad_settings(tmp_path) == "MEDPAGES_DRAFT_GEMINI_VERTEX: 'perhaps' is not true or false"


def test_a_value_out_of_range_says_the_range(tmp_path, monkeypatch):
    message = bad_settings(tmp_path, "[draft]\nconcurrency = 0\n")
    assert message == f"{tmp_path.resolve() / CONFIG_NAME}: [draft] concurrency: must be at least 1 (got 0)"
    monkeypatch.setenv("MEDPAGES_CHECKS_USE_SUPPORT_SHARE", "1.5")
    assert bad_settings(tmp_path, "") == "MEDPAGES_CHECKS_USE_SUPPORT_SHARE: must be at most 1 (got '1.5')"


def test_a_value_outside_a_choice_lists_the_choices(tmp_path):
    message = bad_settings(tmp_path, '[draft.openai]\nstructured = "xml"\n')
    assert message.endswith("[draft.openai] structured: must be 'json_schema', 'json_object' or 'none' (got 'xml')")


def test_an_unknown_key_is_an_error_naming_the_known_ones(tmp_path):
    message = bad_settings(tmp_path, "[checks]\nreadabilty_grade = 3\n")
    assert message.startswith(f"{tmp_path.resolve() / CONFIG_NAME}: [checks] readabilty_grade: unknown key "
                              "(did you mean readability_grade?)")
    assert "readability_min_words" in message
    assert "[draft.openai] base: unknown key" in bad_settings(tmp_path, '[draft.openai]\nbase = "x"\n')


def test_an_unknown_section_is_an_error_naming_the_known_ones(tmp_path):
    message = bad_settings(tmp_path, "[check]\nreadability_grade = 3\n")
    assert message == (f"{tmp_path.resolve() / CONFIG_NAME}: unknown section [check] (did you mean checks?); "
                       "the sections are [database], [jekyll], [site], [draft], [checks], [names], [publish], [web]")


def test_an_unknown_variable_of_a_section_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDPAGES_CHECKS_READABILTY_GRADE", "3")
    message = bad_settings(tmp_path)
    assert message.startswith("MEDPAGES_CHECKS_READABILTY_GRADE: no such setting "
                              "(did you mean MEDPAGES_CHECKS_READABILITY_GRADE?)")


def test_the_providers_own_medpages_variables_are_not_settings_typos(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDPAGES_DRAFT_STRUCTURED", "json_object")
    monkeypatch.setenv("MEDPAGES_DRAFT_PROVIDER", "openai")
    monkeypatch.setenv("MEDPAGES_TEST_SOMETHING", "not a section")
    assert project_with(tmp_path, "").settings.draft.backend is None


def test_several_bad_values_are_all_named(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDPAGES_DRAFT_RPM", "fast")
    message = bad_settings(tmp_path, "[draft]\nconcurrency = 1.5\n")
    assert "[draft] concurrency: 1.5 is not a whole number" in message
    assert "MEDPAGES_DRAFT_RPM: 'fast' is not a number" in message


def test_a_bad_setting_stops_a_command_with_the_message_and_no_traceback(tmp_path, monkeypatch):
    Project.init(tmp_path)
    monkeypatch.setenv("MEDPAGES_CHECKS_READABILITY_GRADE", "abc")
    result = CliRunner().invoke(app, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 1
    assert "MEDPAGES_CHECKS_READABILITY_GRADE: 'abc' is not a number" in result.output
    assert "Traceback" not in result.output
    monkeypatch.delenv("MEDPAGES_CHECKS_READABILITY_GRADE")
    (tmp_path / CONFIG_NAME).write_text("[checks]\nreadabilty_grade = 3\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 1 and "[checks] readabilty_grade: unknown key" in result.output


# --------------------------------------------------------------------------- the reference


def test_docs_configuration_md_is_generated_from_the_settings():
    assert DOCS.read_text(encoding="utf-8") == configuration_reference(), (
        "docs/configuration.md is out of date: regenerate it with "
        "`python -m medpages.settings > docs/configuration.md`")


def test_every_key_is_documented_with_its_variable():
    text = DOCS.read_text(encoding="utf-8")
    for key in setting_keys():
        assert f"| `{key.path[-1]}` |" in text and f"`{key.variable}`" in text
        assert key.field.description, f"{key.toml} has no description"
