"""Store throughput: upsert 100,000 medicines and save 10,000 pages, then read them back; or,
with --size, the database's size next to the same pages as Markdown (issue 12: at most 3 times).

    python bench/store.py [--url postgresql+psycopg://...] [--medicines N] [--pages N]
    python bench/store.py --size [--url postgresql+psycopg://...] [--pages 10000] [--repeat 5]

Without --url the database is a fresh SQLite file in a temporary folder. With --size and --url
(PostgreSQL), each run works in a schema of its own that it drops at the end.

--size makes the seed-like pages of bench/build.py (`synthetic_entries`), exports them as the
Jekyll tree `medpages build` writes, and stores them twice, each time in a fresh database: as
drafted (no `Page.original`) and as `medpages import` stores them (parsed back from that tree,
with the text they were parsed from). Then 3 more revisions of 10 % of the pages. It prints
the sizes (per table and index), the times of the saves and the medians of the reads.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

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
from medpages.store.database import create_store_engine

SIZE_AIM = 3.0  # issue 12: the database at most 3 times the size of the pages as Markdown


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


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@contextmanager
def fresh_database(url: str | None, folder: Path, name: str) -> Iterator[Store]:
    """A store in a new SQLite file, or in a new schema of the PostgreSQL database at `url`."""
    if url is None:
        with Store.open(folder / f"{name}.sqlite") as store:
            yield store
        return
    schema = f"bench_{name}_{secrets.token_hex(4)}"
    admin = create_store_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        with Store.open(scoped) as store:
            store.bench_schema = schema  # type: ignore[attr-defined]
            yield store
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def database_sizes(store: Store) -> tuple[int, dict[str, int]]:
    """The database's bytes in all, and per table or index (with its indexes, on PostgreSQL)."""
    with store.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            parts = dict(connection.exec_driver_sql(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").all())
            free = connection.exec_driver_sql("PRAGMA freelist_count").scalar() or 0
            parts["(free pages)"] = free * (connection.exec_driver_sql("PRAGMA page_size").scalar() or 0)
            file = Path(store.engine.url.database or "")
            return file.stat().st_size, parts
        schema = store.bench_schema  # type: ignore[attr-defined]
        parts = dict(connection.execute(text(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relkind = 'r' "
            "ORDER BY 2 DESC"), {"schema": schema}).all())
        return sum(parts.values()), parts


def edited(page: Page, number: int) -> Page:
    """The page with one sentence more in its usage section, as a contributor's edit."""
    changed = page.model_copy(deep=True)
    assert changed.usage is not None
    changed.usage.lead = f"{changed.usage.lead} Edit {number}: take it with water."
    return changed


def size_run(options: argparse.Namespace) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from build import SEED, synthetic_entries

    from medpages.catalog.seed_reader import parse_seed_markdown
    from medpages.publish.jekyll import export_jekyll

    entries = synthetic_entries(options.pages, SEED.read_text("utf-8"))
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        export_jekyll(entries, folder / "markdown", folder / "manifest.json")
        files = [path for path in (folder / "markdown").rglob("*.md")]
        markdown = sum(path.stat().st_size for path in files)
        print(f"{len(entries):,} seed-like pages; as Markdown (the Jekyll tree): {markdown / 1e6:.1f} MB "
              f"({markdown / len(entries):,.0f} bytes a page); aim: at most {SIZE_AIM:g} x = "
              f"{SIZE_AIM * markdown / 1e6:.1f} MB")
        imported = [(medicine, parse_seed_markdown((folder / "markdown" / medicine.path).read_text("utf-8")))
                    for medicine, _page in entries]
        rng = random.Random(12)
        edited_slugs = {medicine.slug for medicine, _ in rng.sample(entries, len(entries) // 10)}
        for kind, pages in (("drafted", entries), ("imported", imported)):
            with fresh_database(options.url, folder, kind) as store:
                print(f"\n{kind} pages ({'with' if pages[0][1].original else 'without'} Page.original), {store!r}")
                store.upsert_medicines(medicine for medicine, _ in pages)
                started = time.perf_counter()
                store.save_pages(PageToSave(m.slug, p, "model:bench", "model") for m, p in pages)
                saved = time.perf_counter() - started
                extra = [(m, p) for m, p in pages if m.slug in edited_slugs]
                started = time.perf_counter()
                for number in range(2, 2 + options.extra_revisions):
                    store.save_pages(PageToSave(m.slug, edited(p, number), "contributor:bench", "contributor")
                                     for m, p in extra)
                resaved = time.perf_counter() - started
                total, parts = database_sizes(store)
                counts = store.counts()
                print(f"  database: {total / 1e6:.1f} MB = {total / markdown:.2f} x the Markdown "
                      f"({total / len(pages):,.0f} bytes a page; aim {SIZE_AIM:g} x): "
                      f"{'met' if total <= SIZE_AIM * markdown else 'MISSED'}; "
                      f"{counts['pages']:,} pages, {counts['revisions']:,} revisions")
                for name, size in parts.items():
                    if size >= total / 100:
                        print(f"    {name:<40} {size / 1e6:7.1f} MB")
                slugs = [m.slug for m, _ in pages]
                sample = rng.sample(slugs, min(1000, len(slugs)))
                old = [m.slug for m, _ in extra][:1000]
                iterate = median_seconds(lambda: sum(1 for _ in store.iter_pages()), options.repeat)
                get = median_seconds(lambda sample=sample: [store.get_page(slug) for slug in sample], options.repeat)
                history = median_seconds(lambda old=old: [store.get_revision(slug, 1) for slug in old], options.repeat)
                print(f"  save_pages, revision 1      {len(pages) / saved:>9,.0f} pages/s ({saved:.2f} s)")
                print(f"  save_pages, {options.extra_revisions} edits of 10 %    "
                      f"{len(extra) * options.extra_revisions / resaved:>9,.0f} pages/s ({resaved:.2f} s)")
                print(f"  iter_pages (median of {options.repeat})    {len(pages) / iterate:>9,.0f} pages/s "
                      f"({iterate:.2f} s)")
                print(f"  get_page (median of {options.repeat})      {len(sample) / get:>9,.0f} pages/s")
                print(f"  get_revision, an old one    {len(old) / history:>9,.0f} pages/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--medicines", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--size", action="store_true", help="the database's size against the Markdown's")
    parser.add_argument("--extra-revisions", type=int, default=3, help="with --size: edits of 10 %% of the pages")
    parser.add_argument("--repeat", type=int, default=5, help="with --size: runs of each read; medians are printed")
    options = parser.parse_args()
    if options.size:
        size_run(options)
        return

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
