"""The `medpages` command line: thin wrappers over medpages.pipeline and the seed format.

Exit status: 0 done, 1 failed, 2 wrong usage, 3 done with warnings (lines rejected, files
kept as raw text).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from medpages.errors import InputError, MedpagesError
from medpages.project import Project

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_WARNINGS = 3

app = typer.Typer(
    name="medpages",
    help="Turn a list of medicines into a trustworthy, searchable medicine-information website.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
page_app = typer.Typer(help="One page: Markdown -> JSON model, JSON model -> Markdown.", no_args_is_help=True)
app.add_typer(page_app, name="page")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ProjectOption = Annotated[
    Optional[Path],
    typer.Option("--project", "-p", help="The project folder (default: found from the current folder upwards)."),
]


def _project(folder: Path | None) -> Project:
    return Project.find(folder)


def _list_problems(title: str, lines: list[str], limit: int = 20) -> None:
    if not lines:
        return
    err.print(f"[yellow]{title} ({len(lines):,}):[/yellow]")
    for line in lines[:limit]:
        err.print(f"  {line}", markup=False)
    if len(lines) > limit:
        err.print(f"  … and {len(lines) - limit:,} more")


@app.command()
def init(folder: Annotated[Path, typer.Argument(help="Where to create the project.")] = Path(".")) -> None:
    """Create a project: medpages.toml and an embedded SQLite database."""
    project = Project.init(folder)
    out.print(f"Created a medpages project in {project.root}")
    out.print(f"  settings: {project.root / 'medpages.toml'}")
    out.print("  next: medpages import generics.txt")


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="generics.txt, .csv, .json, a page file, or a Jekyll tree.")],
    project: ProjectOption = None,
) -> None:
    """Import medicine lists and existing pages into the project."""
    from medpages.pipeline import import_paths

    proj = _project(project)
    report = import_paths(proj, paths, progress=lambda message: err.print(f"[dim]{message}[/dim]"))
    out.print(f"Imported {report.medicines:,} catalogue entries; "
              f"{report.pages_saved:,} pages saved, {report.pages_unchanged:,} unchanged.")
    _list_problems("Files that could not be read", report.failures)
    _list_problems("Rejected lines", report.rejected)
    _list_problems("Files kept as raw text", report.raw_kept)
    _list_problems("Notices", report.notices)
    if report.failures:
        err.print("Failed: see above; everything else was imported.")
        raise typer.Exit(EXIT_FAILED)
    if report.warnings:
        err.print(f"Done with {report.warnings:,} warnings.")
        raise typer.Exit(EXIT_WARNINGS)


@app.command()
def build(
    jekyll: Annotated[Optional[Path], typer.Option(help="Write the Jekyll Markdown tree here "
                                                   "(default: the project's jekyll folder).")] = None,
    project: ProjectOption = None,
) -> None:
    """Build the Jekyll Markdown tree (<letter>/<slug>.md for every page)."""
    from medpages.pipeline import build_jekyll

    report = build_jekyll(_project(project), jekyll)
    _print_export(report)


def _print_export(report) -> None:
    out.print(f"Jekyll tree: {report.out_dir}  ({len(report.written):,} written, "
              f"{report.unchanged:,} unchanged, {len(report.deleted):,} removed)")
    _list_problems("Files this build wrote before and someone edited since: left in place", report.kept_edited)


@app.command()
def demo(
    folder: Annotated[Optional[Path], typer.Argument(help="Where to create the demo project "
                                                     "(default: a new temporary folder).")] = None,
) -> None:
    """A sample project built offline with no API key: catalogue, the seed page, skeletons, Jekyll tree."""
    from medpages.demo import run_demo

    run_demo(folder, say=out.print)


@page_app.command("parse")
def page_parse(file: Annotated[Path, typer.Argument(help="A page in the seed Markdown format.")]) -> None:
    """Print the page as JSON (the content model)."""
    from medpages.publish.seed_reader import parse_seed_markdown

    text = _read_text(file)
    sys.stdout.write(parse_seed_markdown(text).model_dump_json(indent=2, exclude_none=True) + "\n")


@page_app.command("render")
def page_render(file: Annotated[Path, typer.Argument(help="A page as JSON, as `page parse` prints it.")]) -> None:
    """Print the page as Markdown in the seed layout."""
    from pydantic import ValidationError

    from medpages.model import Page
    from medpages.publish.seed_writer import render_seed_markdown

    try:
        page = Page.model_validate_json(_read_text(file))
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'page'}: {e['msg']}" for e in error.errors()[:10])
        raise InputError(f"not a page: {problems}", source=str(file)) from None
    sys.stdout.buffer.write(render_seed_markdown(page).encode("utf-8"))


def _read_text(file: Path) -> str:
    try:
        data = file.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", source=str(file)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte {error.start})", source=str(file), line=line) from None


def main() -> None:
    try:
        app()
    except MedpagesError as error:
        err.print(f"[red]error:[/red] {error}", highlight=False)
        sys.exit(EXIT_FAILED)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
