"""Site build speed through the CLI on a real project: medpages against Hugo on the same pages (issue 12).

    python bench/build.py [--medicines 10000] [--repeat 5] [--workers 2] [--no-hugo] [--keep DIR]

Makes a project whose SQLite store holds `--medicines` medicines with seed-like pages (filled
through the store's batch methods, as an import leaves it), then measures `medpages build` as a
user runs it, each run a subprocess (Python's start-up, the store read included):

- a cold `medpages build --out` (a folder never built, so no manifest), alternating with Hugo
  building the same pages (the Jekyll tree `medpages build` writes, as Hugo content: a page per
  medicine, a list page per letter, the home page and a sitemap), each from nothing;
- `medpages build` (the HTML site and the Jekyll tree) and `medpages build --out` with nothing
  changed, and after one page changed (saved through the store, as the web app saves an edit);
- the start-up floor: a process that imports medpages and opens the project's store, nothing else.

Runs alternate between the tools; each row is the median of `--repeat` runs with their spread
(min-max), beside its aim. Peak memory is each run's own (the process and its workers). Hugo is
the Debian package (`apt-get install hugo`); without it the Hugo rows say "not installed".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.catalog.slug import folder_for, slugify
from medpages.model import Medicine, Page, Provenance
from medpages.publish.site.search_index import FULLTEXT_DIR, NAMES_DIR, words
from medpages.publish.site.search_query import NameSearch

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "seed" / "000_5abc8e4ecc893f8a.txt"
MEDPAGES = [sys.executable, "-m", "medpages"]
_ONSETS = ["b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "v", "z", "pr", "tr", "cl", "fl", "st"]
_VOWELS = ["a", "e", "i", "o", "u", "y", "ia", "eo"]
_SUFFIXES = ["mab", "pril", "olol", "statin", "cillin", "azole", "oxacin", "sartan", "tidine", "mycin",
             "vir", "dipine", "prazole", "lukast", "gliptin", "parin", "triptan", "setron", "afil", "zepam"]
_FORMS = ["tablet", "capsule", "oral solution", "injection", "cream", "eye drops"]
# Hugo's templates: the page, the letter (section) lists and the home page, with links as the site has.
HUGO_SINGLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><nav><a href="{{ .Parent.RelPermalink }}">{{ .Parent.Title }}</a></nav><main>{{ .Content }}</main></body></html>
"""
HUGO_LIST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main><h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></main></body></html>
"""
GB = 1024 ** 3


def synthetic_entries(count: int, seed_text: str) -> list[tuple[Medicine, Page]]:
    """`count` medicines with made-up generic names, a strength and a brand each, all with the
    seed page's text under their own title (as if drafted, with provenance)."""
    rng = random.Random(5)
    base = parse_seed_markdown(seed_text)
    base.original = None
    entries = []
    seen: set[str] = set()
    while len(entries) < count:
        stem = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 3)))
        name = (stem + rng.choice(_SUFFIXES)).capitalize()
        title = f"{name} {rng.choice([5, 10, 20, 25, 50, 100, 250, 500])}mg"
        slug = slugify(title)
        if slug in seen:
            continue
        seen.add(slug)
        brand = ("".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(2)) + rng.choice(["x", "n", "l", "ra"])).capitalize()
        medicine = Medicine(title=title, slug=slug, letter=folder_for(title), generic_name=name,
                            ingredients=[name.lower()], form=rng.choice(_FORMS), brands=[brand],
                            synonyms=[name.lower() + " " + rng.choice(["hydrochloride", "sodium", "acetate"])])
        page = base.model_copy(deep=True)
        page.title = title
        page.front_matter.title = title
        page.generic_name = name
        page.provenance = {key: Provenance(kind="model", by="bench") for key in page.present_sections()}
        entries.append((medicine, page))
    return entries


def fill_project(folder: Path, count: int) -> None:
    """A project with `count` medicines and their pages in its store (as an import leaves it)."""
    from medpages.project import Project
    from medpages.store import PageToSave

    entries = synthetic_entries(count, SEED.read_text("utf-8"))
    project = Project.init(folder)
    store = project.store()
    store.upsert_medicines(medicine for medicine, _ in entries)
    store.save_pages(PageToSave(medicine.slug, page, "model:bench", "model") for medicine, page in entries)
    store.close()


def edit_one_page(folder: Path, number: int) -> None:
    """Save a new revision of one page, as the web app saves an accepted edit."""
    code = f"""
from medpages.project import Project
from medpages.model import TextSection
from pathlib import Path
store = Project.find(Path({str(folder)!r})).store()
medicines = list(store.iter_medicines())
slug = medicines[(len(medicines) // 3 + {number}) % len(medicines)].slug
page = store.get_page(slug)
store.save_page(slug, page.model_copy(update={{"usage": TextSection(lead="An edited usage paragraph {number}.")}}),
                author="contributor:bench", kind="contributor")
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def run(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run `command`; its seconds and its peak memory in bytes (the process or any of its workers)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    output = process.stdout.read().decode() + process.stderr.read().decode()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{output[-2000:]}")
    return seconds, usage.ru_maxrss * 1024


def write_hugo_site(tree: Path, folder: Path) -> None:
    """Hugo's project: the Jekyll tree as content, a section per letter, the sitemap on."""
    for kind, layout in (("single", HUGO_SINGLE), ("list", HUGO_LIST), ("minimal-medicine", HUGO_SINGLE)):
        (folder / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
        (folder / "layouts" / "_default" / f"{kind}.html").write_text(layout)
    (folder / "config.toml").write_text('baseURL = "https://example.org/"\ntitle = "bench"\n'
                                        'disableKinds = ["taxonomy", "term", "RSS"]\n')
    shutil.copytree(tree, folder / "content", ignore=shutil.ignore_patterns("_*"))


def first_query_bytes(site: Path, query: str) -> dict[str, int]:
    """What search.js downloads for a first query: the page with its CSS and JS, the name shard,
    and on the search page the full-text metadata, the query words' shards and the documents
    of the first 20 results (the files the script asks for, as the builder wrote them)."""
    sizes = {"home page": (site / "index.html").stat().st_size,
             "css+js": (site / "static/site.css").stat().st_size + (site / "static/search.js").stat().st_size}
    typed = words(query)
    names = {f"{NAMES_DIR}/{path.name}": path.read_bytes() for path in (site / NAMES_DIR).glob("*.json")}
    search = NameSearch(names)  # search.js's twin: it records the name files the script fetches
    search.search(query)
    sizes["name shard"] = sum(len(names[path]) for path in search.fetched)
    meta_path = site / FULLTEXT_DIR / "meta.json"
    meta = json.loads(meta_path.read_text())
    sizes["full-text meta"] = meta_path.stat().st_size
    scores: dict[int, int] = {}
    shard_bytes = 0
    for word in typed:
        if len(word) < 3:
            continue
        for name in (f"{word[:2]}.json", f"d-{word[:2]}.json"):
            path = site / FULLTEXT_DIR / name
            if path.exists():
                shard_bytes += path.stat().st_size
                for term, flat in json.loads(path.read_text()).items():
                    if term.startswith(word):
                        doc = 0
                        for i in range(0, len(flat), 2):
                            doc += flat[i]
                            scores[doc] = max(scores.get(doc, 0), flat[i + 1])
    sizes["full-text shards"] = shard_bytes
    top = sorted(scores, key=lambda d: (-scores[d], d))[:20]
    chunks = {d // meta["chunk"] for d in top if str(d) not in meta["docs"]}
    sizes["result documents"] = sum((site / FULLTEXT_DIR / "docs" / f"{c}.json").stat().st_size for c in chunks)
    sizes["search page"] = (site / "search/index.html").stat().st_size
    return sizes


class Rows:
    """Runs per row, printed as median and spread beside the aim."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {}
        self.memory: dict[str, float] = {}

    def add(self, name: str, measured: tuple[float, float]) -> None:
        self.seconds.setdefault(name, []).append(measured[0])
        self.memory[name] = max(self.memory.get(name, 0), measured[1])

    def median(self, name: str) -> float | None:
        return statistics.median(self.seconds[name]) if self.seconds.get(name) else None

    def line(self, name: str, aim: str) -> str:
        runs = self.seconds.get(name)
        if not runs:
            return f"{name:44} {'not run':>9} {'':>15} {'':>8}  {aim}"
        spread = f"{min(runs):.2f}-{max(runs):.2f}"
        return (f"{name:44} {statistics.median(runs):9.3f} {spread:>15} {self.memory[name] / 2**20:6.0f} MB  {aim}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--medicines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each row; medians are printed (at least 5)")
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--fill", type=Path, help=argparse.SUPPRESS)  # the project to fill, in a subprocess
    args = parser.parse_args()
    if args.fill:
        fill_project(args.fill, args.medicines)
        return

    work = (args.keep or Path(tempfile.mkdtemp(prefix="medpages-bench-"))).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    project = work / "project"
    print(f"{args.medicines:,} medicines with seed-like pages; working in {work}")
    # In a process of its own: this one stays small, and a process it starts does not begin with
    # (and have its peak memory counted from) the pages this one would hold.
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--fill", str(project), "--medicines", str(args.medicines)], check=True)
    filled = time.perf_counter() - started
    print(f"  store filled in {filled:.1f} s ({args.medicines / filled:,.0f} pages/s)")
    first = run([*MEDPAGES, "build"], project)
    print(f"  first `medpages build` (site and tree, from nothing): {first[0]:.1f} s, {first[1] / 2**20:.0f} MB")

    rows = Rows()
    hugo = None if args.no_hugo else shutil.which("hugo")
    if hugo:
        write_hugo_site(project / "jekyll", work / "hugo")
    floor = [sys.executable, "-c", "from medpages.project import Project; Project.find().store()"]
    for number in range(args.repeat):  # alternating: each tool's runs spread over the same minutes
        rows.add("medpages build --out (cold)", run([*MEDPAGES, "build", "--out", str(work / f"cold-{number}")],
                                                    project))
        shutil.rmtree(work / f"cold-{number}")
        if hugo:
            for leftover in (work / "hugo-out", work / "hugo" / "resources"):
                shutil.rmtree(leftover, ignore_errors=True)
            rows.add("hugo (cold, sitemap on)", run([hugo, "--quiet", "-s", str(work / "hugo"), "-d",
                                                    str(work / "hugo-out")], work))
        rows.add("start-up floor (import, open the store)", run(floor, project))
        rows.add("medpages build, nothing changed", run([*MEDPAGES, "build"], project))
        rows.add("medpages build --out, nothing changed", run([*MEDPAGES, "build", "--out", "site"], project))
        edit_one_page(project, 2 * number)
        rows.add("medpages build, one page changed", run([*MEDPAGES, "build"], project))
        edit_one_page(project, 2 * number + 1)
        rows.add("medpages build --out, one page changed", run([*MEDPAGES, "build", "--out", "site"], project))
        print(f"  round {number + 1} of {args.repeat} done", flush=True)

    hugo_median = rows.median("hugo (cold, sitemap on)")
    cold = rows.median("medpages build --out (cold)")
    print()
    print(f"{'median of ' + str(args.repeat) + ' runs, seconds':44} {'median':>9} {'spread':>15} {'peak':>9}  aim")
    print(rows.line("medpages build --out (cold)",
                    f"<= 1.0 x Hugo: {cold / hugo_median:.2f} x" if hugo_median else "<= 1.0 x Hugo (Hugo not run)"))
    print(rows.line("hugo (cold, sitemap on)", "" if hugo else "skipped (--no-hugo)" if args.no_hugo
                    else "Hugo: not installed (Debian: apt-get install hugo)"))
    print(rows.line("medpages build, nothing changed", "<= 0.3 s"))
    print(rows.line("medpages build --out, nothing changed", "<= 0.3 s"))
    edit_aim = f"<= 0.3 s and <= 0.1 x Hugo ({0.1 * hugo_median:.2f} s)" if hugo_median else "<= 0.3 s"
    print(rows.line("medpages build, one page changed", edit_aim))
    print(rows.line("medpages build --out, one page changed", edit_aim))
    print(rows.line("start-up floor (import, open the store)", "(what any command costs before it starts)"))
    peak = max(memory for name, memory in rows.memory.items() if name.startswith("medpages"))
    print(f"peak memory of a medpages build: {peak / 2**20:.0f} MB (aim: <= 1 GB: {'met' if peak <= GB else 'missed'})")
    for query in ("paracetmol", "heart"):
        sizes = first_query_bytes(project / "site", query)
        combobox = sizes["home page"] + sizes["css+js"] + sizes["name shard"]
        page = sizes["search page"] + sizes["css+js"] + sizes["name shard"] + sizes["full-text meta"] \
            + sizes["full-text shards"] + sizes["result documents"]
        print(f"first query {query!r}: {combobox / 1024:.0f} KB as you type on the home page, {page / 1024:.0f} KB on "
              f"the search page (aim: <= 150 KB, uncompressed); {json.dumps(sizes)}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
