"""Readability for a lay reader: the Flesch-Kincaid grade of each section, and long sentences.

grade = 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59, with syllables
counted by a vowel-group heuristic. Against the CMU Pronouncing Dictionary it is exact for 95%
of the words in the check sets and the seed page, and the seed page's grades are within 0.3 of
the dictionary's. Not textstat: 0.7.3 counts by pyphen's hyphenation points, exact for 92%
("medicine" one syllable, "cholesterol" two), which puts the seed page's grades 0.5 to 2.8
too low, and it imports pkg_resources, gone from setuptools 82; later releases fetch NLTK data
at run time, which fails offline.
Sections shorter than `CheckSettings.readability_min_words` are not graded.
"""

from __future__ import annotations

import re
from collections import defaultdict

from medpages.check.page_text import Passage, page_passages, quote, section_title, split_sentences, words
from medpages.check.settings import CheckSettings
from medpages.model import Finding, Page

_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """Syllables of one word by vowel groups: a silent final `e` dropped, `-le` and `-ed` handled."""
    word = word.lower().strip("'’-")
    if not word:
        return 0
    if word.isdigit():
        return 1
    if len(word) <= 3:
        return 1
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ie", "ye")) and count > 1:
        count -= 1
    elif word.endswith("ed") and not word.endswith(("ted", "ded")) and count > 1:
        count -= 1
    elif word.endswith("es") and not word.endswith(("ses", "zes", "ces", "ges", "xes", "shes", "ches")) and count > 1:
        count -= 1
    return max(1, count)


def flesch_kincaid_grade(sentences: list[str]) -> float | None:
    """The grade of a list of sentences; None when there are no words."""
    counted = [words(s) for s in sentences]
    counted = [w for w in counted if w]
    total_words = sum(len(w) for w in counted)
    if not total_words:
        return None
    total_syllables = sum(syllables(word) for w in counted for word in w)
    return 0.39 * (total_words / len(counted)) + 11.8 * (total_syllables / total_words) - 15.59


def check_readability(page: Page, settings: CheckSettings) -> list[Finding]:
    by_section: dict[str, list[str]] = defaultdict(list)
    findings: list[Finding] = []
    for passage in page_passages(page):
        if passage.kind in ("name", "item_label", "verdict") or passage.section == "generic_name":
            continue  # labels and names are not sentences
        for sentence in split_sentences(passage.text):
            by_section[passage.section].append(sentence)
            findings += _long_sentence(passage, sentence, settings)
    for section, sentences in by_section.items():
        total = sum(len(words(s)) for s in sentences)
        if total < settings.readability_min_words:
            continue
        grade = flesch_kincaid_grade(sentences)
        if grade is not None and grade > settings.readability_grade:
            hardest = max(sentences, key=lambda s: flesch_kincaid_grade([s]) or 0)
            findings.append(Finding(
                code="readability.grade", severity="warning", section=section,
                message=f"{section_title(section)}: reading grade {grade:.1f} is above {settings.readability_grade:g} "
                        f"(Flesch-Kincaid, {total} words); hardest sentence: {quote(hardest, 80)!r}"))
    return findings


def _long_sentence(passage: Passage, sentence: str, settings: CheckSettings) -> list[Finding]:
    count = len(words(sentence))
    if count <= settings.long_sentence_words:
        return []
    return [Finding(code="readability.long_sentence", severity=settings.long_sentence_severity,
                    section=passage.section,
                    message=f"{passage.where}: a sentence of {count} words (limit {settings.long_sentence_words}): "
                            f"{quote(sentence, 80)!r}")]
