"""What a label says, as text the claim, dose and contradiction checks search.

Each corpus is built once per label (cached on the `LabelFacts` object's identity) and held
as plain word stems (`sources.lexicon.concept_words`: "abdominal" is "stomach", "gastritis" is
"stomach inflammation"), so a phrase is "in the label" when its words appear in a row, or in any
order within a few words of one clause ("sensitivity to light" in "photophobia"). Phrases that
mean the same come from one synonym source read both ways: the lexicon's lay words and the
composer's glossary of explanations (`draft/glossary.json`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from medpages.draft.glossary import glossary_entries
from medpages.model.facts import LabelFacts
from medpages.sources.lexicon import LAY_TERMS, concept_words, equivalent_phrases, normalise

# Label sections (and their subsections) where adverse reactions and risks are written.
_REACTION_SECTIONS = frozenset({
    "adverse_reactions", "warnings_and_precautions", "warnings", "boxed_warning", "when_using", "stop_use",
    "precautions", "patient_package_insert", "information_for_patients", "overdosage", "postmarketing",
    "keep_out_of_reach_of_children", "medication_guide"})
_INDICATION_SECTIONS = frozenset({"indications", "purpose"})
# Not drug interactions or studies: they quote other medicines' doses ("clarithromycin 500 mg").
_DOSE_SECTIONS = frozenset({"dosage", "dosage_forms_and_strengths", "how_supplied",
                            "package_label", "patient_package_insert", "medication_guide", "active_ingredient",
                            "description", "overdosage", "pediatric_use", "use_in_specific_populations"})

_POPULATION_EXAMPLES = re.compile(
    r"\bsuch\s+as\b[^.;:\n]*?(?=,\s*[^,.;:\n]{0,60}?\b(?:is|are)\s+indicated\b|[.;:\n]|$)", re.IGNORECASE)


def label_citation(facts: LabelFacts) -> str:
    """`Lipitor (atorvastatin calcium) tablet, film coated, 2014-01-13`: how messages name the label."""
    source = facts.source
    return f"{source.title}, {source.effective_date}" if source.effective_date else source.title


# Clause boundaries: a phrase's words in any order are looked for inside one clause only.
_CLAUSE = re.compile(r"[.;:,()\[\]\n]+")
_UNORDERED_LONGEST = 4


def phrase_key(phrase: str) -> tuple[str, ...]:
    """A phrase's plain words, sorted: phrases with the same key say the same thing."""
    return tuple(sorted(concept_words(phrase)))


@lru_cache(maxsize=1)
def _synonym_groups() -> dict[tuple[str, ...], frozenset[str]]:
    """Phrase key -> the phrases that mean the same, from the lexicon (both ways) and the glossary.

    The glossary's explanations count as plain words for their term ("actinic keratoses" ->
    "rough, scaly patches of sun-damaged skin"), and so does each bracketed part of one."""
    links: dict[tuple[str, ...], set[str]] = {}

    def link(a: str, b: str) -> None:
        a, b = normalise(a), normalise(b)
        if not concept_words(a) or not concept_words(b):
            return
        links.setdefault(phrase_key(a), {a}).add(b)
        links.setdefault(phrase_key(b), {b}).add(a)

    for phrase in _lexicon_phrases():
        for other in equivalent_phrases(phrase):
            link(phrase, other)
    for term, entry in glossary_entries().items():
        link(term, entry.explanation)
        for part in re.split(r"[()]", entry.explanation):
            if part.strip() and part.strip() != entry.explanation:
                link(term, part)
    return {key: frozenset(phrases) for key, phrases in links.items()}


def synonym_phrases() -> frozenset[str]:
    """Every phrase of the synonym source (normalised)."""
    return frozenset(p for phrases in _synonym_groups().values() for p in phrases)


def equivalents(phrase: str) -> set[str]:
    """The phrase and every phrase the synonym source says means the same (two steps each way)."""
    groups = _synonym_groups()
    found = {normalise(phrase)} | equivalent_phrases(phrase) | groups.get(phrase_key(phrase), frozenset())
    for other in list(found):
        found |= groups.get(phrase_key(other), frozenset())
    return found


@dataclass(frozen=True, slots=True)
class Corpus:
    """Plain word stems of some label text, padded with spaces for whole-phrase search, and the
    sorted word runs of each clause (up to four words) for a search in any order."""

    text: str
    runs: frozenset[tuple[str, ...]]

    def has(self, phrase: str) -> bool:
        words = concept_words(phrase)
        if not words:
            return False
        if f" {' '.join(words)} " in self.text:
            return True
        return 1 < len(words) <= _UNORDERED_LONGEST and tuple(sorted(words)) in self.runs

    def has_any_equivalent(self, phrase: str) -> bool:
        return any(self.has(other) for other in equivalents(phrase))

    def stem_set(self) -> frozenset[str]:
        return frozenset(self.text.split())


def _runs(texts: list[str]) -> frozenset[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for text in texts:
        for clause in _CLAUSE.split(text or ""):
            words = concept_words(clause)
            for size in range(2, _UNORDERED_LONGEST + 1):
                for start in range(len(words) - size + 1):
                    runs.add(tuple(sorted(words[start:start + size])))
    return frozenset(runs)


def _corpus(texts: list[str], expand: bool = False) -> Corpus:
    body = " ".join(" ".join(concept_words(text)) for text in texts if text)
    extra: list[str] = []
    if expand:
        # Add the plain words of every term the text uses, so plain claims can be found.
        plain = Corpus(f" {body} ", frozenset())
        extra = [other for key, phrases in _synonym_groups().items()
                 if any(plain.has(phrase) for phrase in phrases if phrase_key(phrase) == key)
                 for other in phrases]
        body += " | " + " | ".join(" ".join(concept_words(phrase)) for phrase in extra)
    return Corpus(f" {body} ", _runs([*texts, *extra]))


@lru_cache(maxsize=1)
def _lexicon_phrases() -> tuple[str, ...]:
    phrases = set(LAY_TERMS) | set(LAY_TERMS.values())
    for phrase in list(phrases):
        phrases |= equivalent_phrases(phrase)
    return tuple(sorted(p for p in phrases if p))


def _section_texts(facts: LabelFacts, keys: frozenset[str]) -> list[str]:
    texts: list[str] = []
    for top in facts.sections:
        inside = top.key in keys
        for section in top.walk():
            if inside or section.key in keys:
                texts += [section.heading, section.text, section.highlights]
    return texts


class LabelEvidence:
    """The corpora of one label; build with `evidence_for(facts)`."""

    def __init__(self, facts: LabelFacts):
        self.facts = facts
        self.citation = label_citation(facts)
        reaction_texts = [term.term for statement in facts.common_adverse_reactions for term in statement.terms]
        reaction_texts += [s.text for s in facts.common_adverse_reactions]
        if facts.serious_adverse_reactions:
            reaction_texts += facts.serious_adverse_reactions.terms
        reaction_texts += [f"{w.title}. {w.text}" for w in facts.serious_warnings]
        reaction_texts += [f.text for f in [*facts.boxed_warning, *facts.when_using, *facts.stop_use, *facts.overdose]]
        reaction_texts += _section_texts(facts, _REACTION_SECTIONS)
        self.reactions = _corpus(reaction_texts)
        indication_texts = [f.text for f in [*facts.indications, *facts.purposes]]
        indication_texts += [f.heading for f in facts.indications]
        # The whole indications text too: OTC "Uses" are short (the lead, "temporarily relieves", is part of
        # the use), and a prescription label's facts may hold only a lead ("CELEBREX is indicated") or
        # only the list items after it.
        # Examples of who the patients are ("risk factors such as smoking, hypertension") are not uses.
        indication_texts += [_POPULATION_EXAMPLES.sub(" ", text) for text in _section_texts(facts, _INDICATION_SECTIONS)]
        self.indications = _corpus(indication_texts, expand=True)
        dose_texts = list(facts.strengths) + [s.text for s in facts.dosing.statements]
        self.dose_texts = dose_texts + _section_texts(facts, _DOSE_SECTIONS)


_CACHE: dict[int, tuple[LabelFacts, LabelEvidence]] = {}


def evidence_for(facts: LabelFacts) -> LabelEvidence:
    """The evidence of `facts`, built once per facts object (the benchmark checks many pages per label)."""
    cached = _CACHE.get(id(facts))
    if cached is not None and cached[0] is facts:
        return cached[1]
    evidence = LabelEvidence(facts)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[id(facts)] = (facts, evidence)
    return evidence


