"""AI artefact checks: self-reference, refusals, first person, cut-off text, loops, markup."""

from __future__ import annotations

import pytest

from medpages.check.artefacts import check_artefacts
from medpages.model import FAQ, FAQs, TextSection

from check_samples import codes, eval_page, with_text


def test_clean_pages_have_no_artefacts(clean_atorvastatin, clean_triaminic):
    assert check_artefacts(clean_atorvastatin) == []
    assert check_artefacts(clean_triaminic) == []


def _note(page, text):
    return page.model_copy(update={"important_note": TextSection(lead=text)})


@pytest.mark.parametrize(("text", "code"), [
    ("As an AI, I recommend asking a pharmacist.", "artefact.ai_self_reference"),
    ("This answer comes from a large language model.", "artefact.ai_self_reference"),
    ("I cannot provide medical advice on this topic.", "artefact.refusal"),
    ("Sorry, I am unable to help with dosing questions.", "artefact.refusal"),
    ("We suggest taking it in the evening.", "artefact.first_person"),
    ("Our pharmacists say this is common.", "artefact.first_person"),
    ("Sold as [insert brand name] in most shops.", "artefact.placeholder"),
    ("Take it with water and", "artefact.unfinished_sentence"),
    ("It lowers cholesterol, reduces the risk of...", "artefact.unfinished_sentence"),
    ('{"important_note": "Tell your doctor."}', "artefact.stray_markup"),
    ("```markdown Tell your doctor.```", "artefact.stray_markup"),
    ("Tell your **doctor at once.", "artefact.stray_markup"),
    ("Tell your doctor. ## Warnings", "artefact.stray_markup"),
    ("It helps. It helps. It helps you you you you feel better.", "artefact.repetition_loop"),
    ("Call a doctor.\x07 Then rest.", "artefact.control_character"),
])
def test_planted_artefact_is_found(clean_atorvastatin, text, code):
    findings = check_artefacts(_note(clean_atorvastatin, text))
    assert code in codes(findings)
    assert all(f.section == "important_note" for f in findings if f.code == code)


def test_refusal_is_not_also_reported_as_first_person(clean_atorvastatin):
    assert codes(check_artefacts(_note(clean_atorvastatin, "I'm sorry, but I can't give medical advice."))) == {
        "artefact.refusal"}


@pytest.mark.parametrize("text", [
    "Fredrickson Type I and Type II are kinds of high blood fats.",
    'Some people call it "my heart pill".',
    "It is sold in the U.S. and in Europe.",
    "Take it once a day:",
])
def test_things_that_are_not_artefacts(clean_atorvastatin, text):
    assert check_artefacts(_note(clean_atorvastatin, text)) == []


def test_first_person_in_a_question_is_the_patient_speaking(clean_atorvastatin):
    page = clean_atorvastatin.model_copy(update={"faqs": FAQs(items=[FAQ(question="Can I drink alcohol?",
                                                                          answer="Ask your doctor.")])})
    assert check_artefacts(page) == []


def test_a_sentence_twice_is_a_warning_three_times_a_loop(clean_atorvastatin):
    sentence = "Tell your doctor at once if you have muscle pain. "
    twice = check_artefacts(_note(clean_atorvastatin, sentence * 2))
    assert [(f.code, f.severity) for f in twice] == [("artefact.repeated_sentence", "warning")]
    thrice = check_artefacts(_note(clean_atorvastatin, sentence * 3))
    assert [(f.code, f.severity) for f in thrice] == [("artefact.repetition_loop", "error")]


def test_eval_page_json_leak_gets_one_finding():
    findings = check_artefacts(eval_page("json-leak.md"))
    assert [(f.code, f.severity) for f in findings] == [("artefact.stray_markup", "error")]


def test_ten_thousand_characters_of_one_word_are_a_loop(clean_atorvastatin):
    findings = check_artefacts(_note(clean_atorvastatin, "pain " * 2000))
    assert "artefact.repetition_loop" in codes(findings)


def test_message_names_the_offending_words(clean_atorvastatin):
    page = with_text(clean_atorvastatin, "Your doctor should check", "In my view, your doctor should check")
    [finding] = check_artefacts(page)
    assert "'my'" in finding.message and "Important Note" in finding.message
