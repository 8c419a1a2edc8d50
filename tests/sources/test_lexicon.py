"""The lay lexicon (`medpages.sources.lexicon`): its public table, lookups both ways, spelling and stems."""

from __future__ import annotations

from medpages.sources.lexicon import LAY_TERMS, concept_words, equivalent_phrases, lay_term, normalise, stem


def test_lay_term_looks_up_label_terms():
    assert lay_term("arthralgia") == "joint pain"
    assert lay_term("Nasopharyngitis").startswith("common cold")
    assert lay_term("Pain in extremity") == "pain in arms or legs"
    assert lay_term("unknownitis") == "unknownitis"


def test_table_is_lower_case_label_terms():
    assert all(key == key.lower().strip() and value for key, value in LAY_TERMS.items())


def test_equivalents_work_both_ways():
    assert "arthralgia" in equivalent_phrases("joint pain")
    assert "joint pain" in equivalent_phrases("arthralgia")
    assert "nasopharyngitis" in equivalent_phrases("runny nose")
    assert "hair loss" not in equivalent_phrases("fatigue")


def test_spelling_and_stems():
    assert normalise("Diarrhoea, severe!") == "diarrhea severe"
    assert stem("aches") == stem("aching") == stem("ache")
    assert stem("dizziness") == stem("dizzy")
    assert stem("infections") == "infection"


def test_concept_words_read_medical_word_parts_as_plain_words():
    assert concept_words("abdominal pain") == concept_words("stomach pain") == concept_words("stomach ache")
    assert concept_words("gastritis") == concept_words("stomach inflammation")
    assert sorted(concept_words("photophobia")) == sorted(concept_words("sensitivity to light"))
    assert concept_words("myalgia") == concept_words("muscle pains")
    assert concept_words("headache") == concept_words("head pain")
    # A word is split only into two listed parts: other words stay whole.
    assert concept_words("mystery photos") == [stem("mystery"), stem("photos")]
    assert concept_words("weight gain") == ["weight", "gain"]
