"""The small things a new publisher meets first (issue 13, item 7), in process: counts in the right
number, `init` on an existing project, an unknown backend as wrong usage, readable narrow help."""

from __future__ import annotations

import re

from fixture_files import LABELS_DIR, LIPITOR_XML

EXIT_USAGE = 2


def test_counts_of_one_are_singular(tmp_path, medpages_cli):
    assert medpages_cli("init", "proj", cwd=tmp_path).exit_code == 0
    project = tmp_path / "proj"
    (project / "generics.txt").write_text("Atorvastatin 20mg\nParacetamol 500mg\n")
    imported = medpages_cli("import", "generics.txt", cwd=project)
    assert "Imported 2 catalogue entries; 0 pages saved" in imported.stdout
    added = medpages_cli("sources", "add", LIPITOR_XML, cwd=project)
    assert "Stored 1 label (1 new, 0 replaced, 0 unchanged, 0 older versions kept out)." in added.stdout, added.stdout
    one = medpages_cli("generate", "--only", "atorvastatin-20mg", "--dry-run", cwd=project)
    assert "Would draft 1 page;" in one.stdout
    generated = medpages_cli("generate", cwd=project)
    assert "Drafted 2 pages;" in generated.stdout
    assert "1 medicine has no reference label yet" in generated.stdout, generated.stdout
    for ran in (imported, added, one, generated):
        assert not re.search(r"\b1 [a-z ]*?(pages|labels|warnings|medicines|names|entries|errors|rows)\b",
                             ran.stdout + ran.stderr), ran.output


def test_init_on_an_existing_project_says_so_and_keeps_it(tmp_path, medpages_cli):
    assert "Created a medpages project" in medpages_cli("init", "proj", cwd=tmp_path).stdout
    settings = tmp_path / "proj" / "medpages.toml"
    settings.write_text(settings.read_text() + "\n# mine\n")
    again = medpages_cli("init", "proj", cwd=tmp_path)
    assert again.exit_code == 0 and "already exists" in again.stdout and "Created" not in again.stdout
    assert settings.read_text().endswith("# mine\n")


def test_an_unknown_backend_is_wrong_usage(tmp_path, medpages_cli):
    assert medpages_cli("init", "proj", cwd=tmp_path).exit_code == 0
    wrong = medpages_cli("generate", "--backend", "olama", cwd=tmp_path / "proj")
    assert wrong.exit_code == EXIT_USAGE
    assert "--backend" in wrong.stderr and "olama" in wrong.stderr and "ollama" in wrong.stderr
    (tmp_path / "proj" / "medpages.toml").write_text('[draft]\nbackend = "olama"\n')
    configured = medpages_cli("generate", cwd=tmp_path / "proj")
    assert configured.exit_code == 1 and "olama" in str(configured.exception)  # the file is wrong, not the command


def test_generate_help_is_readable_narrow_and_wide():
    from typer.testing import CliRunner

    from medpages.cli import app

    for columns in (60, 100):
        shown = CliRunner().invoke(app, ["generate", "--help"], terminal_width=columns)  # as COLUMNS=60 does
        assert shown.exit_code == 0
        assert all(len(line) <= columns for line in shown.stdout.splitlines()), shown.stdout
        assert "--force " in shown.stdout and "--no-force" not in shown.stdout and "no-dry-run" not in shown.stdout
        assert "<" not in shown.stdout  # no `<str>`, `<list[str]>` metavars: NAME, SLUG, N, DIR
        assert "--only SLUG" in shown.stdout and "--project DIR" in shown.stdout
        options = [line for line in shown.stdout.splitlines() if line.startswith("  -")]
        assert max(line.index("  ", 2) for line in options) < columns // 2  # the help column starts early


def test_generate_names_the_pages_composed_from_another_products_label(tmp_path, medpages_cli):
    assert medpages_cli("init", "proj", cwd=tmp_path).exit_code == 0
    project = tmp_path / "proj"
    (project / "generics.txt").write_text("Ibuprofen 400mg\nIbuprofen 200mg tablets\n")
    assert medpages_cli("import", "generics.txt", cwd=project).exit_code == 0
    assert medpages_cli("sources", "add", LABELS_DIR / "otc-advil-multiproduct.xml", cwd=project).exit_code == 0
    generated = medpages_cli("generate", cwd=project)
    assert generated.exit_code == 0, generated.output
    assert "Composed from the nearest label, another product (the page says so; worth a look) (1):" in generated.stderr
    assert "ibuprofen-400mg: tablet, coated (oral); no label of the listed strength (400mg)" in generated.stderr
    assert "ibuprofen-200mg-tablets" not in generated.stderr
