"""A killed build leaves every page whole: a build (and the Jekyll export after it) runs in a
subprocess and is SIGKILLed at random moments, then at the worst one (a temporary written, not
yet renamed); after each kill no HTML or Markdown file is empty or cut off, and the next build
completes, leaves no temporary file behind, and writes what a build from scratch writes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixture_files import SEED_PAGE

html5lib = pytest.importorskip("html5lib", reason="html5lib is not installed (pip install -e '.[test]')")

PAGES = 400  # above the builder's PARALLEL_FROM (300): the kills also hit forked workers
KILLS = 10

# The build a kill interrupts: `variant` changes every page's text, so each run replaces the
# pages the one before wrote (an existing file is the case a reader must never see half of).
BUILD = r"""
import sys
from pathlib import Path
from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.catalog.slug import folder_for, slugify
from medpages.model import Medicine, TextSection
from medpages.publish.jekyll import export_jekyll
from medpages.publish.site import build_site

seed, work, variant, count = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
if len(sys.argv) > 5:  # the worst moment: the Nth temporary is written, not yet renamed
    import os, signal
    left = [int(sys.argv[5])]
    rename = os.replace
    def rename_or_die(source, target):
        left[0] -= 1
        if left[0] <= 0:
            os.killpg(0, signal.SIGKILL)  # this process and its workers
        return rename(source, target)
    os.replace = rename_or_die
base = parse_seed_markdown(seed.read_text("utf-8"))
base.original = None
entries = []
for number in range(count):
    title = f"Medicine {number:05d} {10 + number % 7}mg"
    page = base.model_copy(deep=True)
    page.title = page.front_matter.title = title
    page.usage = TextSection(lead=f"Used for test {variant} of {title}.")
    entries.append((Medicine(title=title, slug=slugify(title), letter=folder_for(title)), page))
build_site(entries, work / "site", state_dir=work / "state", base_url="https://medicines.example.org", workers=2)
export_jekyll(entries, work / "markdown", work / "state" / "markdown.json")
"""


def run_build(work: Path, variant: str, kill_after: float | None = None, die_at_rename: int | None = None) -> float:
    """Run the build; with `kill_after`, SIGKILL it (and its workers) after that many seconds;
    with `die_at_rename`, it SIGKILLs itself just before its Nth rename."""
    started = time.perf_counter()
    arguments = [str(SEED_PAGE), str(work), variant, str(PAGES)] + ([str(die_at_rename)] if die_at_rename else [])
    process = subprocess.Popen([sys.executable, "-c", BUILD, *arguments],
                               start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if die_at_rename:
        process.communicate(timeout=300)
        assert process.returncode == -signal.SIGKILL
    elif kill_after is None:
        _, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors.decode()
    else:
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
    return time.perf_counter() - started


def assert_every_file_whole(work: Path, since: float) -> None:
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    fresh = []
    for path in (work / "site").rglob("*.html"):
        data = path.read_bytes()
        assert data.rstrip().endswith(b"</html>"), f"{path} is empty or cut off ({len(data)} bytes)"
        if path.stat().st_mtime >= since:
            fresh.append((path, data))
    for path, data in fresh[:40]:  # html5lib is slow: the pages this run wrote, a few of them
        parser.parse(data)
        assert parser.errors == [], (path, parser.errors[:3])
    for path in (work / "markdown").rglob("*.md"):
        text = path.read_text("utf-8")
        assert text.startswith("---\n") and text.rsplit("\n", 1)[-1].startswith("**Note:**"), \
            f"{path} is empty or cut off ({len(text)} characters)"


def site_files(folder: Path) -> dict[str, bytes]:
    # The full-text index is laid out differently after incremental builds (a delta beside the
    # main index); the pages, the name index and every other file must be identical.
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and not p.relative_to(folder).as_posix().startswith("search/ft/")}


def test_killed_builds_leave_whole_pages_and_the_next_build_repairs_everything(tmp_path):
    work, fresh = tmp_path / "killed", tmp_path / "fresh"
    duration = run_build(work, "first")  # a finished build: the kills below replace its pages
    rng = random.Random(11)
    for kill in range(KILLS):
        since = time.time()
        run_build(work, f"kill-{kill}", kill_after=rng.uniform(0.3, max(0.5, duration * 0.95)))
        assert_every_file_whole(work, since)
    # Renames counted in each process: 40 and 150 fall in the page workers, 260 in the main
    # process after them (the other files, the Jekyll export).
    for rename in (40, 150, 260):
        since = time.time()
        run_build(work, f"rename-{rename}", die_at_rename=rename)
        assert_every_file_whole(work, since)
        assert [p for p in work.rglob("*") if p.name.endswith(".tmp")], "the kill left no temporary"

    run_build(work, "last")
    run_build(fresh, "last")
    leftovers = [p for p in work.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == [], f"temporary files of killed builds are left: {leftovers[:5]}"
    assert site_files(work / "site") == site_files(fresh / "site")
    assert site_files(work / "markdown") == site_files(fresh / "markdown")
