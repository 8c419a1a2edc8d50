"""Label sentences in a patient's words: plain vocabulary, the reader's voice, shorter sentences,
glossary brackets that never nest (draft/plain_language.py, draft/glossary.py)."""

from __future__ import annotations

import pytest

from medpages.draft.glossary import Glossary
from medpages.draft.plain_language import capitalise_sentences, plain_phrases, plain_words, reader_voice, split_long


@pytest.mark.parametrize(("label", "page"), [
    ("Monitor patients with renal impairment.", "Monitor people with kidney problems."),
    ("Concomitant use of aspirin is not recommended.", "Taking aspirin is not recommended."),
    ("patients who are concomitantly taking warfarin", "people who are taking warfarin"),
    ("Elderly patients are at greater risk of GI bleeding.", "Older people are at greater risk of stomach and gut bleeding."),
    ("serious gastrointestinal (GI) adverse events", "serious stomach and gut side effects"),
    ("an elevated level", "a raised level"),
    ("An exacerbation of asthma", "A worsening of asthma"),
    ("in the setting of CABG surgery", "in the setting of heart bypass surgery"),
    ("prior to surgery, discontinue", "before surgery, stop"),
    ("hepatic hypersensitivity reactions", "liver allergic reactions"),
    ("Seek emergency help if an anaphylactic reaction occurs.",
     "Seek emergency help if a sudden, severe allergic reaction occurs."),
    ("bleeding, ulceration, and perforation of the esophagus", "bleeding, ulcers, and holes in the food pipe"),
    ("Hypertension can occur with NSAID treatment.", "High blood pressure can occur with NSAID treatment."),
    ("anti-hypertensives and antihypertensive medications", "anti-hypertensives and blood pressure medicines"),
])
def test_label_wording_becomes_plain_words(label, page):
    assert plain_words(label) == page


def test_a_word_inside_another_word_is_left_alone():
    assert plain_words("nonrenal clearance; outpatients; pre-administration") == \
        "nonrenal clearance; outpatients; pre-administration"
    assert plain_words("Gi tract") == "Gi tract"  # an acronym only in capitals


def test_every_plain_phrase_is_shorter_or_plainer_and_lower_case_unless_an_acronym():
    for label, plain in plain_phrases().items():
        assert plain and plain != label
        assert label == label.lower() or any(word.isupper() and len(word) > 1 for word in label.replace("(", " ").split())


@pytest.mark.parametrize(("label", "page"), [
    ("Monitor blood pressure.", "Your doctor may check blood pressure."),
    ("Closely monitor patients for signs of bleeding.", "Your doctor may closely check patients for signs of bleeding."),
    ("Digoxin: Monitor serum digoxin levels.", "Digoxin: Your doctor may check serum digoxin levels."),
    ("In such high risk patients, monitor for signs of worsening renal function.",
     "In such high risk patients, your doctor may check for signs of worsening renal function."),
    ("Advise patients to stop taking it and seek medical care if they notice a rash.",
     "Patients should stop taking it and seek medical care if they notice a rash."),
    ("Inform patients that NSAIDs may cause dizziness.", "NSAIDs may cause dizziness."),
    ("Avoid use of celecoxib in patients with severe heart failure unless benefits outweigh risk.",
     "Taking celecoxib should be avoided in patients with severe heart failure unless benefits outweigh risk."),
    ("Avoid concomitant use of ketorolac and probenecid.", "Taking ketorolac and probenecid should be avoided."),
    ("Use with caution in patients with asthma.", "Celecoxib should be used with caution in patients with asthma."),
    ("Discontinue if abnormal liver tests persist.", "Celecoxib should be stopped if abnormal liver tests persist."),
    ("Discontinue celecoxib at the first appearance of skin rash.",
     "Celecoxib should be stopped at the first appearance of skin rash."),
])
def test_advice_to_the_prescriber_becomes_what_it_means_for_the_reader(label, page):
    assert reader_voice(label, "celecoxib") == page


@pytest.mark.parametrize("label", [
    "Inform patients of warning signs and symptoms of hepatotoxicity.",
    "Consider reducing the dose in patients with renal impairment.",
    "Counsel patients about the risks.",
    "Digoxin: Consider a lower dose.",
])
def test_how_the_doctor_practises_is_left_out(label):
    assert reader_voice(label, "celecoxib") is None


@pytest.mark.parametrize("label", [
    "Tell your doctor if you are pregnant.", "Avoid alcohol.", "Stop use and ask a doctor if pain gets worse.",
    "Use with celecoxib can increase digoxin levels.",
])
def test_a_sentence_already_for_the_reader_is_unchanged(label):
    assert reader_voice(label, "celecoxib") == label


def test_a_long_sentence_is_cut_between_two_clauses_but_a_list_stays_whole():
    two_clauses = ("This risk may occur early in the treatment of people with arthritis or long-term pain, and it "
                   "may increase with duration of use in people who take high doses every day.")
    assert split_long(two_clauses) == (
        "This risk may occur early in the treatment of people with arthritis or long-term pain. It "
        "may increase with duration of use in people who take high doses every day.")
    listed = ("Hypertension, acute renal failure, respiratory depression, and coma have occurred in people who took "
              "very large doses of this medicine over many days, but were rare.")
    assert split_long(listed) == listed


def test_sentence_starts_are_capitalised_but_not_after_an_abbreviation():
    assert capitalise_sentences("bleeding was seen. taking aspirin, e.g. warfarin, adds risk.") == \
        "Bleeding was seen. Taking aspirin, e.g. warfarin, adds risk."


def test_a_glossary_explanation_never_goes_inside_a_bracket():
    glossary = Glossary()
    text = glossary.explain("Nonsteroidal anti-inflammatory drugs (NSAIDs) cause an increased risk.")
    assert "((" not in text and "))" not in text and text.count("(") == 1
    # The term is explained at its next use outside brackets.
    assert "NSAIDs (" in glossary.explain("NSAIDs cause ulcers.")


def test_the_danger_at_the_end_of_a_long_sentence_is_a_sentence_of_its_own():
    assert split_long("NSAIDs cause an increased risk of serious stomach and gut side effects including bleeding, "
                      "ulceration, and perforation of the stomach or intestines, which can be fatal.") == (
        "NSAIDs cause an increased risk of serious stomach and gut side effects including bleeding, "
        "ulceration, and perforation of the stomach or intestines. These can be fatal.")


def test_advice_after_an_interaction_heading_with_an_abbreviation_is_in_the_reader_s_voice():
    assert reader_voice("Drugs that Interfere with Hemostasis (e.g. warfarin, aspirin): Monitor patients for bleeding.",
                        "naproxen") == \
        "Drugs that Interfere with Hemostasis (e.g. warfarin, aspirin): Your doctor may check patients for bleeding."
    assert reader_voice("Manage patients with symptomatic and supportive care following an NSAID overdose.",
                        "naproxen") is None


def test_a_second_instruction_after_discontinue_keeps_the_imperative():
    sentence = "Discontinue ciprofloxacin immediately and avoid the use of fluoroquinolones in these patients."
    assert reader_voice(sentence, "ciprofloxacin") == sentence
    assert plain_words("especially during initiation of treatment, in people concomitantly using warfarin") == \
        "especially when starting treatment, in people using warfarin"


def test_a_phrase_inside_a_title_case_heading_keeps_title_case():
    assert plain_words("Gastrointestinal Bleeding, Ulceration, and Perforation") == \
        "Stomach and Gut Bleeding, Ulcers, and Perforation"
    assert plain_words("Serious gastrointestinal bleeding can occur.") == "Serious stomach and gut bleeding can occur."


def test_the_adverb_comes_before_been():
    assert plain_words("These have been usually reversible.") == "These have usually been reversible."


def test_a_which_clause_after_a_list_says_these_and_names_the_subject_when_it_can():
    assert split_long("Symptoms after acute NSAID overdoses have been limited to lethargy, drowsiness, nausea, "
                      "vomiting, and epigastric pain, which have been reversible with supportive care.") == \
        "Symptoms after acute NSAID overdoses have been limited to lethargy, drowsiness, nausea, vomiting, " \
        "and epigastric pain. These symptoms have been reversible with supportive care."
    assert split_long("This medicine exposes patients and other users to the risks of opioid addiction, abuse, "
                      "and misuse, which can lead to overdose and death.") == \
        "This medicine exposes patients and other users to the risks of opioid addiction, abuse, and misuse. " \
        "These can lead to overdose and death."


def test_a_phrase_with_an_acronym_matches_with_a_headings_capital_too():
    assert plain_words("Gastrointestinal (GI) Effects - Risk of GI Ulceration") == \
        "Stomach and Gut Effects - Risk of Stomach and Gut Ulcers"
