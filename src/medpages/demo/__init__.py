"""`medpages demo`: a sample project built offline, with no API key, in one command.

A bundled catalogue of about 60 common generics, the seed page imported as an existing page,
14 real FDA labels (DailyMed SPL, public domain; one zip, `labels/fda-labels.zip`) added as
references, a page composed from each by the reference composer (atorvastatin, carvedilol,
ciprofloxacin, ibuprofen, metformin, sildenafil …) and skeletons for the rest, checked, the
Jekyll tree and the static HTML site written, and the site served on 127.0.0.1 (`serve_demo`).

The catalogue lines and the labels are chosen together: each label's medicine is listed in the
form the label is for (naproxen oral suspension, metformin modified-release, ibuprofen 200mg
tablets: Advil's tablets, whose directions count 200 mg tablets), so no page is composed from
another form's label. The zip is the corpus files as they are (tests/fixtures/labels), sorted,
dated 2026-01-01, deflated at level 9, so that adding one changes only that one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from medpages.project import Project
from medpages.stages import add_label_sources, build_html_site, build_jekyll, generate_pages, import_paths


def run_demo(folder: Path | None = None, say: Callable[[str], None] = print) -> Project:
    root = folder or Path(tempfile.mkdtemp(prefix="medpages-demo-"))
    project = Project.init(root)
    say(f"1. Created a project in {project.root}")

    data = resources.files("medpages.demo")
    inputs = project.root / "inputs"
    (inputs / "labels").mkdir(parents=True, exist_ok=True)
    catalogue = inputs / "generics.txt"
    catalogue.write_bytes(data.joinpath("generics.txt").read_bytes())
    seed = inputs / "ado-trastuzumab-emtansine-160mg.md"
    seed.write_bytes(data.joinpath("seed-page.md").read_bytes())
    labels = inputs / "labels" / "fda-labels.zip"
    labels.write_bytes(data.joinpath("labels", "fda-labels.zip").read_bytes())

    report = import_paths(project, [catalogue])
    say(f"2. Imported the sample catalogue: {report.medicines} medicines ({catalogue})")
    for line in report.rejected + report.notices:
        say(f"     {line}")
    report = import_paths(project, [seed])
    say(f"3. Imported the seed page as an existing page: {report.pages_saved} page (provenance 'imported')")
    sources = add_label_sources(project, [labels])
    say(f"4. Added real FDA labels as references: {sources.stored} labels ({labels.name}, DailyMed SPL)")
    drafted = generate_pages(project, backend="reference")  # offline, whatever keys are set
    composed = len(drafted.drafted) - len(drafted.without_label)
    say(f"5. Drafted {len(drafted.drafted)} pages with the reference composer (no AI, no network): "
        f"{composed} written from their labels, every sentence traced to one; {len(drafted.without_label)} "
        "skeletons (identity, synonyms, links; every other section marked 'not yet written'); "
        f"{len(drafted.skipped)} skipped (the imported seed page is kept as it is)")
    for line in drafted.with_errors:
        say(f"     held back by the checks: {line}")
    export = build_jekyll(project)
    say(f"6. Wrote the Jekyll tree: {len(export.written)} pages in {export.out_dir}")
    site = build_html_site(project)
    say(f"7. Built the HTML site: {site.medicines} medicine pages, A-Z, search, in {site.seconds:.1f} s "
        f"({site.out_dir})")
    example = export.out_dir / "a" / "ado-trastuzumab-emtansine-160mg.md"
    say("")
    say(f"Project:   {project.root}")
    say(f"Database:  {project.database_url}")
    say(f"Pages:     {export.out_dir}   (e.g. {example})")
    say(f"Site:      {site.out_dir / 'index.html'}   (from a label: {site.out_dir / 'a' / 'atorvastatin-20mg'})")
    say("Next:      cd into the project and run `medpages import your-generics.txt`, then `medpages build`.")
    return project


def serve_demo(project: Project, port: int = 8000, say: Callable[[str], None] = print) -> None:
    """Serve the demo's site until Ctrl-C."""
    from medpages.publish.site import serve_site

    say("")
    say("Try the search box with a typo ('paracetmol') or a brand ('Calpol').")
    serve_site(project.site_dir, port=port, say=say)
