"""List import benchmark: `medpages import` of a generics list into SQLite, at 10,000, 50,000 and 100,000 lines.

    python bench/catalog.py                          # the three sizes, 3 runs each
    python bench/catalog.py --sizes 100000 --repeat 5

The real path: `import_paths` (what `medpages import` runs) into a fresh project's SQLite store,
every medicine written. The list is varied as a real one is (a fixed random seed): common
generics and thousands of other dictionary names, salts, strengths and forms, brands,
combinations, typos, duplicates differing by case or spacing, and junk lines. Each size runs
in processes of its own: each import is a fresh process into a fresh project, cold as one
`medpages import` is (no name cached by an earlier run); the figures are medians of `--repeat` runs. Throughput is timed without tracemalloc (it
slows Python down several times); memory is traced in a separate import of the same list.
Aims (issue 12): at least 50,000 lines/s end to end, and memory that does not grow with the
list (the bytes kept per medicine stay flat from 10,000 to 100,000 lines).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

AIM_LINES_PER_SECOND = 50_000
GENERICS = [
    "Paracetamol", "Ibuprofen", "Aspirin", "Diclofenac", "Naproxen", "Amoxicillin", "Azithromycin", "Ciprofloxacin",
    "Doxycycline", "Cefalexin", "Ceftriaxone", "Metronidazole", "Clarithromycin", "Levofloxacin", "Metformin",
    "Gliclazide", "Glimepiride", "Sitagliptin", "Atorvastatin", "Simvastatin", "Rosuvastatin", "Amlodipine",
    "Lisinopril", "Ramipril", "Losartan", "Valsartan", "Bisoprolol", "Atenolol", "Metoprolol", "Furosemide",
    "Hydrochlorothiazide", "Spironolactone", "Warfarin", "Apixaban", "Clopidogrel", "Omeprazole", "Pantoprazole",
    "Esomeprazole", "Ranitidine", "Domperidone", "Ondansetron", "Loperamide", "Cetirizine", "Loratadine",
    "Fexofenadine", "Salbutamol", "Montelukast", "Budesonide", "Fluticasone", "Prednisolone", "Dexamethasone",
    "Hydrocortisone", "Levothyroxine", "Sertraline", "Fluoxetine", "Citalopram", "Escitalopram", "Amitriptyline",
    "Mirtazapine", "Diazepam", "Lorazepam", "Gabapentin", "Pregabalin", "Tramadol", "Codeine", "Morphine",
    "Carbamazepine", "Valproate", "Levetiracetam", "Lamotrigine", "Quetiapine", "Olanzapine", "Risperidone",
    "Haloperidol", "Allopurinol", "Colchicine", "Tamsulosin", "Finasteride", "Sildenafil", "Artemether",
    "Lumefantrine", "Sulfamethoxazole", "Trimethoprim", "Isoniazid", "Rifampicin", "Ethambutol", "Pyrazinamide",
    "Tenofovir", "Lamivudine", "Efavirenz", "Dolutegravir", "Acyclovir", "Fluconazole", "Clotrimazole",
    "Miconazole", "Nystatin", "Insulin"
] + [
    "Ferrous Sulphate", "Folic Acid", "Ascorbic Acid", "Calcium Carbonate", "Vitamin D3", "Zinc Sulfate",
    "Clavulanic Acid", "Metformin Hydrochloride", "Losartan Potassium", "Amlodipine Besylate",
    "Ado-trastuzumab emtansine", "Foobarzol", "Vitamin B-12", "Vitamin B 12",
]
BRANDS = [
    "Calpol", "Panadol", "Tylenol", "Lipitor", "Advil", "Nurofen", "Zantac", "Glucophage", "Augmentin", "Ventolin",
    "Nexium", "Norvasc"
]
SALTS = ["Hydrochloride", "HCl", "Sodium", "Potassium", "Sulphate", "Sulfate", "Maleate", "Besylate", "Citrate",
         "Acetate", "Phosphate", "Mesylate", "Tartrate", "Succinate", "Fumarate", "Bromide", "Calcium"]
STRENGTHS = ["5mg", "10mg", "20mg", "25mg", "40mg", "50mg", "75mg", "100mg", "150mg", "200mg", "250mg", "400mg",
             "500mg", "650mg", "750mg", "1 g", "1,000mg", "0.5mg", "2.5 mg", "100mcg", "1000 IU", "1%", "0.1% w/w",
             "120mg/5ml", "250mg/5ml", "10mg/ml", "100 units/ml", "500mg + 125mg", "20mg/120mg"]
FORMS = ["", "", "", "Tablets", "Tablet", "Capsules", "Syrup", "Suspension", "Injection", "Cream", "Ointment", "Gel",
         "Eye Drops", "Inhaler", "Patch", "Suppositories", "Oral Solution", "Tablets IP", "SR Tablets"]
MAKERS = [""] * 40 + ["(Cipla)", "(Sun Pharma)", "(Teva)", "(Sandoz)", "BP", "BP", "USP", "USP", "IP", "Ph. Eur."]
BAD_LINES = ["()", "---", "\"''\"", "!!!", "A" * 400, "Bad\x07Name 5mg", "../../etc/passwd", "Para\u202ecetamol",
             "Take two tablets daily", "http://example.org/list", "=SUM(A1:A9)", "N/A", "12345"]
_SYLLABLES = ["ba", "ce", "di", "fo", "ga", "ke", "li", "mo", "nu", "pra", "ro", "sta", "ti", "vo", "xa", "zy"]


def name_pool(rng: random.Random) -> tuple[list[str], list[str]]:
    """Generic names (the common ones, and 3,000 more of the drug dictionary's one- and two-word
    names) and brand names (the dictionary's and made-up ones), as a list would spell them."""
    from medpages.catalog import load_dictionary

    dictionary = load_dictionary()
    simple = sorted(key for key in dictionary.canonical_data if re.fullmatch(r"[a-z]{5,}( [a-z]{3,})?", key))
    # The common generics five times over: most lines of a real list name a few hundred medicines.
    generics = GENERICS * 5 + [name.title() for name in rng.sample(simple, min(3000, len(simple)))]
    brands = BRANDS + sorted(variant.title() for variant, data in dictionary.variant_data.items()
                             if data.get("is_brand") and len(variant) < 30)
    brands += ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize() + rng.choice(
        ["", "x", "n", "-XR", " Forte", " Plus"]) for _ in range(100)]
    return generics, brands


def typo(name: str, rng: random.Random) -> str:
    """One letter dropped, doubled or swapped with the next."""
    if len(name) < 5:
        return name
    at = rng.randrange(1, len(name) - 2)
    return rng.choice([name[:at] + name[at + 1:], name[:at] + name[at] + name[at:],
                       name[:at] + name[at + 1] + name[at] + name[at + 2:]])


def write_list(path: Path, lines: int, seed: int = 7) -> dict[str, int]:
    """A realistic generics.txt, the same for a given seed and size: ~2% junk lines, ~4% duplicates
    differing by case or spacing, ~3% typos, brands, salts, combinations, makers and forms."""
    rng = random.Random(seed)
    generics, brands = name_pool(rng)
    written: list[str] = []
    counts = {"junk": 0, "duplicate": 0, "typo": 0, "brand": 0, "combination": 0}
    with path.open("wb") as stream:
        for _ in range(lines):
            roll = rng.random()
            if roll < 0.02:
                counts["junk"] += 1
                stream.write((rng.choice(BAD_LINES).encode("utf-8") if rng.random() < 0.9 else b"Ibu\xffprofen 200mg")
                             + b"\n")
                continue
            if roll < 0.06 and written:
                counts["duplicate"] += 1
                line = rng.choice(written).upper().replace(" ", "  ")
            else:
                if roll < 0.09:
                    counts["typo"] += 1
                    name = typo(rng.choice(generics), rng)
                elif roll < 0.17:
                    counts["brand"] += 1
                    name = rng.choice(brands)
                elif roll < 0.32:
                    counts["combination"] += 1
                    name = rng.choice([" + ", "/", ", ", " & "]).join(rng.sample(generics, rng.choice([2, 2, 2, 3])))
                else:
                    name = rng.choice(generics)
                    name += f" {rng.choice(SALTS)}" if rng.random() < 0.2 else ""
                line = " ".join(part for part in (name, rng.choice(STRENGTHS), rng.choice(FORMS), rng.choice(MAKERS))
                                if part)
                written.append(line)
                if len(written) > 5000:
                    written.pop(rng.randrange(len(written)))
            stream.write(line.encode("utf-8") + b"\n")
    return counts


def machine_reference() -> float:
    """Seconds for a fixed pure-Python loop, to compare figures between machines."""
    started = time.perf_counter()
    total = 0
    for number in range(2_000_000):
        total += number % 7
    return time.perf_counter() - started


def new_project(folder: Path):
    """A project made for one import (`medpages init`), its store open: not part of the timed import."""
    from medpages.project import Project

    project = Project.init(folder)
    project.store()
    return project


def import_into(project, path: Path):
    """`import_paths` of the list, as `medpages import` runs it: the store's SQLite file included."""
    from medpages.stages import import_paths

    try:
        return import_paths(project, [path])
    finally:
        project.store().close()


def run_one(lines: int, traced: bool) -> dict[str, float]:
    """One import of a list of `lines` lines in this fresh process, as one `medpages import` runs it;
    with `traced`, a second import of the same list under tracemalloc, for memory."""
    from medpages.catalog import load_dictionary

    started = time.perf_counter()
    load_dictionary()  # once per process, as in one `medpages import`: apart from import_s
    load_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        path = work / "generics.txt"
        counts = write_list(path, lines)
        project = new_project(work / "project")
        started, cpu_started = time.perf_counter(), time.process_time()
        report = import_into(project, path)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        database_mb = sum(file.stat().st_size for file in (work / "project").glob("*.sqlite3*")) / 1e6
        row = {
            "lines": lines, "file_mb": path.stat().st_size / 1e6, "load_s": load_seconds, "import_s": seconds,
            "cpu_s": cpu_seconds,
            "imported": report.medicines, "rejected": len(report.rejected) - bool(_more(report.rejected))
            + _more(report.rejected), "merged": len(report.notices), "unresolved": report.unresolved_count,
            "junk_written": counts["junk"], "db_mb": database_mb,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        if traced:
            project = new_project(work / "project-traced")
            tracemalloc.start()
            kept = import_into(project, path)
            retained, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            del kept
            row |= {"peak_mb": peak / 1e6, "peak_b_each": peak / max(report.medicines, 1), "kept_mb": retained / 1e6}
        return row


def _more(rejected: list[str]) -> int:
    """The count in the report's last line `... and 1,234 more`, when details were cut."""
    match = re.fullmatch(r"\.\.\. and ([\d,]+) more", rejected[-1]) if rejected else None
    return int(match.group(1).replace(",", "")) if match else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="imports per size, each in a fresh process and project")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one import, JSON out
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one:
        print(json.dumps(run_one(arguments.one, arguments.traced)))
        return

    rows = []
    for size in arguments.sizes:
        runs = []
        # Each import in a process of its own, cold as a `medpages import` is: no name cached from the last.
        for number in range(arguments.repeat + 1):
            command = [sys.executable, __file__, "--one", str(size)] + ["--traced"] * (number == arguments.repeat)
            child = subprocess.run(command, capture_output=True, text=True, check=False)
            if child.returncode != 0:
                raise SystemExit(f"the run of {size:,} lines failed:\n{child.stderr[-2000:]}")
            runs.append(json.loads(child.stdout))
        timed, traced = runs[:-1], runs[-1]
        seconds = [run["import_s"] for run in timed]
        row = {**timed[0], **{key: traced[key] for key in ("peak_mb", "peak_b_each", "kept_mb")}}
        row |= {"import_s": statistics.median(seconds), "spread": f"{min(seconds):.2f}-{max(seconds):.2f}",
                "cpu_s": statistics.median(run["cpu_s"] for run in timed),
                "load_s": statistics.median(run["load_s"] for run in timed),
                "rss_mb": max(run["rss_mb"] for run in timed)}
        row["lines_per_s"] = size / row["import_s"]
        rows.append(row)

    print(f"machine reference: {machine_reference():.2f} s for 2M iterations of a Python loop "
          "(about 0.10 s on a recent laptop)")
    columns = [
        ("lines", "{:,.0f}"), ("file_mb", "{:.1f}"), ("load_s", "{:.2f}"), ("import_s", "{:.2f}"), ("spread", "{}"),
        ("cpu_s", "{:.2f}"),
        ("lines_per_s", "{:,.0f}"), ("imported", "{:,.0f}"), ("rejected", "{:,.0f}"), ("merged", "{:,.0f}"),
        ("unresolved", "{:,.0f}"), ("db_mb", "{:.1f}"), ("rss_mb", "{:.0f}"), ("peak_mb", "{:.1f}"),
        ("peak_b_each", "{:,.0f}"), ("kept_mb", "{:.1f}"),
    ]
    widths = [max(len(name), 9) for name, _ in columns]
    print("  ".join(f"{name:>{width}}" for (name, _), width in zip(columns, widths)))
    for row in rows:
        cells = [form.format(row[name]) for name, form in columns]
        print("  ".join(f"{cell:>{width}}" for cell, width in zip(cells, widths)))
    print()
    for row in rows:
        verdict = "met" if row["lines_per_s"] >= AIM_LINES_PER_SECOND else "MISSED"
        print(f"{row['lines']:>9,} lines: {row['lines_per_s']:>8,.0f} lines/s, median of {arguments.repeat} "
              f"(aim >= {AIM_LINES_PER_SECOND:,}): {verdict}; traced peak {row['peak_b_each']:,.0f} bytes per medicine")
    if len(rows) > 1:
        low, high = rows[0]["peak_b_each"], rows[-1]["peak_b_each"]
        flat = high <= low * 1.5
        print(f"memory per medicine from {rows[0]['lines']:,} to {rows[-1]['lines']:,} lines: {low:,.0f} -> "
              f"{high:,.0f} bytes (aim: flat, not growing with the list): {'met' if flat else 'MISSED'}")
    print(
        "import_s: `import_paths` into a fresh project's SQLite file in a fresh process, every medicine written\n"
        "(cpu_s: the CPU seconds of it, steadier than import_s on a machine shared with other work;"
        " the drug dictionary, load_s, is loaded before it, once per process as in `medpages import`; the project is\n"
        "made before it too, as by `medpages init`). rejected, merged, unresolved: lines the report names.\n"
        "rss_mb: the process's peak resident size. peak_mb: traced peak during one import, kept_mb: what it\n"
        "returns (the report); peak_b_each = peak / medicines: the duplicate and slug index, one batch and the\n"
        "report's details, which must not grow per medicine with the list."
    )


if __name__ == "__main__":
    main()
