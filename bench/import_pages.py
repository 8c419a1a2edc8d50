"""Page import speed: `medpages import` of a Jekyll tree of 10,000 pages made from the seed page.

    python bench/import_pages.py [--pages 10000] [--repeat 5] [--keep DIR] [--tree DIR] [--against SRC]

The tree is made once, as bench/build.py makes its pages (`synthetic_entries`, written out by
`export_jekyll`). Each run is the real command in its own process, into a fresh project: a
first import (every page a new revision), then a second import of the same unchanged tree
(every file read and found unchanged, none saved). `--against SRC` runs another checkout's
medpages too, alternating with this one, for a before/after on one busy machine. Prints the
medians and spread of the runs side by side with the aims of issue 12, and each import's peak
memory (the child's maximum resident size).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from build import (  # bench/build.py: the same pages the site benchmark builds
    SEED,
    synthetic_entries,
)

from medpages.publish.jekyll import export_jekyll

AIM_PAGES_PER_SECOND = 2_000
# "Much faster" than the first import, which writes every page: at most this share of its time.
AIM_SECOND_IMPORT_SHARE = 0.5


def make_tree(pages: int, folder: Path) -> Path:
    entries = synthetic_entries(pages, SEED.read_text("utf-8"))
    tree = folder / "tree"
    export_jekyll(entries, tree, folder / "tree-manifest.json")
    return tree


def run_import(project: Path, tree: Path, src: Path | None = None) -> tuple[float, float, float, str]:
    """Seconds, CPU seconds, peak resident MB and the summary line of one `medpages import` in its own
    process (with `src`, the medpages found there: another checkout's `src` folder)."""
    env = dict(os.environ, PYTHONPATH=str(src)) if src else None
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "medpages", "import", str(tree), "--project", str(project)],
                                 stdout=out, stderr=err, env=env)
        # Reaped here, for the child's own rusage: its CPU and peak include the worker processes it waited for.
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"medpages import failed ({child.returncode}): {err.read().strip()[-800:]}")
        cpu = usage.ru_utime + usage.ru_stime
        return seconds, cpu, usage.ru_maxrss / 1024, out.read().strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="fresh projects imported into; medians are printed")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--tree", type=Path, help="import this tree, made by an earlier --keep run (default: make one)")
    parser.add_argument("--against", type=Path, metavar="SRC",
                        help="also run the medpages in SRC (another checkout's src folder, e.g. a worktree of an "
                             "earlier commit), alternating with this one in each repeat; medians side by side")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="medpages-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if args.tree:
        tree = args.tree
        args.pages = sum(1 for _ in tree.rglob("*.md"))
    else:
        shutil.rmtree(work / "tree", ignore_errors=True)
        tree = make_tree(args.pages, work)
    size = sum(path.stat().st_size for path in tree.rglob("*.md"))
    print(f"{args.pages:,} pages ({size / 1e6:.1f} MB of Markdown) in {tree}, made or counted in "
          f"{time.perf_counter() - started:.1f} s")

    variants: dict[str, Path | None] = {"this": None}
    if args.against:
        variants["against"] = args.against.resolve()
    keys = [(variant, which) for variant in variants for which in ("first", "second")]
    runs: dict[tuple[str, str], list[float]] = {key: [] for key in keys}
    cpus: dict[tuple[str, str], list[float]] = {key: [] for key in keys}
    peaks: dict[tuple[str, str], list[float]] = {key: [] for key in keys}
    for number in range(1, args.repeat + 1):
        order = list(variants) if number % 2 else list(reversed(variants))  # alternated: neither always goes first
        for variant in order:
            project = work / f"project-{variant}-{number}"
            shutil.rmtree(project, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "medpages", "init", str(project)], check=True, capture_output=True,
                           env=dict(os.environ, PYTHONPATH=str(variants[variant])) if variants[variant] else None)
            for which in ("first", "second"):
                seconds, cpu, peak, summary = run_import(project, tree, variants[variant])
                runs[variant, which].append(seconds)
                cpus[variant, which].append(cpu)
                peaks[variant, which].append(peak)
                print(f"  run {number}, {variant:7} {which} import: {seconds:6.2f} s ({cpu:6.2f} s of CPU), "
                      f"{args.pages / seconds:7,.0f} pages/s, peak {peak:5.0f} MB  ({summary})")
            if not args.keep:
                shutil.rmtree(project, ignore_errors=True)

    print()
    print(f"{'median of ' + str(args.repeat) + ' runs':36} {'seconds':>8} {'spread':>13} {'pages/s':>9} "
          f"{'CPU s':>7} {'pages/CPU s':>11} {'peak MB':>8}   aim")
    for variant, src in variants.items():
        for which, aim in (("first", f">= {AIM_PAGES_PER_SECOND:,} pages/s"),
                           ("second", f"<= {AIM_SECOND_IMPORT_SHARE:.0%} of the first import's time")):
            key = (variant, which)
            seconds = statistics.median(runs[key])
            spread = f"{min(runs[key]):.2f}-{max(runs[key]):.2f}"
            cpu = statistics.median(cpus[key])
            label = ((f"{variant} " if len(variants) > 1 else "") + which + " import"
                     + " (unchanged)" * (which == "second"))
            print(f"{label:36} {seconds:8.2f} {spread:>13} {args.pages / seconds:9,.0f} {cpu:7.2f} "
                  f"{args.pages / cpu:11,.0f} {max(peaks[key]):8.0f}   {aim}")
    if args.against:
        print(f"against: {args.against}")
    print()
    for variant in variants:
        first, second = statistics.median(runs[variant, "first"]), statistics.median(runs[variant, "second"])
        prefix = f"{variant}: " if len(variants) > 1 else ""
        print(f"{prefix}first import:  {args.pages / first:,.0f} pages/s (aim >= {AIM_PAGES_PER_SECOND:,}): "
              + ("met" if args.pages / first >= AIM_PAGES_PER_SECOND else "MISSED"))
        print(f"{prefix}second import: {second / first:.2f} of the first's time (aim <= {AIM_SECOND_IMPORT_SHARE}): "
              + ("met" if second / first <= AIM_SECOND_IMPORT_SHARE else "MISSED"))
    print("CPU s: the import's user and system time, its worker processes' included, which a busy machine "
          "disturbs less than the clock.")
    print("Times include starting the command (Python, the drug dictionary, opening the store); "
          f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.")
    print(f"peak MB: the largest resident size of the import or one of its workers (RUSAGE of the child); "
          f"this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB.")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
