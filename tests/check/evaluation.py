"""Measure the checks against a labelled evaluation set: precision and recall per kind of finding.

The set is a folder of seed-format pages and a `labels.json`:
`{"labels": {name: {"format": "spl"|"openfda", "path": ...}}, "pages": {file: {"label": name|null,
"medicine": {...}, "expected": [codes]}}}`. A finding counts once per (page, code): a planted
code the checks report is a true positive, one they miss a false negative, and a reported code
that was not planted a false positive. Every severity counts.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from medpages.check.gate import check_page
from medpages.check.settings import CheckSettings
from medpages.model import Medicine, Strength
from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.model.facts import LabelFacts
from medpages.sources.facts import extract_facts
from medpages.model.label import LabelDocument
from medpages.sources.openfda import iter_openfda_labels
from medpages.sources.spl import read_spl

KINDS: tuple[str, ...] = ("structure", "artefact", "claim", "dose", "contradiction", "readability")


@dataclass
class KindScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        reported = self.true_positives + self.false_positives
        return self.true_positives / reported if reported else 1.0

    @property
    def recall(self) -> float:
        planted = self.true_positives + self.false_negatives
        return self.true_positives / planted if planted else 1.0


@dataclass
class Evaluation:
    scores: dict[str, KindScore] = field(default_factory=lambda: {kind: KindScore() for kind in KINDS})
    pages: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)  # "page: code (false positive|false negative)"


def _load_label(entry: dict, base: Path) -> LabelFacts:
    path = (base / entry["path"]).resolve()
    if entry.get("format", "spl") == "spl":
        document = read_spl(path.read_bytes(), origin=str(path))
    else:
        with path.open("rb") as stream:
            documents = [d for d in iter_openfda_labels(stream, origin=str(path)) if isinstance(d, LabelDocument)]
        wanted = entry.get("set_id")
        document = next(d for d in documents if wanted in (None, d.set_id))
    return extract_facts(document)


def _medicine(data: dict) -> Medicine:
    title = data["title"]
    return Medicine(title=title, slug=title.lower().replace(" ", "-"), letter=title[:1].lower(),
                    ingredients=data.get("ingredients", []),
                    strengths=[Strength(text=text) for text in data.get("strengths", [])])


def evaluate(folder: Path, settings: CheckSettings | None = None) -> Evaluation:
    """Check every page of the set in `folder` (with `labels.json` and `pages/`) and score the findings."""
    settings = settings or CheckSettings()
    spec = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    labels = {name: _load_label(entry, folder) for name, entry in spec["labels"].items()}
    result = Evaluation()
    started = time.perf_counter()
    for file, entry in sorted(spec["pages"].items()):
        page = parse_seed_markdown((folder / "pages" / file).read_bytes().decode("utf-8"))
        facts = labels[entry["label"]] if entry.get("label") else None
        findings = check_page(page, _medicine(entry["medicine"]), facts, settings)
        reported = {f.code for f in findings}
        expected = set(entry["expected"])
        for code in reported | expected:
            kind = code.split(".", 1)[0]
            score = result.scores.setdefault(kind, KindScore())
            if code in reported and code in expected:
                score.true_positives += 1
            elif code in reported:
                score.false_positives += 1
                result.misses.append(f"{file}: {code} (false positive)")
            else:
                score.false_negatives += 1
                result.misses.append(f"{file}: {code} (false negative)")
        result.pages += 1
    result.seconds = time.perf_counter() - started
    return result
