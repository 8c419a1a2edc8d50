"""The reference composer over the label corpus: read time, facts found, artefacts, reading grade.

    python bench/labels.py [--labels tests/fixtures/labels] [--show NAME]

For every SPL label in the folder: the time to read it (`read_spl` + `extract_facts`), the
sections found, the page's side effects (`se`) and how many of them say how often they happened
(`se %`), the artefacts of the composed page (`page_artefacts`, the same detector
tests/draft/test_corpus_pages.py asserts with) and the Flesch-Kincaid grade of the page's prose (`medpages.check.readability`). Then the totals. Aims
(issue 9): 0 artefacts, median grade at most 9, every label composed. `--show` prints the pages
whose file name contains NAME, with their artefacts.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from medpages.catalog import medicine_from_title
from medpages.check.page_text import page_passages, split_sentences
from medpages.check.readability import flesch_kincaid_grade
from medpages.draft.reference import compose_reference_page
from medpages.model import LabelFacts, Medicine, Page, TextSection
from medpages.sources.facts import extract_facts
from medpages.sources.spl import read_spl

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "fixtures" / "labels"

# ---------------------------------------------------------------- what a reader must never see

_ARTEFACTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("none bullet", re.compile(r"^\s*none\.?\s*$", re.IGNORECASE)),
    ("cross-reference", re.compile(
        r"\(\s*see\b|\[\s*see\b|\bsee (?:also )?(?:WARNINGS|PRECAUTIONS|CONTRAINDICATIONS|ADVERSE REACTIONS|"
        r"CLINICAL PHARMACOLOGY|DOSAGE AND ADMINISTRATION|Warnings and Precautions|Boxed Warning|"
        r"Clinical Pharmacology|Clinical Studies|Dosage and Administration|Adverse Reactions|"
        r"Use in Specific Populations|Drug Interactions|Overdosage|How Supplied)\b"
        r"|\(\s*\d+(?:\.\d+)+\s*(?:,\s*\d+(?:\.\d+)*\s*)*\)|\[\s*\d+(?:\.\d+)+\s*\]")),
    ("glued sentences", re.compile(r"[a-z]{2}[.!?][A-Z][a-z]|\b[a-z]{3,}\)\s+[A-Z][a-z]+ [a-z]")),
    ("all-caps run", re.compile(r"\b[A-Z]{2,}(?:[\s,/-]+[A-Z]{2,}){2,}\b")),
    ("indicated wording", re.compile(r"\bindicated (?:for|to|as|in)\b", re.IGNORECASE)),
    ("advice to prescribers", re.compile(
        r"\bcarefully consider\b|\bhealthcare provider(?:s)? should\b|\bprescrib(?:er|ers|ing physician)s? should\b"
        r"|\bphysicians? should\b|\buse the lowest effective dosage\b", re.IGNORECASE)),
    ("leftover markup", re.compile(r"</?[A-Za-z!][^>]*>?|&[a-z]+;|&#\d+;|\||<(?!\s*\d)|(?<![\d\s])>")),
    ("NDC number", re.compile(r"\bNDC\b|\b\d{4,5}-\d{3,4}-\d{1,2}\b")),
    ("boilerplate", re.compile(
        r"\b(?:Manufactured|Distributed|Marketed|Packaged|Manufactured for|Made) (?:by|for)\b|\bRx only\b"
        r"|\bRevised:?\s*\d|\bLicensed from\b|\bU\.S\. Patent", re.IGNORECASE)),
)
_HEADING_WORDS = re.compile(
    r"^(?:WARNINGS?|PRECAUTIONS|INDICATIONS(?: AND USAGE)?|CONTRAINDICATIONS|DOSAGE(?: AND ADMINISTRATION)?|"
    r"ADVERSE REACTIONS|STORAGE(?: AND (?:STABILITY|HANDLING))?|HOW SUPPLIED|DESCRIPTION|OVERDOSAGE|"
    r"DRUG INTERACTIONS|CLINICAL PHARMACOLOGY|USES?|DIRECTIONS|OTHER INFORMATION|"
    r"Storage and (?:Stability|Handling)|How Supplied|Boxed Warning)\b[.:]?\s*(?:$|[A-Z])")


def _unbalanced(text: str) -> bool:
    for opening, closing in ("()", "[]"):
        depth = 0
        for char in text:
            depth += (char == opening) - (char == closing)
            if depth < 0:
                return True
        if depth:
            return True
    return text.count("**") % 2 == 1


def text_artefacts(text: str) -> list[str]:
    """What is wrong with one piece of page text, by name (`cross-reference: (5.1)`)."""
    found = []
    for name, pattern in _ARTEFACTS:
        match = pattern.search(text)
        if match:
            found.append(f"{name}: {match.group(0)!r}")
    if _unbalanced(text):
        found.append("unbalanced brackets")
    if _HEADING_WORDS.match(text.strip()):
        found.append(f"heading at the start: {text[:30]!r}")
    return found


def _list_artefacts(key: str, section: TextSection) -> list[str]:
    found = []
    for where, text in (("lead", section.lead), ("closing", section.closing)):
        if text.rstrip().endswith(":") and (where == "closing" or not section.items):
            found.append(f"{key} {where}: lead line without its list: {text[-50:]!r}")
    for item in section.items:
        if item.label:
            title = item.label.strip().rstrip(":").strip().lower()
            text = item.text.strip().lower()
            if title and text.startswith(title) and text[len(title):len(title) + 1] in ("", ":", "."):
                found.append(f"{key}: heading repeated after its label: {item.text[:50]!r}")
    return found


def page_artefacts(page: Page) -> list[str]:
    """Every artefact of a composed page: list structure, then the text of each passage."""
    found = []
    for key, value in page:
        if isinstance(value, TextSection):
            found += _list_artefacts(key, value)
    for passage in page_passages(page):
        if passage.section == "generic_name":
            continue
        found += [f"{passage.where}: {problem}" for problem in text_artefacts(passage.text)]
    return found


# ---------------------------------------------------------------- composing one label


@dataclass
class LabelRun:
    path: Path
    read_seconds: float = 0.0
    facts: LabelFacts | None = None
    medicine: Medicine | None = None
    page: Page | None = None
    error: str | None = None
    artefacts: list[str] = field(default_factory=list)
    grade: float | None = None


def medicine_for(facts: LabelFacts, path: Path) -> Medicine:
    """The catalogue entry a publisher would have for this label: its ingredients, else its name."""
    name = " + ".join(facts.ingredients) or next(iter(facts.product_names), "") or path.stem
    return medicine_from_title(name.title())


def prose_grade(page: Page) -> float | None:
    """The Flesch-Kincaid grade of the page's prose, as the readability check reads it."""
    sentences = []
    for passage in page_passages(page):
        if passage.kind in ("name", "item_label", "verdict") or passage.section == "generic_name":
            continue
        sentences += split_sentences(passage.text)
    return flesch_kincaid_grade(sentences)


def compose_label(path: Path) -> LabelRun:
    run = LabelRun(path)
    try:
        started = time.perf_counter()
        run.facts = extract_facts(read_spl(path.read_bytes(), origin=str(path)))
        run.read_seconds = time.perf_counter() - started
        run.medicine = medicine_for(run.facts, path)
        run.page = compose_reference_page(run.medicine, run.facts)
    except Exception as error:  # a bench reports every failure and goes on
        run.error = f"{type(error).__name__}: {error}"
        return run
    run.artefacts = page_artefacts(run.page)
    run.grade = prose_grade(run.page)
    return run


# A side effect's explanation that says how often it happened: `About 1 in 10 people`, `5%`.
_FREQUENCY_SHOWN = re.compile(r"\b\d+(?:\.\d+)? (?:or more )?in 1?00?\b|\bbetween \d+ and \d+ in 100\b|\d%"
                              r"|\bnearly everyone\b", re.IGNORECASE)


def shows_frequency(explanation: str) -> bool:
    return bool(_FREQUENCY_SHOWN.search(explanation))


def _sections_found(facts: LabelFacts) -> int:
    def count(sections) -> int:
        return sum(1 + count(section.subsections) for section in sections)
    return count(facts.sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--show", default=None, help="print the pages of labels whose file name contains this")
    args = parser.parse_args(argv)
    from medpages.publish.seed_writer import render_seed_markdown

    runs = [compose_label(path) for path in sorted(args.labels.glob("*.xml"))]
    print(f"{'label':48} {'read ms':>8} {'sect':>5} {'se':>4} {'se %':>5} {'artef':>6} {'grade':>6}")
    for run in runs:
        if run.error:
            print(f"{run.path.name:48} ERROR {run.error}")
            continue
        effects = run.page.side_effects.items if run.page.side_effects else []
        with_frequency = sum(shows_frequency(effect.explanation) for effect in effects)
        grade = f"{run.grade:.1f}" if run.grade is not None else "-"
        print(f"{run.path.name:48} {run.read_seconds * 1000:8.0f} {_sections_found(run.facts):5} "
              f"{len(effects):4} {with_frequency:5} {len(run.artefacts):6} {grade:>6}")
        if args.show and args.show in run.path.name:
            print(render_seed_markdown(run.page))
            print("\n".join(f"  ! {artefact}" for artefact in run.artefacts))
            print("=" * 100)
    composed = [run for run in runs if not run.error]
    grades = [run.grade for run in composed if run.grade is not None]
    artefacts = sum(len(run.artefacts) for run in composed)
    print(f"\nlabels {len(runs)}, composed {len(composed)}, artefacts {artefacts} "
          f"(on {sum(bool(run.artefacts) for run in composed)} pages), "
          f"median grade {statistics.median(grades) if grades else float('nan'):.1f} "
          f"(max {max(grades, default=float('nan')):.1f}), "
          f"read time total {sum(run.read_seconds for run in composed):.2f} s")
    effects = [effect for run in composed for effect in (run.page.side_effects.items if run.page.side_effects else [])]
    print(f"side effects {len(effects)} on {sum(bool(run.page.side_effects) for run in composed)} pages, "
          f"{sum(shows_frequency(effect.explanation) for effect in effects)} of them with how often")
    kinds: dict[str, int] = {}
    for run in composed:
        for artefact in run.artefacts:
            kind = artefact.split(": ", 1)[-1].split(":")[0]
            kinds[kind] = kinds.get(kind, 0) + 1
    for kind, count in sorted(kinds.items(), key=lambda pair: -pair[1]):
        print(f"  {count:5}  {kind}")
    return 0 if len(composed) == len(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
