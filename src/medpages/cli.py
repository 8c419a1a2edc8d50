"""The `medpages` command line: thin wrappers over the stages (medpages.stages) and the seed format.

Exit status: 0 done, 1 failed, 2 wrong usage, 3 done with warnings (lines rejected, files
kept as raw text).
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from enum import Enum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from medpages.atomic import write_atomic
from medpages.errors import InputError, MedpagesError
from medpages.project import Project

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_WARNINGS = 3

app = typer.Typer(
    name="medpages",
    help="Turn a list of medicines into a trustworthy, searchable medicine-information website.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # click's plain help, not typer's rich panels: those import rich.markdown, markdown-it and
    # pygments, about 60 ms of the 150 ms `medpages --help` may take.
    rich_markup_mode=None,
)
page_app = typer.Typer(help="One page: Markdown -> JSON model, JSON model -> Markdown.", no_args_is_help=True,
                       rich_markup_mode=None)
app.add_typer(page_app, name="page")


@cache
def out() -> Console:
    """Standard output; rich loads on the first print, not for `--help`."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@cache
def err() -> Console:
    """Standard error, for progress, warnings and errors."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


ProjectOption = Annotated[
    Optional[Path],
    typer.Option("--project", "-p", metavar="DIR", help="The project folder (default: found from the current folder upwards)."),
]


def _project(folder: Path | None) -> Project:
    """The project, its settings validated: a bad one stops the command here, before any work."""
    try:
        return Project.find(folder)
    except MedpagesError as error:
        _print_error(error)
        raise typer.Exit(EXIT_FAILED) from None


def _print_error(error: MedpagesError) -> None:
    from rich.markup import escape  # a message's `[checks]` is text, not rich markup

    err().print(f"[red]error:[/red] {escape(str(error))}", highlight=False)


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 label`, `2 labels`, `1,200 pages`: a count with its noun in the right number."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def _list_problems(title: str, lines: list[str], limit: int = 20) -> None:
    if not lines:
        return
    err().print(f"[yellow]{title} ({len(lines):,}):[/yellow]")
    for line in lines[:limit]:
        err().print(f"  {line}", markup=False)
    if len(lines) > limit:
        err().print(f"  … and {len(lines) - limit:,} more")


@app.command()
def init(folder: Annotated[Path, typer.Argument(help="Where to create the project.")] = Path(".")) -> None:
    """Create a project: medpages.toml and an embedded SQLite database (an existing one is left as it is)."""
    from medpages.project import CONFIG_NAME

    existed = (folder / CONFIG_NAME).is_file()
    project = Project.init(folder)
    if existed:
        out().print(f"A medpages project already exists in {project.root}: left as it is.")
        out().print(f"  settings: {project.root / CONFIG_NAME}")
        out().print("  where it stands: medpages status")
        return
    out().print(f"Created a medpages project in {project.root}")
    out().print(f"  settings: {project.root / 'medpages.toml'}")
    out().print("  next: medpages import generics.txt")


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="generics.txt, .csv, .json, a page file, a Jekyll tree; "
                                                "or, alone, a backup from `medpages export --all`.")],
    project: ProjectOption = None,
) -> None:
    """Import medicine lists and existing pages into the project, or restore a backup into an empty one."""
    from medpages.stages import import_paths

    proj = _project(project)
    report = import_paths(proj, paths, progress=lambda message: err().print(f"[dim]{message}[/dim]"))
    if report.restored is not None:
        out().print(f"Restored the backup: {counted(sum(report.restored.values()), 'row')} ("
                    + ", ".join(f"{count:,} {table}" for table, count in report.restored.items()) + ").", markup=False)
        return
    unresolved = (f"{counted(report.unresolved_count, 'name')} did not resolve (see `medpages names`); "
                  if report.unresolved_count else "")
    out().print(f"Imported {counted(report.medicines, 'catalogue entry', 'catalogue entries')}; {unresolved}"
                f"{counted(report.pages_saved, 'page')} saved, {report.pages_unchanged:,} unchanged.", markup=False)
    _list_problems("Files that could not be read", report.failures)
    _list_problems("Rejected lines", report.rejected)
    _list_problems("Names that did not resolve", report.unresolved)
    _list_problems("Files kept as raw text", report.raw_kept)
    _list_problems("Notices", report.notices)
    if report.failures:
        err().print("Failed: see above; everything else was imported.")
        raise typer.Exit(EXIT_FAILED)
    if report.warnings:
        err().print(f"Done with {counted(report.warnings, 'warning')}.")
        raise typer.Exit(EXIT_WARNINGS)


@app.command()
def names(
    chosen: Annotated[Optional[list[str]], typer.Argument(
        metavar="NAME", help="With --accept, the medicines to accept: an unresolved name, a title or a slug "
                                  "(none: all with a suggestion).")] = None,
    accept: Annotated[bool, typer.Option("--accept", help="Resolve the medicines again with the suggested names.")] = False,
    project: ProjectOption = None,
) -> None:
    """List the medicines whose names resolved to nothing, with suggestions; --accept applies them."""
    from medpages.stages import accept_suggestions, unresolved_names

    proj = _project(project)
    report = accept_suggestions(proj, chosen or ()) if accept else unresolved_names(proj)
    for line in report.accepted:
        out().print(f"accepted: {line}", markup=False)
    for entry in report.unresolved:
        out().print(str(entry), markup=False)
    _list_problems("Not an unresolved name, title or slug", report.not_found)
    if accept:
        out().print(f"{counted(len(report.accepted), 'medicine')} resolved; "
                    f"{counted(len(report.unresolved), 'name')} still unresolved.")
    else:
        have = "has a name" if len(report.unresolved) == 1 else "have names"
        out().print(f"{counted(len(report.unresolved), 'medicine')} {have} that did not resolve."
                    + (" Accept the suggestions with `medpages names --accept [NAME…]`." if report.unresolved else ""),
                    markup=False)
    if report.warnings:
        raise typer.Exit(EXIT_WARNINGS)


# A page's badge (medpages.publish.site.views.provenance_badge) as `status` counts it.
_PAGE_KINDS = {"skeleton": "not yet written", "reference": "composed from a label", "ai": "AI-drafted",
               "imported": "imported", "contributor": "by contributors", "draft": "drafts", "reviewed": "reviewed"}


@app.command()
def status(project: ProjectOption = None) -> None:
    """Where the project stands: medicines, pages, labels, findings, reviews, the last build; and what to run next."""
    from collections import Counter

    from medpages.stages.status import project_status

    state = project_status(_project(project))
    say = out().print

    def by(counts) -> str:
        return ", ".join(f"{count:,} {name}" for name, count in counts.most_common()) or "none"

    say(f"Project: {state.root}", markup=False)
    unresolved = f"; {counted(len(state.unresolved), 'name')} did not resolve" if state.unresolved else ""
    say(f"Medicines: {state.medicines:,} ({state.without_page:,} without a page{unresolved})", markup=False)
    written_by = Counter({_PAGE_KINDS.get(kind, kind): count for kind, count in state.pages_by_kind.items()})
    say(f"Pages: {state.pages:,}; {by(written_by)}", markup=False)
    say(f"  by status: {by(state.pages_by_status)}; {state.blocked_pages:,} held back by the checks",
        markup=False)
    if state.unresolved:
        shown = ", ".join(state.unresolved[:5]) + (f" and {len(state.unresolved) - 5:,} more"
                                                  if len(state.unresolved) > 5 else "")
        say(f"  names that did not resolve: {shown}", markup=False)
    kinds = ", ".join(f"{count:,} {kind}" for kind, count in state.labels_by_kind.items())
    dated = (f"; effective dates {state.oldest_label} to {state.newest_label}"
             if state.newest_label and state.oldest_label != state.newest_label
             else f"; effective date {state.newest_label}" if state.newest_label else "")
    say(f"Labels: {state.labels:,}" + (f" ({kinds})" if kinds else "") + dated, markup=False)
    if state.findings:
        say("Findings by kind:")
        width = max(len(f.code) for f in state.findings)
        for finding in state.findings[:12]:
            say(f"  {finding.severity:7} {finding.code:{width}}  {counted(finding.findings, 'finding')} "
                f"on {counted(finding.pages, 'page')}", markup=False)
        if len(state.findings) > 12:
            say(f"  … and {len(state.findings) - 12:,} more kinds (`medpages check`)")
    else:
        say("Findings: none stored (`medpages check` checks every page)")
    wait = "suggestion waits" if state.pending_suggestions == 1 else "suggestions wait"
    say(f"Reviews: {counted(state.reviewed_pages, 'page')} reviewed; {state.pending_suggestions:,} {wait} for review")
    if state.last_build is None:
        say("Last build: none yet")
    else:
        build_ = state.last_build
        changed = state.changed_since_build
        since = (f"{counted(len(changed), 'page')} changed since: " + ", ".join(changed[:5])
                 + (f" and {len(changed) - 5:,} more" if len(changed) > 5 else "")) if changed else "no page changed since"
        say(f"Last build: {build_.at.astimezone():%Y-%m-%d %H:%M} into {build_.out_dir} "
            f"({counted(build_.files, 'file')}); {since}", markup=False)
    say(f"Next: {state.next_steps[0]}", markup=False)
    for step in state.next_steps[1:]:
        say(f"  then: {step}", markup=False)


@app.command()
def build(
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Write the static HTML site here "
                                                    "(default: the project's site folder).")] = None,
    jekyll: Annotated[Optional[Path], typer.Option(help="Write the Jekyll Markdown tree here "
                                                   "(default: the project's jekyll folder).")] = None,
    github_pages: Annotated[bool, typer.Option("--github-pages", help="Also write .github/workflows/pages.yml, "
                                               "which publishes the site folder to GitHub Pages "
                                               "(docs/publishing.md).")] = False,
    full: Annotated[bool, typer.Option("--full", help="Read every page and check every file, as if "
                                       "nothing had been built before (repairs a folder changed by hand).")] = False,
    project: ProjectOption = None,
) -> None:
    """Build the static HTML site and the Jekyll Markdown tree (<letter>/<slug>.md).

    With neither option, both are built into the project's folders; with --out only the
    site, with --jekyll only the Markdown tree; with both, both. A reviewed page goes out at its
    newest reviewed revision; a page never reviewed goes out with its "not yet reviewed" badge,
    or not at all with `[publish] only_reviewed = true`. Incremental: only the pages changed since
    the last build of a folder are read and written.
    """
    from medpages.stages.building import Publication, build_html_site, build_jekyll, write_github_pages_workflow

    proj = _project(project)
    if github_pages:
        workflow = write_github_pages_workflow(proj)
        out().print(f"GitHub Pages workflow: {workflow.path} ({'written' if workflow.written else 'unchanged'})")
        _list_problems("GitHub Pages", workflow.warnings)
    publication = Publication.of(proj)
    both = out_dir is None and jekyll is None
    if both or out_dir is not None:
        _print_site(build_html_site(proj, out_dir, publication, full=full))
    if both or jekyll is not None:
        _print_export(build_jekyll(proj, jekyll, publication, full=full))
    _print_publication(publication)


def _print_publication(publication) -> None:
    if publication.stable:
        out().print(f"{counted(len(publication.stable), 'page')} published at their newest reviewed revision "
                    "(a newer draft waits for review).")
    if publication.left_out:
        out().print(f"{counted(len(publication.left_out), 'page')} left out: not reviewed yet, and "
                    "[publish] only_reviewed = true.", markup=False)


def _print_site(report) -> None:
    out().print(f"HTML site: {report.out_dir}  ({counted(report.medicines, 'medicine page')}; "
              f"{len(report.rendered):,} rendered, {counted(len(report.written), 'file')} written, "
              f"{report.unchanged:,} unchanged, {len(report.deleted):,} removed; {report.seconds:.2f} s)")
    _list_problems("Site warnings", report.warnings)


def _print_export(report) -> None:
    out().print(f"Jekyll tree: {report.out_dir}  ({len(report.written):,} written, "
              f"{report.unchanged:,} unchanged, {len(report.deleted):,} removed)")
    if report.not_written:
        out().print(f"  {counted(report.not_written, 'page')} of them not yet written: `medpages generate` fills them.",
                    markup=False)
    _list_problems("Files this build wrote before and someone edited since: left in place", report.kept_edited)


PortOption = Annotated[int, typer.Option(help="The port on 127.0.0.1 (0: any free port).")]


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="The address to listen on (default: [web] host, 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(min=0, max=65535, help="The port (default: [web] port, 8000; "
                                                "0: any free port).")] = None,
    workers: Annotated[Optional[int], typer.Option(min=1, max=64, help="Server processes (default: [web] "
                                                   "workers, 1).")] = None,
    static: Annotated[bool, typer.Option("--static", help="Serve the built HTML site folder instead, read only "
                                         "(run `medpages build` first).")] = False,
    project: ProjectOption = None,
) -> None:
    """Run the review web app until Ctrl-C: pages from the database, suggestions, the review queue, the API.

    Sign in at /login/ with an account from `medpages users add`; the queue is at /review/.
    With --static, serve the built site folder instead (no suggestions, no reviews).
    """
    proj = _project(project)
    web = proj.settings.web
    host, port = host or web.host, web.port if port is None else port
    if static:
        from medpages.publish.site import serve_site

        if not (proj.site_dir / "index.html").is_file():
            raise InputError("no site built here yet: run `medpages build` first", source=str(proj.site_dir))
        serve_site(proj.site_dir, host=host, port=port, say=out().print)
        return
    from medpages.web.server import run

    run(proj, host=host, port=port, workers=workers or web.workers)


@app.command()
def demo(
    folder: Annotated[Optional[Path], typer.Argument(help="Where to create the demo project "
                                                     "(default: a new temporary folder).")] = None,
    serve_site: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the site when it is built.")] = True,
    port: PortOption = 8000,
) -> None:
    """A sample project built offline with no API key: catalogue, the seed page, skeletons, site, served."""
    from medpages.demo import run_demo, serve_demo

    project = run_demo(folder, say=out().print)
    if serve_site:
        serve_demo(project, port=port, say=out().print)


@app.command()
def generate(
    backend: Annotated[Optional[str], typer.Option(metavar="NAME", help="reference (offline, from the stored labels), openai (any "
                                                   "OpenAI-compatible server), ollama, gemini or vertex. Default: "
                                                   "the provider the environment configures, else reference.")] = None,
    model: Annotated[Optional[str], typer.Option(metavar="NAME", help="The provider's model (gpt-4o-mini, gemini-2.0-flash, llama3.1…).")] = None,
    concurrency: Annotated[Optional[int], typer.Option(min=1, metavar="N", help="Requests in flight at most (default 8).")] = None,
    rpm: Annotated[Optional[float], typer.Option(min=0.001, metavar="N", help="Requests per minute at most (default: just under what the provider "
                                                  "states, or what its 429s show).")] = None,
    tpm: Annotated[Optional[float], typer.Option(min=1, metavar="N", help="Tokens per minute at most (default: no limit).")] = None,
    only: Annotated[Optional[list[str]], typer.Option(metavar="SLUG", help="Only this medicine (its slug); "
                                                      "repeat for more.")] = None,
    limit: Annotated[Optional[int], typer.Option(min=0, metavar="N", help="Draft at most this many pages.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redraft pages that someone wrote (their revisions are kept).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be drafted, and its tokens and cost; call nothing, "
                                          "write nothing.")] = False,
    batch: Annotated[bool, typer.Option("--batch", help="Use the provider's batch API (openai, gemini): about half the price, "
                                        "answers within 24 h. Ctrl-C stops waiting; run again to collect.")] = False,
    poll_interval: Annotated[float, typer.Option(min=0.1, metavar="SECONDS", help="Seconds between looks at a batch.")] = 60.0,
    project: ProjectOption = None,
) -> None:
    """Draft pages for the medicines that need one, check each, store each as it arrives."""
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from medpages.stages import choose_backend, generate_pages

    proj = _project(project)
    try:
        name, _why = choose_backend(proj, backend)
    except InputError as error:
        if backend is None:
            raise  # medpages.toml or the environment named it: a failure, not wrong usage
        raise typer.BadParameter(str(error), param_hint="--backend") from None
    bar = Progress(TextColumn("drafting"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                   TextColumn("{task.fields[status]}"), TimeRemainingColumn(), console=err(), transient=True)
    task = bar.add_task("drafting", total=None, status="")

    def show(state) -> None:
        cost = f"${state.cost:.4f}" + ("" if state.cost_known else "+")
        bar.update(task, completed=state.done, total=state.total,
                   status=f"{state.pages_per_minute:.0f}/min, {state.failed} failed, {cost}")

    def show_batch(state) -> None:
        states = ", ".join(f"{batch_id} {status}" for batch_id, status in state.states.items())
        err().print(f"[dim]{states}: {state.answered:,} of {state.total:,} answered ({state.provider_failed:,} failed) "
                  f"· stored {state.drafted:,} · {state.elapsed / 60:.0f} min[/dim]"
                  + (f" [yellow](last look failed: {state.poll_error})[/yellow]" if state.poll_error else ""))

    interactive = name != "reference" and not dry_run and not batch
    with bar if interactive else nullcontext():
        report = generate_pages(proj, backend=backend, model=model, only=only or (), limit=limit, force=force,
                                dry_run=dry_run, concurrency=concurrency, rpm=rpm, tpm=tpm, batch=batch,
                                poll_interval=poll_interval, progress=lambda message: err().print(f"[dim]{message}[/dim]"),
                                on_run_progress=show_batch if batch else show)
    out().print(f"Backend: {report.backend} ({report.why})" + (f": {report.target}" if report.target else ""))
    verb = "Would draft" if report.dry_run else "Drafted"
    out().print(f"{verb} {counted(len(report.drafted), 'page')}; {len(report.unchanged):,} unchanged, "
              f"{len(report.skipped):,} skipped, {len(report.failed):,} failed.")
    if report.estimate is not None:
        estimate = report.estimate
        cost = f"${estimate.cost:.4f}" if estimate.cost is not None else "unknown (no price for this model)"
        minutes = f", about {estimate.minutes:.0f} min at these limits" if estimate.minutes else ""
        out().print(f"Estimate: {estimate.input_tokens:,} input + {estimate.output_tokens:,} output tokens, "
                  f"cost {cost}{minutes}.")
    if report.summary is not None:
        summary = report.summary
        cost = f"${summary.cost:.4f}" + ("" if summary.cost_known else " (some models have no price)")
        out().print(f"Tokens: {summary.input_tokens:,} in, {summary.output_tokens:,} out; cost {cost}; "
                  f"{counted(summary.requests, 'request')}, {summary.cached:,} from the cache, {summary.rate_limited:,} "
                  f"rate-limited, {summary.retries:,} retried, {summary.elapsed:.1f} s.")
        if summary.cancelled and batch:
            err().print(f"Stopped waiting; the batches go on at the provider. {summary.stopped_reason or ''}")
        elif summary.cancelled:
            err().print("Stopped: every page finished before the stop is stored; run again to go on.")
        if summary.stopped_reason and not summary.cancelled:
            err().print(f"[red]Stopped:[/red] {escape(summary.stopped_reason)}")
            if report.not_attempted:
                err().print(f"{counted(len(report.not_attempted), 'medicine')} not attempted; "
                            "run the same command again once that is fixed.")
        for anomaly in getattr(summary, "anomalies", [])[:20]:
            err().print(f"batch output: {anomaly}", markup=False)
    if report.without_label:
        what = "their pages stay skeletons" if report.backend == "reference" else "drafted without label facts"
        has = "has" if len(report.without_label) == 1 else "have"
        out().print(f"{counted(len(report.without_label), 'medicine')} {has} no reference label yet ({what}; "
                  "`medpages sources add` brings labels).")
    _list_problems("No label for the route and form (none borrowed)", report.label_mismatch)
    _list_problems("Composed from the nearest label, another product (the page says so; worth a look)",
                   report.label_differs)
    _list_problems("Skipped", report.skipped)
    _list_problems("Held back by the checks (errors)", report.with_errors)
    _list_problems("Failed", report.failed)
    if report.failed or report.not_attempted:
        raise typer.Exit(EXIT_FAILED)
    if report.with_errors:
        raise typer.Exit(EXIT_WARNINGS)


@app.command()
def check(
    format: Annotated[str, typer.Option("--format", metavar="FORMAT", help="text, json or html.")] = "text",  # noqa: A002
    out_file: Annotated[Optional[Path], typer.Option("--out", metavar="FILE", help="Write the report to this file.")] = None,
    only: Annotated[Optional[list[str]], typer.Option(metavar="SLUG", help="Only this medicine (its slug); "
                                                      "repeat for more.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Text: every finding of every page, "
                                          "instead of the findings grouped by kind.")] = False,
    project: ProjectOption = None,
) -> None:
    """Check every page (structure, AI artefacts, claims and doses against the label, readability).

    The text report counts the findings by kind (code and severity) and names a few pages for each;
    --verbose lists every finding of every page. Findings are stored with the page. Exit status 3
    when a page has an error: it cannot be published.
    """
    from medpages.check.report import report_by_code, report_html, report_json, report_text
    from medpages.stages import check_pages

    renderers = {"text": report_text if verbose else report_by_code, "json": report_json, "html": report_html}
    if format not in renderers:
        raise InputError(f"--format {format!r}: use text, json or html")
    run = check_pages(_project(project), only=only or (), progress=lambda message: err().print(f"[dim]{message}[/dim]"))
    if run.missing:
        raise InputError(f"no page for {', '.join(run.missing)}: not in the catalogue or not drafted yet")
    report = renderers[format](run.results)
    if out_file is not None:
        write_atomic(out_file, report.encode("utf-8"))
        out().print(f"Report: {out_file}")
    else:
        sys.stdout.write(report if report.endswith("\n") else report + "\n")
    if format == "text" and not verbose and any(findings for _, findings in run.results):
        err().print("[dim]Every finding of every page: `medpages check --verbose`.[/dim]")
    if run.blocked:
        which = "page has errors and cannot" if len(run.blocked) == 1 else "pages have errors and cannot"
        err().print(f"{len(run.blocked):,} {which} be published: {', '.join(run.blocked[:10])}"
                  + (" …" if len(run.blocked) > 10 else ""))
        raise typer.Exit(EXIT_WARNINGS)


sources_app = typer.Typer(help="Reference label data: DailyMed SPL XML and openFDA drug-label JSON.",
                          no_args_is_help=True, rich_markup_mode=None)
app.add_typer(sources_app, name="sources")


@sources_app.command("add")
def sources_add(
    paths: Annotated[list[Path], typer.Argument(help="SPL .xml, openFDA .json, .zip archives, or folders of them.")],
    project: ProjectOption = None,
) -> None:
    """Read label files into the project: facts per ingredient, with their source and date."""
    if _add_sources(_project(project), paths):
        raise typer.Exit(EXIT_WARNINGS)


def _add_sources(proj: Project, paths: list[Path]) -> int:
    """Add label files and print the report; returns the number of warnings."""
    from medpages.stages import add_label_sources

    report = add_label_sources(proj, paths, progress=lambda message: err().print(f"[dim]{message}[/dim]"))
    for file_report in report.files:
        out().print(file_report.summary(), markup=False)
    older = counted(report.total('older'), 'older version')
    out().print(f"Stored {counted(report.stored, 'label')} ({report.total('new'):,} new, "
                f"{report.total('replaced'):,} replaced, {report.total('unchanged'):,} unchanged, {older} kept out).")
    _list_problems("Problems", report.problems)
    if report.warnings:
        err().print(f"Done with {counted(report.warnings, 'warning')}.")
    return report.warnings


@sources_app.command("download")
def sources_download(
    source: Annotated[str, typer.Argument(help="What to download: openfda (the drug-label bulk files).")],
    dest: Annotated[Optional[Path], typer.Option(help="Where to keep the files "
                                                 "(default: the project's sources/openfda folder).")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="The openFDA API address (for a mirror).")] = None,
    add: Annotated[bool, typer.Option("--add/--no-add", help="Add the downloaded labels to the project.")] = True,
    project: ProjectOption = None,
) -> None:
    """Download openFDA's drug-label files (resumable, sizes and checksums verified), then add them."""
    from medpages.sources.download import DEFAULT_BASE_URL, download_openfda

    if source.lower() != "openfda":
        raise InputError(f"unknown source {source!r}: the one that can be downloaded is 'openfda'")
    proj = _project(project)
    folder = dest or proj.root / "sources" / "openfda"
    report = download_openfda(folder, base_url=base_url or DEFAULT_BASE_URL,
                              progress=lambda message: err().print(f"[dim]{message}[/dim]"))
    out().print(f"Downloaded into {folder}: " + ", ".join(
        f"{report.count(status):,} {status}" for status in sorted({f.status for f in report.files})))
    _list_problems("Index entries skipped", report.problems)
    _list_problems("Files that failed (run again to resume)", [f"{f.name}: {f.message}" for f in report.failed])
    warnings = _add_sources(proj, report.paths) if add and report.paths else 0
    if report.failed:
        raise typer.Exit(EXIT_FAILED)
    if warnings:
        raise typer.Exit(EXIT_WARNINGS)


users_app = typer.Typer(help="Accounts for the review web app: contributors, reviewers, admins.",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(users_app, name="users")

class RoleName(str, Enum):
    """The roles of medpages.store.community.ROLES, spelled out so `--help` loads no store
    (tests/stages/test_users.py checks the two agree)."""

    contributor = "contributor"
    reviewer = "reviewer"
    admin = "admin"


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The login name, shown on reviews.")],
    role: Annotated[RoleName, typer.Option(case_sensitive=False, help="contributor (suggests, API "
                                      "tokens), reviewer (the queue, accept, reject, mark reviewed) or admin "
                                      "(everything).")],
    password: Annotated[Optional[str], typer.Option(help="The password, 10 characters or more (default: asked "
                                                    "for, hidden). For scripts: it shows in the shell's history.")] = None,
    project: ProjectOption = None,
) -> None:
    """Create an account (the first admin too): the password from a hidden prompt, or --password."""
    from medpages.stages.users import add_user

    proj = _project(project)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    user = add_user(proj, name, role.value, password)
    out().print(f"Added {user.role} {user.name}.", markup=False)


@users_app.command("list")
def users_list(project: ProjectOption = None) -> None:
    """Every account: name, role, when it was made."""
    from medpages.stages.users import list_users

    users = list_users(_project(project))
    for user in users:
        state = "  (disabled)" if user.disabled else ""
        out().print(f"{user.name:<24} {user.role:<12} {user.created_at:%Y-%m-%d %H:%M}{state}", markup=False)
    if not users:
        err().print("No accounts yet: `medpages users add NAME --role admin` makes the first.")


@users_app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(help="The user the token acts for.")],
    label: Annotated[str, typer.Option(help="What the token is for (shown to admins).")] = "",
    project: ProjectOption = None,
) -> None:
    """Create an API token for a user and print it, once: only its digest is kept."""
    from medpages.stages.users import add_api_token

    token = add_api_token(_project(project), name, label)
    sys.stdout.write(token + "\n")
    err().print("Keep it now: it is not shown again. Send it as `Authorization: Bearer <token>`.")


review_app = typer.Typer(help="The review queue in the terminal: list, show, accept, reject, mark reviewed.",
                         rich_markup_mode=None)
app.add_typer(review_app, name="review")

AsOption = Annotated[str, typer.Option("--as", help="Your account (a reviewer or an admin).")]
PasswordOption = Annotated[Optional[str], typer.Option(envvar="MEDPAGES_PASSWORD", show_envvar=True,
                                                       help="Your password (default: asked for, hidden).")]


@review_app.callback(invoke_without_command=True)
def review(
    context: typer.Context,
    as_: Annotated[Optional[str], typer.Option("--as", help="Your account (a reviewer or an admin).")] = None,
    medicine: Annotated[Optional[str], typer.Option(help="Only this medicine's suggestions (its slug).")] = None,
    section: Annotated[Optional[str], typer.Option(help="Only suggestions for this section (its key).")] = None,
    password: PasswordOption = None,
    project: ProjectOption = None,
) -> None:
    """List the pending suggestions, oldest first (`medpages review --as NAME`); or run one of the commands."""
    if context.invoked_subcommand is not None:
        return
    if as_ is None:
        err().print(context.get_help(), markup=False)
        raise typer.Exit(2)
    proj = _project(project)
    _reviewer(proj, as_, password)
    store = proj.store()
    pending = store.suggestions(status="pending", slug=medicine, section=section, limit=1000)
    for suggestion in pending:
        author = suggestion.author_name or "anonymous"
        out().print(f"{suggestion.id:>6}  {suggestion.created_at:%Y-%m-%d %H:%M}  {suggestion.slug}  "
                    f"{suggestion.section}  by {author}: {_one_line(suggestion.reason)}", markup=False)
    total = store.count_suggestions(status="pending", slug=medicine, section=section)
    more = f" (the oldest {len(pending):,} shown)" if total > len(pending) else ""
    wait = "suggestion waits" if total == 1 else "suggestions wait"
    out().print(f"{total:,} {wait} for review{more}."
                + (" See one with `medpages review show ID`." if total else ""), markup=False)


@review_app.command("show")
def review_show(
    suggestion_id: Annotated[int, typer.Argument(metavar="ID", help="The suggestion's number.")],
    project: ProjectOption = None,
) -> None:
    """One suggestion: the change as a unified diff, whether it merges, the checks' findings, the label."""
    from medpages.stages.reviewing import review_desk

    proj = _project(project)
    _suggestion(proj, suggestion_id)
    proposal = review_desk(proj).proposal(suggestion_id)
    for line in _proposal_lines(proposal):
        out().print(line, markup=False)


@review_app.command("accept")
def review_accept(
    suggestion_id: Annotated[int, typer.Argument(metavar="ID", help="The suggestion's number.")],
    as_: AsOption,
    edited_file: Annotated[Optional[Path], typer.Option(help="Accept this text instead (edit and accept): "
                                                        "the section's body, as `review show` prints it.")] = None,
    password: PasswordOption = None,
    project: ProjectOption = None,
) -> None:
    """Accept a suggestion (not your own, unless you are an admin): a new revision of the page."""
    from medpages.review import MergeConflict
    from medpages.stages.reviewing import review_desk

    proj = _project(project)
    reviewer = _reviewer(proj, as_, password)
    suggestion = _suggestion(proj, suggestion_id)
    edited = _read_text(edited_file) if edited_file is not None else None
    try:
        number = review_desk(proj).accept(suggestion_id, reviewer, edited_text=edited)
    except MergeConflict as conflict:
        _print_conflicts(conflict.conflicts)
        raise
    out().print(f"Accepted suggestion {suggestion_id}: {suggestion.slug} is at revision {number}.", markup=False)


@review_app.command("reject")
def review_reject(
    suggestion_id: Annotated[int, typer.Argument(metavar="ID", help="The suggestion's number.")],
    as_: AsOption,
    reason: Annotated[str, typer.Option(help="Why, for the person who suggested it.")],
    password: PasswordOption = None,
    project: ProjectOption = None,
) -> None:
    """Reject a suggestion with a reason; the page does not change."""
    from medpages.stages.reviewing import review_desk

    proj = _project(project)
    reviewer = _reviewer(proj, as_, password)
    _suggestion(proj, suggestion_id)
    review_desk(proj).reject(suggestion_id, reviewer, reason)
    out().print(f"Rejected suggestion {suggestion_id}.")


@review_app.command("mark")
def review_mark(
    slug: Annotated[str, typer.Argument(help="The medicine's slug.")],
    as_: AsOption,
    note: Annotated[str, typer.Option(help="A note kept with the review.")] = "",
    password: PasswordOption = None,
    project: ProjectOption = None,
) -> None:
    """Mark a page reviewed by you today: a new revision, published as the page's stable version."""
    from medpages.stages.reviewing import review_desk

    proj = _project(project)
    reviewer = _reviewer(proj, as_, password)
    store = proj.store()
    if store.get_medicine(slug) is None:
        raise InputError(f"no medicine {slug!r} in this project")
    number = review_desk(proj).mark_reviewed(slug, reviewer, expected_revision=store.current_revision(slug), note=note)
    out().print(f"Marked {slug} reviewed by {reviewer.name}: revision {number}.", markup=False)


def _reviewer(proj: Project, name: str, password: str | None):
    """The signed-in reviewer; the password from --password, MEDPAGES_PASSWORD or a hidden prompt."""
    from medpages.stages.users import sign_in_reviewer

    if password is None:
        password = typer.prompt(f"Password for {name}", hide_input=True, err=True)
    return sign_in_reviewer(proj, name, password)


def _suggestion(proj: Project, suggestion_id: int):
    suggestion = proj.store().get_suggestion(suggestion_id)
    if suggestion is None:
        raise InputError(f"no suggestion {suggestion_id} (see `medpages review --as NAME`)")
    return suggestion


def _one_line(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _proposal_lines(proposal) -> list[str]:
    """What a reviewer reads before deciding, as plain lines."""
    import difflib

    suggestion = proposal.suggestion
    author = suggestion.author_name or "anonymous"
    lines = [
        f"Suggestion {suggestion.id} ({suggestion.status}) for {proposal.medicine.title} ({suggestion.slug}), "
        f"section {suggestion.section}",
        f"by {author} on "  # not the e-mail: `show` asks for no sign-in, and e-mails are for reviewers
        f"{suggestion.created_at:%Y-%m-%d %H:%M}; edited from revision {suggestion.base_revision}, "
        f"the page is at revision {proposal.current_revision}",
        f"reason: {suggestion.reason}",
        "",
    ]
    diff = list(difflib.unified_diff(proposal.current_text.splitlines(), proposal.suggested_text.splitlines(),
                                     fromfile=f"current (revision {proposal.current_revision})",
                                     tofile="suggested", lineterm=""))
    lines += diff or ["(the suggested text is the same as the current text)"]
    lines.append("")
    if proposal.merged_text is None:
        lines.append(f"Merge: {counted(len(proposal.conflicts), 'conflict')} with a change made since revision "
                     f"{suggestion.base_revision}; resolve with `medpages review accept ID --edited-file FILE`.")
        lines += _conflict_lines(proposal.conflicts)
    elif proposal.merged_text == proposal.suggested_text:
        lines.append("Merge: clean; accepting stores the suggested text.")
    else:
        lines.append(f"Merge: clean, with the changes made since revision {suggestion.base_revision}; "
                     "accepting stores:")
        lines += ["  " + line for line in proposal.merged_text.splitlines()]
    lines.append("")
    if proposal.findings:
        lines.append(f"Findings on the page with the change ({len(proposal.findings)}):")
        lines += [f"  {f.severity}: {f.code}: {f.message}" for f in proposal.findings]
    else:
        lines.append("Findings: none.")
    if proposal.facts is not None:
        source = proposal.facts.source
        dated = f", {source.effective_date}" if source.effective_date else ""
        lines.append(f"Label: {source.title} ({source.publisher}{dated}) {source.url}")
        lines += [f"  > {_one_line(quote, 160)}" for quote in proposal.label_quotes[:10]]
    else:
        lines.append("Label: none stored for this medicine.")
    return lines


def _conflict_lines(conflicts) -> list[str]:
    lines: list[str] = []
    for number, conflict in enumerate(conflicts, 1):
        lines.append(f"  conflict {number}:")
        lines += ["    current:   " + line for line in (conflict.current.splitlines() or [""])]
        lines += ["    suggested: " + line for line in (conflict.suggested.splitlines() or [""])]
    return lines


def _print_conflicts(conflicts) -> None:
    for line in _conflict_lines(conflicts):
        err().print(line, markup=False)


@app.command()
def export(
    file: Annotated[Path, typer.Argument(help="The backup file to write (JSON lines), replaced whole.")],
    all_: Annotated[bool, typer.Option("--all", help="Everything: medicines, pages, revisions, suggestions, "
                                       "reviews, accounts (password hashes only). Required for now.")] = False,
    project: ProjectOption = None,
) -> None:
    """Back up the whole project to one file; `medpages import FILE` restores it into an empty project.

    (The Jekyll Markdown tree is written by `medpages build`.)
    """
    from medpages.stages.backup import export_all

    if not all_:
        raise typer.BadParameter("say --all: the backup holds the whole project (the Jekyll tree is "
                                 "`medpages build --jekyll DIR`)", param_hint="--all")
    report = export_all(_project(project), file)
    out().print(f"Backed up {counted(report.total, 'row')} to {report.path}: "
                + ", ".join(f"{count:,} {table}" for table, count in report.rows.items()), markup=False)


@page_app.command("parse")
def page_parse(file: Annotated[Path, typer.Argument(help="A page in the seed Markdown format.")]) -> None:
    """Print the page as JSON (the content model); what the reader noticed goes to stderr."""
    from medpages.catalog.seed_reader import parse_seed_markdown_with_findings

    text = _read_text(file)
    page, findings = parse_seed_markdown_with_findings(text)
    sys.stdout.write(page.model_dump_json(indent=2, exclude_none=True) + "\n")
    _list_problems("What the reader noticed", [
        f"{finding.code} ({finding.severity}): {finding.message}" for finding in findings])


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
        _print_error(error)
        sys.exit(EXIT_FAILED)
    except KeyboardInterrupt:
        err().print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
