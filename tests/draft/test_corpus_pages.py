"""Every corpus label composes a page a publisher can keep: no artefacts, every sentence traced,
no check error, and what each label says in plain words (tests/fixtures/labels, INDEX.tsv)."""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache

import pytest
from fixture_files import LABELS_DIR

from medpages.check import check_page
from medpages.check.page_text import page_passages
from medpages.draft.reference import clean_label_text
from medpages.model import LABEL_NOTE_TEXT

# The artefact detector is bench/labels.py's, so the bench's figures and these tests agree.
_spec = importlib.util.spec_from_file_location("bench_labels", LABELS_DIR.parents[2] / "bench" / "labels.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("bench_labels", bench)
_spec.loader.exec_module(bench)

LABELS = sorted(LABELS_DIR.glob("*.xml"))


@lru_cache(maxsize=None)
def composed(name: str):
    run = bench.compose_label(LABELS_DIR / name)
    assert run.error is None, run.error
    return run


def test_the_corpus_is_all_there():
    assert len(LABELS) == 41


@pytest.mark.parametrize("path", LABELS, ids=lambda path: path.stem)
def test_the_page_has_no_artefacts(path):
    assert composed(path.name).artefacts == []


@pytest.mark.parametrize("path", LABELS, ids=lambda path: path.stem)
def test_every_sentence_is_traced_to_its_label(path):
    run = composed(path.name)
    page = run.page
    traced = {trace.text for trace in page.traces}
    for key in ("usage", "dosage", "serious_side_effects", "important_note", "precautions", "interactions"):
        section = getattr(page, key)
        for item in section.items if section else []:
            assert item.text in traced, (key, item.text)
    for trace in page.traces:
        assert trace.source == run.facts.source.set_id and trace.quote.strip()
    assert page.note == LABEL_NOTE_TEXT


@pytest.mark.parametrize("path", LABELS, ids=lambda path: path.stem)
def test_the_checks_find_no_error(path):
    run = composed(path.name)
    errors = [f"{f.code} ({f.section}): {f.message}" for f in check_page(run.page, run.medicine, run.facts)
              if f.severity == "error"]
    assert errors == []


# ------------------------------------------------------------------ what each label says


def _items(run, key):
    section = getattr(run.page, key)
    return [item.text for item in section.items] if section else []


def test_celebrex_uses_the_label_never_says_it_is_indicated():
    page = composed("celebrex-celecoxib-caps.xml").page
    text = " ".join(p.text for p in page_passages(page))
    assert "is indicated" not in text and "Celecoxib is indicated." not in text


def test_naproxen_uses_are_condition_first():
    [first, *_] = _items(composed("naproxen-oral-susp-plr.xml"), "usage")
    assert first.startswith("Rheumatoid arthritis (") and "osteoarthritis, ankylosing spondylitis" in first
    assert first.endswith(": eases the signs and symptoms.")


def test_a_limitation_of_use_is_not_a_use():
    run = composed("treximet-sumatriptan-naproxen.xml")
    assert _items(run, "usage")[0].startswith("Migraine (")
    assert "with or without aura, in adults and children 12 years" in _items(run, "usage")[0]
    assert run.page.usage.closing == "It is not for the prevention of migraine attacks."
    assert not any("not" in item for item in _items(run, "usage"))


def test_metformin_use_names_the_condition_then_what_it_does():
    assert _items(composed("glumetza-metformin-er.xml"), "usage") == [
        "Type 2 diabetes mellitus (type 2 diabetes, a long-term condition with high blood sugar), in adults: "
        "improves blood sugar control, together with diet and exercise."]


def test_advice_to_prescribers_is_not_a_use():
    for name in ("ketorolac-tab-1998.xml", "vicoprofen-2011.xml"):
        uses = " ".join(_items(composed(name), "usage"))
        assert "consider" not in uses.lower() and "lowest effective" not in uses.lower()


@pytest.mark.parametrize("name", ["prolensa-bromfenac-ophth.xml", "bromsite-bromfenac.xml"])
def test_contraindications_none_is_a_plain_sentence(name):
    note = composed(name).page.important_note
    assert note.items == []
    assert note.lead == "The label names no condition in which bromfenac must not be used."


def test_the_list_of_who_must_not_take_it_follows_its_lead_line():
    note = composed("celebrex-celecoxib-caps.xml").page.important_note
    assert note.lead.startswith("Boxed warning: ")
    assert note.lead.endswith("Do not take celecoxib if any of these apply:") and note.closing == ""
    assert any("aspirin" in item.text for item in note.items)


def test_a_warning_heading_is_the_label_and_not_repeated_in_the_text():
    items = composed("celebrex-celecoxib-caps.xml").page.precautions.items
    hepatotoxicity = next(item for item in items if item.label == "Hepatotoxicity (liver damage):")
    # The label's first sentence ("Inform patients of warning signs ...") is advice to the prescriber.
    assert hepatotoxicity.text.startswith("Celecoxib should be stopped if abnormal liver tests persist")


def test_otc_drug_facts_fill_usage_and_storage():
    run = composed("otc-advil-multiproduct.xml")
    assert _items(run, "usage")[0].startswith("Temporarily relieves minor aches and pains due to: headache, toothache")
    assert run.page.usage.lead == "Ibuprofen is an over-the-counter medicine. Its label gives these uses:"
    assert run.page.dosage is not None and run.page.storage is not None


def test_a_heading_alone_is_not_a_storage_sentence():
    assert not composed("veklury-remdesivir-eua.xml").page.storage.lead.startswith("Storage")


# ------------------------------------------------------------------ the cleaning every sentence goes through


@pytest.mark.parametrize(("label", "page"), [
    ("Use with caution [see Warnings and Precautions (5.1)].", "Use with caution."),
    ("Significant respiratory depression (see WARNINGS: Life-Threatening Respiratory Depression).",
     "Significant respiratory depression."),
    ("Known hypersensitivity to diclofenac (4, 5.1)", "Known hypersensitivity to diclofenac"),
    ("(See also Boxed WARNING.)", ""),
    ("Lactic acidosis. See boxed warning.", "Lactic acidosis."),
    ("with protease inhibitors (nelfinavir) Hepatitis C protease inhibitors (boceprevir)",
     "with protease inhibitors (nelfinavir). Hepatitis C protease inhibitors (boceprevir)"),
    ("Take with food.Do not crush.", "Take with food. Do not crush."),
    ("KEEP OUT OF REACH OF CHILDREN.", "keep out of reach of children."),
    ("Store at 25°C [see USP Controlled Room Temperature]. Rx only", "Store at 25°C."),
    ("Bottles of 100 NDC 13107-004-01 Store at 20° to 25°C.", "Store at 20° to 25°C."),
    ("Manufactured by: Acme Pharma, Inc. Take one tablet.", "Take one tablet."),
    ("occurs in (> 2%) of patients", "occurs in (more than 2%) of patients"),
    ("a cut-off sentence (with a bracket", "a cut-off sentence with a bracket"),
    ("<b>Warning</b> &amp; caution", "Warning & caution"),
    ("Storage and Handling. Store below 30°C.", "Store below 30°C."),
    ("Relieves sleeplessness *", "Relieves sleeplessness"),
])
def test_clean_label_text(label, page):
    assert clean_label_text(label) == page


def test_a_medical_term_is_explained_once_from_the_glossary():
    page = composed("celebrex-celecoxib-caps.xml").page
    text = " ".join(p.text for p in page_passages(page))  # item labels included
    assert text.count("(liver damage)") == 1


def test_every_glossary_entry_says_where_its_wording_comes_from():
    from medpages.draft.glossary import glossary_entries

    entries = glossary_entries()
    assert len(entries) >= 100 and entries["hyperkalemia"].explanation == "too much potassium in the blood"
    assert entries["rhabdomyolysis"].explanation == "severe muscle breakdown"  # the lexicon's, not repeated
    assert all(entry.explanation and entry.source for entry in entries.values())


# ------------------------------------------------------------------ side effects with how often they happened


def _effects(name):
    effects = composed(name).page.side_effects
    return {item.name: item.explanation for item in effects.items} if effects else {}


def test_carvedilol_lists_its_most_common_reactions_with_their_rates():
    # Table 1 (heart failure), carvedilol arm: dizziness 32%, fatigue 24%, hypotension 14%, diarrhea 12%,
    # hyperglycemia 12%, weight increase 12%, asthenia 11%, bradycardia 10% (the label's ≥10% list).
    effects = _effects("carvedilol-tab.xml")
    assert list(effects) == ["Feeling dizzy", "Tiredness", "Low blood pressure (hypotension)", "Diarrhoea",
                             "High blood sugar", "Weight increase", "Weakness", "Slow heartbeat (bradycardia)"]
    assert effects["Feeling dizzy"] == "About 32 in 100." and effects["Slow heartbeat (bradycardia)"] == "About 10 in 100."


def test_celecoxib_lists_the_labels_most_common_reactions_with_the_celecoxib_arm_rates():
    # "Most common adverse reactions in arthritis trials (>2% and >placebo) are: abdominal pain, diarrhea,
    # dyspepsia, ...", each with its CBX N=4146 rate (dyspepsia 8.8%, abdominal pain 4.1%); headache (15.8%,
    # not above placebo) is not among them.
    effects = _effects("celebrex-celecoxib-caps.xml")
    assert len(effects) == 12
    assert list(effects)[0] == "Indigestion" and effects["Indigestion"] == "About 9 in 100."
    assert effects["Abdominal pain"] == "About 4 in 100." and effects["Accidental injury"] == "About 3 in 100."
    assert "Headache" not in effects
    page = composed("celebrex-celecoxib-caps.xml").page
    assert page.side_effects.lead.startswith("In clinical studies, these were the most common side effects of celecoxib")


def test_viagra_headache_and_flushing_come_first():
    effects = _effects("viagra-sildenafil.xml")
    assert list(effects)[:2] == ["Headache", "Flushing"]
    assert effects["Headache"] == "About 28 in 100." and effects["Flushing"] == "About 19 in 100."
    assert len(effects) == 10


def test_shingrix_lists_its_local_and_general_reactions_once_each():
    effects = _effects("shingrix-vaccine.xml")
    assert list(effects)[:4] == ["Pain", "Muscle pain", "Tiredness", "Headache"]
    assert effects["Pain"] == "About 88 in 100." and effects["Redness"] == "About 39 in 100."
    assert [name for name in effects if name.startswith("Fever")] == ["Fever"]


@pytest.mark.parametrize(("name", "first"), [
    ("glumetza-metformin-er.xml", "Low blood sugar (hypoglycemia)"),
    ("treximet-sumatriptan-naproxen.xml", "Feeling dizzy"),
    ("vicoprofen-2011.xml", "Headache"),
])
def test_a_label_with_a_table_only_shows_its_most_frequent_reactions(name, first):
    effects = _effects(name)
    assert list(effects)[0] == first and all(" in 100." in text for text in effects.values())


def test_a_range_and_a_less_than_are_said_as_they_are():
    assert _effects("vicoprofen-2011.xml")["Weakness"] == "3–9 in 100."  # Asthenia*: * = 3% to 9%
    assert _effects("bromsite-bromfenac.xml")["Headache"] == "1–8 in 100."  # "in 1-8% of patients"


def test_a_group_term_of_the_most_common_sentence_does_not_hide_the_table():
    # Pennsaid's sentence says only "application site reactions"; the table's rows are the side effects.
    effects = _effects("pennsaid-diclofenac-topsol.xml")
    assert list(effects)[0] == "Dry skin at the application site" and effects["Dry skin at the application site"] == "About 32 in 100."


@pytest.mark.parametrize("path", LABELS, ids=lambda path: path.stem)
def test_every_side_effect_says_something_beyond_its_name_and_is_traced_to_its_row(path):
    run = composed(path.name)
    effects = run.page.side_effects
    if effects is None:
        return
    traced = {trace.text: trace for trace in run.page.traces if trace.section == "side_effects"}
    for item in effects.items:
        assert "label calls this" not in item.explanation.lower()
        assert item.explanation and item.name.lower() not in item.explanation.lower()
        trace = traced[f"{item.name}: {item.explanation}"]
        assert trace.label_section == "adverse_reactions" and trace.quote.strip()
    assert bench.shows_frequency(effects.items[0].explanation) or effects.items[0].explanation == "Frequency not stated."


@pytest.mark.parametrize(("label", "page"), [
    ("before skin testing.23, 24 Tricyclic antidepressants", "before skin testing. Tricyclic antidepressants"),
    ("Take 2.5 mg daily.", "Take 2.5 mg daily."),
])
def test_a_reference_number_glued_after_a_sentence_is_dropped(label, page):
    assert clean_label_text(label) == page


def test_the_composer_writes_to_the_reader_not_the_prescriber():
    run = composed("celebrex-celecoxib-caps.xml")
    text = " ".join(p.text for p in page_passages(run.page))
    assert "Inform patients" not in text and "Monitor patients" not in text and "Avoid use of" not in text
    assert "patients" not in text.lower().replace("outpatients", "")
    assert "((" not in text and "))" not in text  # a glossary explanation never nests
    assert "Gastrointestinal Bleeding, Ulceration, and Perforation." not in run.page.important_note.lead
    assert "Your doctor may check blood pressure." in text
    interactions = " ".join(item.text for item in run.page.interactions.items)
    assert "taking celecoxib and analgesic" not in interactions  # a sentence start stays capitalised
    # A rewritten sentence is still traced to the label's own words.
    trace = next(t for t in run.page.traces if t.text.startswith("Celecoxib should be stopped if abnormal liver"))
    assert trace.quote.startswith("Hepatotoxicity: Inform patients of warning signs")


# ------------------------------------------------------------------ uses after a lead; the label's abbreviations


def test_celebrex_lists_every_use_condition_first():
    assert _items(composed("celebrex-celecoxib-caps.xml"), "usage") == [
        "Osteoarthritis (OA): eases the signs and symptoms.",
        "Rheumatoid arthritis (RA): eases the signs and symptoms.",
        "Juvenile rheumatoid arthritis (JRA), in people 2 years and older: eases the signs and symptoms.",
        "Ankylosing spondylitis (AS): eases the signs and symptoms.",
        "Acute pain (short-term pain), in adults.",
        "Primary dysmenorrhea (period pain).",
    ]


def test_dosage_writes_out_the_abbreviations_the_label_defines():
    dosage = _items(composed("celebrex-celecoxib-caps.xml"), "dosage")
    assert dosage[0].startswith("Osteoarthritis (OA): 200 mg once daily")
    assert dosage[2].startswith("Juvenile rheumatoid arthritis (JRA): 50 mg twice daily")
    # `AP` and `PD` are never defined in brackets by this label: left as written, not guessed.
    assert dosage[4].startswith("AP and PD: 400 mg")


def test_only_the_labels_own_abbreviations_are_read():
    from medpages.draft.reference import label_abbreviations

    celebrex = label_abbreviations(composed("celebrex-celecoxib-caps.xml").facts)
    assert celebrex["OA"] == "Osteoarthritis" and celebrex["JRA"] == "Juvenile Rheumatoid Arthritis"
    assert "AP" not in celebrex and "PD" not in celebrex
    assert label_abbreviations(composed("shingrix-vaccine.xml").facts)["GI"] == "Gastrointestinal symptoms"


def test_a_title_case_heading_is_not_cut_at_its_small_words():
    assert clean_label_text("Congestive Heart Failure and Edema") == "Congestive Heart Failure and Edema"
    assert clean_label_text("Neonatal Opioid Withdrawal Syndrome Prolonged use of opioids") == \
        "Prolonged use of opioids"


def test_hydrocodone_ibuprofen_has_its_use():
    assert _items(composed("hydrocodone-ibuprofen-tab.xml"), "usage")[0].startswith("Acute pain (short-term pain) severe enough")


def test_a_sentence_glued_after_a_temperature_in_brackets_is_split():
    assert clean_label_text("excursions permitted to 15° - 30°C (59° - 86°F) Avoid excessive heat above 40°C.") == \
        "excursions permitted to 15° - 30°C (59° - 86°F). Avoid excessive heat above 40°C."


def test_a_numbered_list_in_a_sentence_becomes_bullets_without_its_numbers_and_joins():
    # Primidone: "contraindicated in: 1) patients with porphyria and 2) patients who are hypersensitive…"
    note = composed("primidone-tab.xml").page.important_note
    assert [item.text for item in note.items] == [
        "People with porphyria.", "People who are hypersensitive to phenobarbital."]


def test_side_effects_from_a_sentence_do_not_claim_clinical_studies():
    # Primidone's label names its most frequent early side effects without any study behind them.
    lead = composed("primidone-tab.xml").page.side_effects.lead
    assert "clinical studies" not in lead and lead.startswith("The label names these")
    assert composed("carvedilol-tab.xml").page.side_effects.lead.startswith("In clinical studies")  # a trial table


def test_an_over_the_counter_dose_follows_the_pack_not_a_doctor():
    assert composed("otc-childrens-ibuprofen-susp.xml").page.dosage.lead.startswith("Follow the directions on the pack")
    assert composed("celebrex-celecoxib-caps.xml").page.dosage.lead.startswith("Your doctor decides your dose")


def _page_text(name):
    return "\n".join(passage.text for passage in page_passages(composed(name).page))


def test_a_brand_with_its_registered_mark_inside_is_replaced():
    text = _page_text("fiorinal-codeine-combo.xml")
    assert "FIORINAL" not in text and "®" not in text
    assert "Aspirin + butalbital + caffeine + codeine exposes people" in text


def test_the_form_after_a_replaced_brand_takes_a_small_letter():
    text = _page_text("naprosyn-naproxen-susp.xml")
    assert "naproxen Suspension" not in text and "Naproxen Suspension" not in text
    assert "naproxen suspension" in text.lower()


def test_a_heading_glued_before_the_brand_is_left_out():
    text = _page_text("hydrocodone-ibuprofen-tab.xml")
    assert "Misuse hydrocodone" not in text
    assert "Hydrocodone + ibuprofen tablets exposes people" in text


def test_a_warning_title_with_a_plain_phrase_stays_title_case():
    text = _page_text("celebrex-celecoxib-caps.xml")
    assert "Stomach and gut Bleeding" not in text and "Stomach and Gut Bleeding, Ulcers, and Perforation" in text


def test_rates_from_an_arm_with_another_drug_say_which_drug():
    # Glumetza's only table compares GLUMETZA + Glyburide with placebo + glyburide: the glyburide
    # may cause some of them (low blood sugar), so the page must not give them as metformin's own.
    lead = composed("glumetza-metformin-er.xml").page.side_effects.lead
    assert "metformin taken with glyburide" in lead
    assert "taken with" not in composed("celebrex-celecoxib-caps.xml").page.side_effects.lead


def test_how_it_works_says_the_class_once_and_keeps_it_when_the_mechanism_does_not_name_it():
    bromfenac = composed("bromsite-bromfenac.xml").page.how_it_works.lead
    assert bromfenac.count("anti-inflammatory drug") == 1
    carvedilol = composed("carvedilol-tab.xml").page.how_it_works.lead
    assert carvedilol.startswith("Carvedilol is an alpha-/beta-adrenergic blocking agent.")
