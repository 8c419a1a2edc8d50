"""Catalogue import benchmark: lines per second and memory at 10,000, 50,000 and 100,000 lines.

    python bench/catalog.py                # the three sizes side by side
    python bench/catalog.py --sizes 100000 # one size

Each size runs in its own process, so the drug dictionary's load time is measured every time
and one run's memory cannot hide in another's. Throughput is timed without tracemalloc (it
slows Python down several times); memory is then traced in a second import of the same file.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

GENERICS = (
    "Paracetamol Ibuprofen Aspirin Diclofenac Naproxen Amoxicillin Azithromycin Ciprofloxacin Doxycycline "
    "Cefalexin Ceftriaxone Metronidazole Clarithromycin Levofloxacin Metformin Gliclazide Glimepiride "
    "Sitagliptin Atorvastatin Simvastatin Rosuvastatin Amlodipine Lisinopril Ramipril Losartan Valsartan "
    "Bisoprolol Atenolol Metoprolol Furosemide Hydrochlorothiazide Spironolactone Warfarin Apixaban Clopidogrel "
    "Omeprazole Pantoprazole Esomeprazole Ranitidine Domperidone Ondansetron Loperamide Cetirizine Loratadine "
    "Fexofenadine Salbutamol Montelukast Budesonide Fluticasone Prednisolone Dexamethasone Hydrocortisone "
    "Levothyroxine Sertraline Fluoxetine Citalopram Escitalopram Amitriptyline Mirtazapine Diazepam Lorazepam "
    "Gabapentin Pregabalin Tramadol Codeine Morphine Carbamazepine Valproate Levetiracetam Lamotrigine "
    "Quetiapine Olanzapine Risperidone Haloperidol Allopurinol Colchicine Tamsulosin Finasteride Sildenafil "
    "Artemether Lumefantrine Sulfamethoxazole Trimethoprim Isoniazid Rifampicin Ethambutol Pyrazinamide "
    "Tenofovir Lamivudine Efavirenz Dolutegravir Acyclovir Fluconazole Clotrimazole Miconazole Nystatin Insulin"
).split() + [
    "Ferrous Sulphate", "Folic Acid", "Ascorbic Acid", "Calcium Carbonate", "Vitamin D3", "Zinc Sulfate",
    "Clavulanic Acid", "Metformin Hydrochloride", "Losartan Potassium", "Amlodipine Besylate",
    "Ado-trastuzumab emtansine", "Foobarzol", "Vitamin B-12", "Vitamin B 12",
]
BRANDS = "Calpol Panadol Tylenol Lipitor Advil Nurofen Zantac Glucophage Augmentin Ventolin Nexium Norvasc".split()
STRENGTHS = ["5mg", "10mg", "20mg", "25mg", "40mg", "50mg", "75mg", "100mg", "150mg", "200mg", "250mg", "400mg",
             "500mg", "650mg", "750mg", "1 g", "1,000mg", "0.5mg", "2.5 mg", "100mcg", "1000 IU", "1%", "0.1% w/w",
             "120mg/5ml", "250mg/5ml", "10mg/ml", "100 units/ml", "500mg + 125mg", "20mg/120mg"]
FORMS = ["", "", "", "Tablets", "Tablet", "Capsules", "Syrup", "Suspension", "Injection", "Cream", "Ointment", "Gel",
         "Eye Drops", "Inhaler", "Patch", "Suppositories", "Oral Solution", "Tablets IP", "SR Tablets"]
BAD_LINES = ["()", "---", "\"''\"", "!!!", "A" * 400, "Bad\x07Name 5mg", "../../etc/passwd", "Para\u202ecetamol"]


def write_list(path: Path, lines: int, seed: int = 7) -> dict[str, int]:
    """A realistic generics.txt: ~2% bad lines, ~5% duplicates differing by case or spacing."""
    rng = random.Random(seed)
    names = GENERICS + BRANDS
    written: list[str] = []
    counts = {"bad": 0, "duplicate": 0}
    with path.open("wb") as stream:
        for number in range(lines):
            roll = rng.random()
            if roll < 0.02:
                counts["bad"] += 1
                line = rng.choice(BAD_LINES).encode("utf-8") if rng.random() < 0.9 else b"Ibu\xffprofen 200mg"
            elif roll < 0.07 and written:
                counts["duplicate"] += 1
                line = rng.choice(written).upper().replace(" ", "  ").encode("utf-8")
            else:
                ingredients = rng.sample(names, 2 if rng.random() < 0.25 else 1)
                separator = rng.choice([" + ", ", "])
                # A serial keeps most titles distinct, as in a real list of thousands of products.
                line_text = f"{separator.join(ingredients)} {rng.choice(STRENGTHS)} {rng.choice(FORMS)}".strip()
                line_text += f" Pack {number % 997}" if rng.random() < 0.8 else ""
                written.append(line_text)
                if len(written) > 5000:
                    written.pop(rng.randrange(len(written)))
                line = line_text.encode("utf-8")
            stream.write(line + b"\n")
    return counts


def machine_reference() -> float:
    """Seconds for a fixed pure-Python loop, to compare figures between machines."""
    started = time.perf_counter()
    total = 0
    for number in range(2_000_000):
        total += number % 7
    return time.perf_counter() - started


def run_one(lines: int) -> dict[str, float]:
    from medpages.catalog import import_catalog, load_dictionary

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generics.txt"
        counts = write_list(path, lines)
        started = time.perf_counter()
        load_dictionary()
        load_seconds = time.perf_counter() - started

        # As `medpages import` runs it: medicines leave in batches (here to a counter, in the
        # CLI to the store), so memory holds one batch and a small index entry per medicine.
        sent = [0]

        def sink(batch: list) -> None:
            sent[0] += len(batch)

        started = time.perf_counter()
        result = import_catalog([path], sink=sink)
        import_seconds = time.perf_counter() - started
        imported = sent[0]
        report = result.report
        del result

        tracemalloc.start()
        traced = import_catalog([path], sink=lambda batch: None)
        retained, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del traced
        return {
            "lines": lines,
            "file_mb": path.stat().st_size / 1e6,
            "load_s": load_seconds,
            "import_s": import_seconds,
            "lines_per_s": lines / import_seconds,
            "imported": imported,
            "rejected": report.rejected_count,
            "merged": report.merged_count,
            "collisions": report.collision_count,
            "bad_written": counts["bad"],
            "peak_mb": peak / 1e6,
            "kept_mb": retained / 1e6,
            "kept_b_each": retained / max(imported, 1),
            "transient_mb": (peak - retained) / 1e6,
            "transient_b_each": (peak - retained) / max(imported, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one size, JSON out
    arguments = parser.parse_args()
    if arguments.one:
        print(json.dumps(run_one(arguments.one)))
        return

    rows = []
    for size in arguments.sizes:
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, check=True
        )
        rows.append(json.loads(child.stdout))

    print(f"machine reference: {machine_reference():.2f} s for 2M iterations of a Python loop "
          "(about 0.10 s on a recent laptop)")
    columns = [
        ("lines", "{:,.0f}"), ("file_mb", "{:.1f}"), ("load_s", "{:.2f}"), ("import_s", "{:.2f}"),
        ("lines_per_s", "{:,.0f}"), ("imported", "{:,.0f}"), ("rejected", "{:,.0f}"), ("merged", "{:,.0f}"),
        ("collisions", "{:,.0f}"), ("peak_mb", "{:.1f}"), ("kept_mb", "{:.1f}"), ("kept_b_each", "{:,.0f}"),
        ("transient_mb", "{:.1f}"), ("transient_b_each", "{:,.0f}"),
    ]
    widths = [max(len(name), 9) for name, _ in columns]
    print("  ".join(f"{name:>{width}}" for (name, _), width in zip(columns, widths)))
    for row in rows:
        cells = [form.format(row[name]) for name, form in columns]
        print("  ".join(f"{cell:>{width}}" for cell, width in zip(cells, widths)))
    print(
        "load_s: the drug dictionary, once per process; import_s excludes it.\n"
        "Medicines go to a sink in batches of 2,000, as `medpages import` sends them to the store.\n"
        "peak_mb: traced peak during the import. kept_mb: what the import returns (the report).\n"
        "transient_mb = peak - kept: the duplicate and slug index (a few hundred bytes per "
        "medicine: transient_b_each stays flat), one batch and the read buffers."
    )


if __name__ == "__main__":
    main()
