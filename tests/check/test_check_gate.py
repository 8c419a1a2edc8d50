"""`check_page` end to end: the real seed page, hostile input, and the evaluation set's figures."""

from __future__ import annotations

import pytest

from medpages.check import CheckSettings, blocks_publishing, check_page
from evaluation import KINDS, evaluate
from medpages.model import FAQ, FAQs, SideEffect, SideEffects, TextSection
from medpages.catalog.seed_reader import parse_seed_markdown

from check_samples import ATORVASTATIN, EVAL, SEED_PAGE, codes, empty_page, eval_entry, medicine

SEED_MEDICINE = medicine("Ado-trastuzumab emtansine 160mg", ("ado-trastuzumab emtansine",), ("160mg",))


def test_seed_page_without_label_has_no_errors():
    page = parse_seed_markdown(SEED_PAGE.read_bytes().decode("utf-8"))
    findings = check_page(page, SEED_MEDICINE)
    assert not blocks_publishing(findings)
    # What it does get, on purpose: hard reading in three sections.
    assert [(f.code, f.section) for f in findings] == [
        ("readability.grade", "usage"), ("readability.grade", "how_it_works"), ("readability.grade", "faqs")]


def test_clean_page_with_label_passes(clean_atorvastatin, lipitor_facts):
    assert check_page(clean_atorvastatin, ATORVASTATIN, lipitor_facts) == []


def test_label_checks_only_run_with_facts(lipitor_facts):
    page = parse_seed_markdown((EVAL / "pages" / "mixed-ai-claim-dose.md").read_text(encoding="utf-8"))
    without = codes(check_page(page, ATORVASTATIN))
    with_facts = codes(check_page(page, ATORVASTATIN, lipitor_facts))
    assert without == {"artefact.ai_self_reference"}
    assert with_facts == set(eval_entry("mixed-ai-claim-dose.md")["expected"])


def test_every_section_none(lipitor_facts):
    findings = check_page(empty_page(), ATORVASTATIN, lipitor_facts)
    assert blocks_publishing(findings)
    assert codes(findings) == {"structure.missing_section"}


def test_hostile_sections_give_one_short_finding_per_problem(lipitor_facts):
    # 150 copies of the same bad sentences, 10,000-character names and questions: a check that
    # reported each occurrence, or quoted the text whole, would bury the publisher (and take its
    # time doing it). Each problem is reported once per section, in a message of bounded length.
    long_text = ("Take it with water. <script>alert(1)</script> \x00\x1b It is safe in pregnancy. " * 150)[:10_000]
    page = empty_page().model_copy(update={
        "usage": TextSection(lead=long_text, items=[]),
        "how_it_works": TextSection(lead="x" * 10_000),
        "side_effects": SideEffects(items=[SideEffect(name="a" * 10_000, explanation="b " * 5000)]),
        "faqs": FAQs(items=[FAQ(question="?" * 10_000, answer="")]),
        "important_note": TextSection(lead="We " * 3000),
    })
    findings = check_page(page, ATORVASTATIN, lipitor_facts)
    found = codes(findings)
    assert {"artefact.control_character", "contradiction.pregnancy", "artefact.repetition_loop",
            "structure.unanswered_question", "claim.unsupported_side_effect"} <= found
    where = [(f.code, f.section) for f in findings]
    assert len(where) == len(set(where))  # once per code and section, not once per copy
    assert all(len(f.message) < 1000 for f in findings)


@pytest.mark.parametrize("control", ["\x00", "\x08", "\x1b", "\x7f"])
def test_a_control_character_is_reported_and_changes_nothing_else(clean_atorvastatin, control):
    def storage(lead: str):
        return check_page(clean_atorvastatin.model_copy(update={"storage": TextSection(lead=lead)}), ATORVASTATIN)

    without = storage("Keep it dry.")
    found = storage(f"Keep it dry.{control}")
    reported = [f for f in found if f.code == "artefact.control_character"]
    assert [(f.section, f"U+{ord(control):04X}" in f.message) for f in reported] == [("storage", True)]
    assert [f for f in found if f not in reported] == without


def test_a_zero_width_space_changes_no_other_finding(clean_atorvastatin):
    # Not a control character (Unicode category Cf, not Cc): whether it is an artefact is the
    # artefact check's call; no other check may trip over it.
    def storage(lead: str):
        return check_page(clean_atorvastatin.model_copy(update={"storage": TextSection(lead=lead)}), ATORVASTATIN)

    found = storage("Keep it\u200b dry.")
    assert [f for f in found if not (f.code.startswith("artefact.") and f.section == "storage")] == storage("Keep it dry.")


def test_evaluation_set_precision_and_recall_per_kind():
    result = evaluate(EVAL)
    assert result.pages >= 40
    for kind in KINDS:
        score = result.scores[kind]
        assert score.true_positives >= 3, kind  # every kind is planted
        assert score.precision >= 0.9 and score.recall >= 0.9, (kind, result.misses)


def test_held_out_set_stays_found():
    # Written after the checks; its two misses (a chat preamble, a plural of a lexicon term) were
    # fixed, so it is a regression set now, not a measure (docs/checks.md).
    result = evaluate(EVAL.parent / "heldout")
    assert result.pages >= 14 and result.misses == []


def test_evaluation_set_has_clean_pages_and_every_kind_planted():
    import json
    pages = json.loads((EVAL / "labels.json").read_text(encoding="utf-8"))["pages"]
    assert sum(1 for entry in pages.values() if not entry["expected"]) >= 5
    planted = {code.split(".")[0] for entry in pages.values() for code in entry["expected"]}
    assert planted == set(KINDS)
    assert all((EVAL / "pages" / name).is_file() for name in pages)


def test_settings_change_results(clean_atorvastatin):
    strict = CheckSettings(readability_grade=1.0, readability_min_words=5)
    assert "readability.grade" in codes(check_page(clean_atorvastatin, ATORVASTATIN, settings=strict))


def _clean_pages_are_not_blocked(folder):
    import json

    from evaluation import _load_label, _medicine
    spec = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    labels = {name: _load_label(entry, folder) for name, entry in spec["labels"].items()}
    for file, entry in spec["pages"].items():
        page = parse_seed_markdown((folder / "pages" / file).read_text(encoding="utf-8"))
        if not entry["expected"]:
            assert not blocks_publishing(check_page(page, _medicine(entry["medicine"]), labels[entry["label"]])), file


def test_corpus_set_stays_found():
    # Written after the first issue-9 tuning; its false positives (lay words for label terms, uses
    # written as explanations) were fixed since, so it guards against regressions now.
    folder = EVAL.parent / "heldout2"
    result = evaluate(folder)
    assert result.pages >= 12
    assert all(score.recall == 1.0 for score in result.scores.values()), result.misses
    assert result.scores["claim"].precision == 1.0, result.misses
    _clean_pages_are_not_blocked(folder)


def test_held_apart_corpus_set_recall_and_no_clean_page_blocked():
    # Written after the claim fix and scored once, never tuned on (docs/checks.md has its figures):
    # five of its six planted defects are found; the miss is a 750 mg twice-daily naproxen dose that
    # the label gives as a gout starting dose (the dose check does not read which use a figure is for).
    # Its false positives are warnings, so no clean page is held back.
    folder = EVAL.parent / "heldout3"
    result = evaluate(folder)
    assert result.pages >= 12
    found = sum(score.true_positives for score in result.scores.values())
    planted = found + sum(score.false_negatives for score in result.scores.values())
    assert found / planted >= 5 / 6, result.misses
    _clean_pages_are_not_blocked(folder)
