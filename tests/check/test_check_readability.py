"""Readability: syllables, the Flesch-Kincaid grade, graded sections and long sentences."""

from __future__ import annotations

import pytest

from medpages.check.readability import check_readability, flesch_kincaid_grade, syllables
from medpages.check.settings import CheckSettings
from medpages.model import TextSection


@pytest.mark.parametrize(("word", "count"), [("cat", 1), ("table", 2), ("medicine", 3), ("cholesterol", 4),
                                             ("atorvastatin", 5), ("liked", 1), ("2024", 1)])
def test_syllables(word, count):
    assert syllables(word) == count


def test_grade_of_known_sentences():
    assert flesch_kincaid_grade(["The cat sat on the mat."]) == pytest.approx(-1.45, abs=0.01)
    assert flesch_kincaid_grade([]) is None
    hard = ["Consequently, hepatic cholesterol biosynthesis diminishes substantially in hypercholesterolemic individuals."]
    assert flesch_kincaid_grade(hard) > 15


def test_clean_page_reads_at_or_below_grade_nine(clean_atorvastatin):
    assert check_readability(clean_atorvastatin, CheckSettings()) == []


def test_jargon_section_is_flagged_with_its_grade(clean_atorvastatin):
    jargon = ("Atorvastatin competitively inhibits hydroxymethylglutaryl-coenzyme reductase. Consequently, hepatic "
              "cholesterol biosynthesis diminishes. Additionally, hepatic lipoprotein receptor expression increases, "
              "enhancing lipoprotein catabolism. Triglyceride concentrations consequently decrease considerably.")
    page = clean_atorvastatin.model_copy(update={"how_it_works": TextSection(lead=jargon)})
    assert check_readability(page, CheckSettings()) == []  # 24 words: too short to grade by default
    [finding] = check_readability(page, CheckSettings(readability_min_words=10))
    assert finding.code == "readability.grade" and finding.section == "how_it_works"
    assert "above 9" in finding.message
    assert check_readability(page, CheckSettings(readability_min_words=10, readability_grade=40)) == []


def test_long_sentence_respects_the_limit_and_severity(clean_atorvastatin):
    sentence = "Take it " + "and then rest " * 12 + "."
    page = clean_atorvastatin.model_copy(update={"storage": TextSection(lead=sentence)})
    [finding] = check_readability(page, CheckSettings())
    assert (finding.code, finding.severity) == ("readability.long_sentence", "info")
    assert check_readability(page, CheckSettings(long_sentence_words=50)) == []
    assert check_readability(page, CheckSettings(long_sentence_severity="warning"))[0].severity == "warning"
