"""Site build speed: medpages against Hugo and Jekyll on 10,000 pages made from the seed page.

    python bench/build.py [--medicines 10000] [--workers 2] [--repeat 3] [--no-hugo] [--no-jekyll] [--keep DIR]

In one run, side by side: medpages' cold build, a rebuild with nothing changed, a rebuild
after one page changed, and (when installed) Hugo and Jekyll building the same pages from the
exported Markdown tree with a minimal `minimal-medicine` layout. Prints times, ratios, peak
memory and what a first search downloads. Cold builds, Hugo and Jekyll run `--repeat` times,
each from nothing (no output, no cache); the figures are medians. Aims (issue 5): cold build no slower than Hugo,
at least 10x faster than Jekyll, one-edit rebuild at most 0.5 s, peak memory at most 1 GB,
first query at most 150 KB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.catalog.slug import folder_for, slugify
from medpages.model import Medicine, Page, Provenance, TextSection
from medpages.publish.jekyll import export_jekyll
from medpages.publish.site import build_site
from medpages.publish.site.search_index import FULLTEXT_DIR, NAMES_DIR, words
from medpages.publish.site.search_query import NameSearch

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "seed" / "000_5abc8e4ecc893f8a.txt"
LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main>{content}</main></body></html>
"""
_ONSETS = ["b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "v", "z", "pr", "tr", "cl", "fl", "st"]
_VOWELS = ["a", "e", "i", "o", "u", "y", "ia", "eo"]
_SUFFIXES = ["mab", "pril", "olol", "statin", "cillin", "azole", "oxacin", "sartan", "tidine", "mycin",
             "vir", "dipine", "prazole", "lukast", "gliptin", "parin", "triptan", "setron", "afil", "zepam"]
_FORMS = ["tablet", "capsule", "oral solution", "injection", "cream", "eye drops"]


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


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def write_hugo_site(markdown: Path, folder: Path) -> None:
    (folder / "layouts" / "_default").mkdir(parents=True)
    layout = LAYOUT.format(title="{{ .Title }}", content="{{ .Content }}")
    for name in ("minimal-medicine.html", "single.html", "list.html"):
        (folder / "layouts" / "_default" / name).write_text(layout)
    (folder / "config.toml").write_text('baseURL = "https://example.org/"\ntitle = "bench"\n'
                                        'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n')
    shutil.copytree(markdown, folder / "content")


def write_jekyll_site(markdown: Path, folder: Path) -> None:
    shutil.copytree(markdown, folder)
    (folder / "_layouts").mkdir()
    (folder / "_layouts" / "minimal-medicine.html").write_text(LAYOUT.format(title="{{ page.title }}",
                                                                             content="{{ content }}"))
    (folder / "_config.yml").write_text("title: bench\nmarkdown: kramdown\nexclude: [Gemfile, Gemfile.lock]\n")


def run_tool(command: list[str]) -> float | None:
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        print(f"  {command[0]} failed: {finished.stderr.strip()[-500:]}")
        return None
    return time.perf_counter() - started


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--medicines", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each cold build; medians are printed")
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--no-jekyll", action="store_true")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="medpages-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    for name in ("site", "state", "bench-markdown", "hugo", "jekyll", "hugo-out", "jekyll-out"):
        shutil.rmtree(work / name, ignore_errors=True)
    print(f"{args.medicines:,} medicines from the seed page; working in {work}")
    made, entries = timed(lambda: synthetic_entries(args.medicines, SEED.read_text("utf-8")))
    print(f"  made the pages in memory in {made:.2f} s")

    def build():
        return build_site(entries, work / "site", base_url="https://medicines.example.org",
                          edit_url="https://app.example.org/suggest", state_dir=work / "state", workers=args.workers)

    def cold_build():
        shutil.rmtree(work / "site", ignore_errors=True)
        shutil.rmtree(work / "state", ignore_errors=True)
        return build()

    export_jekyll(entries, work / "bench-markdown", work / "bench-markdown-manifest.json")
    tools: dict[str, list[str]] = {}
    if not args.no_hugo and shutil.which("hugo"):
        write_hugo_site(work / "bench-markdown", work / "hugo")
        tools["hugo"] = ["hugo", "--quiet", "-s", str(work / "hugo"), "-d", str(work / "hugo-out")]
    else:
        print("  hugo: not installed (Debian: apt-get install hugo) or skipped")
    if not args.no_jekyll and shutil.which("jekyll"):
        write_jekyll_site(work / "bench-markdown", work / "jekyll")
        tools["jekyll"] = ["jekyll", "build", "--quiet", "-s", str(work / "jekyll"), "-d", str(work / "jekyll-out")]
    else:
        print("  jekyll: not installed (Debian: apt-get install jekyll) or skipped")

    # medpages' runs first: the workers' peak memory is read from RUSAGE_CHILDREN, which Hugo's and
    # Jekyll's processes would raise once they have run.
    runs: dict[str, list[float]] = {"medpages cold build": [], **{name: [] for name in tools}}
    for _ in range(args.repeat):
        seconds, report = timed(cold_build)
        runs["medpages cold build"].append(seconds)
    print("  medpages cold builds: " + ", ".join(f"{s:.2f} s" for s in runs["medpages cold build"]))
    print(f"  cold build: {report.medicines:,} pages, {len(report.written):,} files, full-text index {report.full_text}")
    results: dict[str, float | None] = {"medpages cold build": statistics.median(runs["medpages cold build"])}
    rebuilds = []
    for _ in range(args.repeat):
        seconds, report = timed(build)
        assert report.rendered == [], report.rendered[:3]
        rebuilds.append(seconds)
    results["medpages rebuild, nothing changed"] = statistics.median(rebuilds)
    edits = []
    for number in range(args.repeat):
        medicine, page = entries[len(entries) // 2 + number]
        edited = page.model_copy(deep=True)
        edited.usage = TextSection(lead="An edited usage paragraph.", items=edited.usage.items)
        entries[len(entries) // 2 + number] = (medicine, edited)
        seconds, report = timed(build)
        assert len(report.rendered) == 1, report.rendered[:3]
        edits.append(seconds)
    results["medpages rebuild after one edit"] = statistics.median(edits)
    print(f"  one-edit rebuild: rendered {report.rendered}, wrote {len(report.written)} files")
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for name, command in tools.items():
        for _ in range(args.repeat):
            # From nothing each time: no output, and no cache of the tool's own from the last run.
            for leftover in (work / f"{name}-out", work / name / ".jekyll-cache", work / name / "resources"):
                shutil.rmtree(leftover, ignore_errors=True)
            (work / name / ".jekyll-metadata").unlink(missing_ok=True)
            seconds = run_tool(command)
            if seconds is not None:
                runs[name].append(seconds)
        print(f"  {name}: " + ", ".join(f"{s:.2f} s" for s in runs[name]))
        results[name] = statistics.median(runs[name]) if runs[name] else None

    cold = results["medpages cold build"]
    print()
    print(f"{'median of ' + str(args.repeat) + ' runs':36} {'seconds':>9} {'vs medpages cold':>17}")
    for name, seconds in results.items():
        if seconds is None:
            print(f"{name:36} {'failed':>9}")
            continue
        ratio = f"{seconds / cold:.2f}x" if name in ("hugo", "jekyll") else ""
        print(f"{name:36} {seconds:9.2f} {ratio:>17}")
    print()
    if results.get("hugo"):
        print(f"cold build / Hugo:   {cold / results['hugo']:.2f}  (aim: <= 1.0)")
    if results.get("jekyll"):
        print(f"Jekyll / cold build: {results['jekyll'] / cold:.1f}x faster  (aim: >= 10)")
    print(f"one-edit rebuild:    {results['medpages rebuild after one edit']:.3f} s  (aim: <= 0.5 s)")
    print(f"peak memory:         {peak_self:.0f} MB in the main process (the {args.medicines:,} pages in memory "
          f"included), {peak_workers:.0f} MB in a worker  (aim: <= 1 GB)")
    for query in ("paracetmol", "heart"):
        sizes = first_query_bytes(work / "site", query)
        combobox = sizes["home page"] + sizes["css+js"] + sizes["name shard"]
        page = sizes["search page"] + sizes["css+js"] + sizes["name shard"] + sizes["full-text meta"] \
            + sizes["full-text shards"] + sizes["result documents"]
        print(f"first query {query!r}: {combobox / 1024:.0f} KB as you type on the home page, {page / 1024:.0f} KB on "
              f"the search page (aim: <= 150 KB, uncompressed); {json.dumps(sizes)}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
