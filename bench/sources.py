"""openFDA label streaming: labels per second and peak memory for a 50 MB and a 200 MB file.

    python bench/sources.py [--sizes 50,200] [--stages read,facts,store] [--keep DIR]

Generates zipped openFDA-shaped files in a temporary folder (the records are the test
fixtures' atorvastatin and OTC labels, one prescription label to nine OTC ones, each with its
own set id), then reads each in a fresh process and prints, side by side, the time, labels per
second and peak resident memory. Memory that does not grow from 50 MB to 200 MB is the point.

Stages: `read` parses the JSON into label documents; `facts` also extracts the facts;
`store` is `add_sources` into a new SQLite database (read, facts and writing).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "sources" / "fixtures" / "openfda-labels.json"
MB = 1_000_000


def generate(path: Path, megabytes: int) -> int:
    """A zipped openFDA-shaped file of about `megabytes` MB of JSON; returns its record count."""
    prescription, otc = json.loads(FIXTURE.read_text(encoding="utf-8"))["results"]
    target = megabytes * MB
    written = count = 0
    inner = path.name.removesuffix(".zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open(inner, "w", force_zip64=True) as out:
        out.write(b'{"meta": {"disclaimer": "medpages benchmark: fixture labels repeated"}, "results": [')
        while written < target:
            template = prescription if count % 10 == 0 else otc
            record = dict(template, set_id=f"bench000-0000-4000-8000-{count:012d}", version=str(1 + count % 5))
            data = (b"," if count else b"") + json.dumps(record).encode("utf-8")
            out.write(data)
            written += len(data)
            count += 1
        out.write(b"]}")
    return count


def measure(path: Path, stage: str) -> dict[str, float]:
    """Run in a fresh process: read `path` through `stage`, report labels, seconds and peak memory."""
    from medpages.model.label import LabelDocument
    from medpages.sources.facts import extract_facts
    from medpages.sources.openfda import iter_openfda_labels

    started = time.perf_counter()
    labels = 0
    if stage == "store":
        from medpages.sources.ingest import add_sources
        from medpages.store import Store

        with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "bench.sqlite") as store:
            report = add_sources(store, [path])
            labels = report.total("read")
    else:
        with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as stream:
            for item in iter_openfda_labels(stream, origin=str(path)):
                if isinstance(item, LabelDocument):
                    labels += 1
                    if stage == "facts":
                        extract_facts(item)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {"labels": labels, "seconds": seconds, "peak_mb": peak_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50,200", help="JSON sizes to generate, in MB")
    parser.add_argument("--stages", default="read,facts,store")
    parser.add_argument("--keep", type=Path, help="generate the files here and keep them")
    parser.add_argument("--measure", nargs=2, metavar=("FILE", "STAGE"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(Path(options.measure[0]), options.measure[1])))
        return

    sizes = [int(size) for size in options.sizes.split(",")]
    stages = options.stages.split(",")
    with tempfile.TemporaryDirectory() as temporary:
        folder = options.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        files = {}
        for size in sizes:
            path = folder / f"drug-label-bench-{size}mb.json.zip"
            started = time.perf_counter()
            records = generate(path, size)
            files[size] = path
            print(f"generated {path.name}: {records:,} labels, {size} MB of JSON, "
                  f"{path.stat().st_size / MB:.1f} MB zipped ({time.perf_counter() - started:.1f} s)")
        print()
        print(f"{'stage':<7}{'JSON':>8}{'labels':>10}{'seconds':>10}{'labels/s':>10}{'MB/s':>8}{'peak RSS':>11}")
        for stage in stages:
            for size in sizes:
                result = subprocess.run(
                    [sys.executable, __file__, "--measure", str(files[size]), stage],
                    capture_output=True, text=True, check=False,
                )
                if result.returncode:
                    sys.exit(f"measuring {stage} on {size} MB failed:\n{result.stderr}")
                figures = json.loads(result.stdout.strip().splitlines()[-1])
                rate = figures["labels"] / figures["seconds"]
                print(f"{stage:<7}{size:>5} MB{figures['labels']:>10,}{figures['seconds']:>10.1f}{rate:>10,.0f}"
                      f"{size / figures['seconds']:>8.1f}{figures['peak_mb']:>8.0f} MB")


if __name__ == "__main__":
    main()
