"""Medical terms explained at their first use on a page, from a glossary kept as data.

`glossary.json` (beside this module) holds term -> plain explanation, each with the reference
it was written after; the lexicon's lay words (`medpages.sources.lexicon.LAY_TERMS`) fill in the
terms it does not list. `Glossary.explain(text)` adds the explanation in brackets after the
first use of each term on a page: `hepatotoxicity (liver damage)`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from medpages.sources.lexicon import LAY_TERMS


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    term: str
    explanation: str
    source: str


@lru_cache(maxsize=1)
def glossary_entries() -> dict[str, GlossaryEntry]:
    """The glossary's terms (lower-case), then the lexicon's where they add plain words."""
    data = json.loads(resources.files("medpages.draft").joinpath("glossary.json").read_text(encoding="utf-8"))
    entries = {term.lower(): GlossaryEntry(term.lower(), value["explanation"], value["source"])
               for term, value in data["terms"].items()}
    for term, lay in LAY_TERMS.items():
        # Only a real explanation: not the same words, and not a bare abbreviation (`tg`).
        if term not in entries and len(term) > 4 and lay.lower() not in term and term not in lay.lower():
            entries[term] = GlossaryEntry(term, lay, "medpages lexicon (sources/lexicon.py)")
    return entries


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    terms = sorted(glossary_entries(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(term) for term in terms) + r")(?![\w-])(?!\s*\()",
                      re.IGNORECASE)


class Glossary:
    """Explains each term once per page: the first sentence that uses it gets the explanation."""

    def __init__(self) -> None:
        self.explained: set[str] = set()

    def explain(self, text: str) -> str:
        """`text` with its first unexplained term explained; one a sentence, so it stays easy to read."""
        done = False

        def add(match: re.Match[str]) -> str:
            nonlocal done
            term = match.group(1).lower()
            entry = glossary_entries()[term]
            if done or term in self.explained or entry.explanation.lower() in text.lower():
                return match.group(0)
            if _inside_brackets(text, match.start()):
                return match.group(0)  # `drugs (NSAIDs (...))`: a bracket in a bracket; a later use is explained
            self.explained.add(term)
            done = True
            return f"{match.group(0)} ({entry.explanation})"
        return _pattern().sub(add, text)


def _inside_brackets(text: str, index: int) -> bool:
    """Whether `index` is inside an open parenthesis or square bracket of `text`."""
    before = text[:index]
    return before.count("(") > before.count(")") or before.count("[") > before.count("]")

