"""Store throughput: upsert 100,000 medicines and save 10,000 pages, then read them back.

    python bench/store.py [--url postgresql+psycopg://...] [--medicines N] [--pages N]

Without --url the database is a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from medpages.model import (
    DISCLAIMER_TEXT,
    FAQ,
    NOTE_TEXT,
    FAQs,
    FrontMatter,
    ListItem,
    Medicine,
    Page,
    SideEffect,
    SideEffects,
    Strength,
    TextSection,
)
from medpages.store import PageToSave, Store


def sample_medicine(index: int) -> Medicine:
    name = f"Medicine{index:06d}"
    return Medicine(
        title=f"{name} {index % 1000}mg",
        slug=f"{name.lower()}-{index % 1000}mg",
        letter="m",
        generic_name=name,
        ingredients=[name],
        strengths=[Strength(text=f"{index % 1000}mg", amount=float(index % 1000), unit="mg")],
        form="tablet",
        synonyms=[f"{name} tablets"],
        brands=[f"Brand{index}"],
    )


def sample_page(medicine: Medicine, version: int = 1) -> Page:
    prose = "Take this medicine exactly as your doctor tells you.  " * 4
    return Page(
        title=medicine.title,
        front_matter=FrontMatter(title=medicine.title),
        generic_name=medicine.generic_name,
        usage=TextSection(lead=prose, items=[ListItem(label=f"Use {n}", text=prose) for n in range(4)]),
        side_effects=SideEffects(
            lead=prose, items=[SideEffect(name=f"Effect {n}", explanation=prose) for n in range(6)]
        ),
        important_note=TextSection(lead=prose),
        how_it_works=TextSection(lead=f"{prose} (version {version})"),
        faqs=FAQs(items=[FAQ(question=f"Question {n}?", answer=prose) for n in range(4)]),
        disclaimer=DISCLAIMER_TEXT,
        note=NOTE_TEXT,
    )


def timed(label: str, count: int, action) -> None:
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    print(f"{label:<42} {count:>7} in {elapsed:6.2f} s  {count / elapsed:>9,.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--medicines", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=10_000)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = options.url or Path(folder, "bench.sqlite")
        store = Store.open(url)
        print(f"database: {store!r}")
        medicines = [sample_medicine(index) for index in range(options.medicines)]
        with_pages = medicines[: options.pages]
        pages = [sample_page(medicine) for medicine in with_pages]
        edits = [sample_page(medicine, version=2) for medicine in with_pages]

        timed("upsert medicines (new)", len(medicines), lambda: store.upsert_medicines(medicines))
        timed("upsert medicines (unchanged)", len(medicines), lambda: store.upsert_medicines(medicines))
        timed("save_pages (revision 1)", len(pages), lambda: store.save_pages(
            PageToSave(m.slug, p, "model:bench", "model") for m, p in zip(with_pages, pages, strict=True)))
        timed("save_pages (identical: no revision)", len(pages), lambda: store.save_pages(
            PageToSave(m.slug, p, "model:bench", "model") for m, p in zip(with_pages, pages, strict=True)))
        timed("save_pages (revision 2)", len(edits), lambda: store.save_pages(
            PageToSave(m.slug, p, "contributor:bench", "contributor") for m, p in zip(with_pages, edits, strict=True)))
        few = min(1000, len(pages))
        timed("save_page, one transaction each", few, lambda: [
            store.save_page(m.slug, p, author="contributor:bench", kind="contributor")
            for m, p in zip(with_pages[:few], pages[:few], strict=True)])
        timed("iter_pages (all medicines)", len(medicines), lambda: sum(1 for _ in store.iter_pages()))
        timed("get_page", few, lambda: [store.get_page(m.slug) for m in with_pages[:few]])
        print(store.counts())
        store.close()


if __name__ == "__main__":
    main()
