"""LabelFacts from the real atorvastatin and OTC labels (SPL and their openFDA copies), and the parsers behind them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medpages.model.facts import LabelFacts
from medpages.sources.facts import extract_facts
from medpages.sources.ingredients import canonical_ingredient, strip_salt_words
from medpages.model.label import LabelDocument, LabelSection
from medpages.sources.openfda import split_run_in_title
from medpages.sources.text import sentences, split_bullets

from label_samples import LIPITOR_SET_ID, OTC_SET_ID

OVERDOSE = "In case of overdose, get medical help or contact a Poison Control Center right away."
COMMON_TERMS = ["nasopharyngitis", "arthralgia", "diarrhea", "pain in extremity", "urinary tract infection"]
WARNING_TITLES = ["Skeletal Muscle", "Liver Dysfunction", "Endocrine Function", "CNS Toxicity",
                  "Use in Patients with Recent Stroke or TIA"]


def texts(facts) -> list[str]:
    return [fact.text for fact in facts]


# --------------------------------------------------------------------------- atorvastatin (SPL)


def test_source_and_identity(lipitor_facts: LabelFacts) -> None:
    source = lipitor_facts.source
    assert (source.kind, source.set_id, source.version, source.effective_date) == ("spl", LIPITOR_SET_ID, 11,
                                                                                    date(2014, 1, 13))
    assert source.title == "Lipitor (atorvastatin calcium) tablet, film coated"
    assert source.url == f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={LIPITOR_SET_ID}"
    assert source.publisher.startswith("DailyMed")
    assert lipitor_facts.ingredients == ["atorvastatin"]
    assert lipitor_facts.product_names == ["Lipitor"]
    assert lipitor_facts.forms == ["tablet, film coated"] and lipitor_facts.routes == ["oral"]
    assert lipitor_facts.strengths == ["10 mg", "20 mg", "40 mg", "80 mg"]
    assert lipitor_facts.pharmacologic_classes == ["inhibitor of HMG-CoA reductase (statin)"]
    assert lipitor_facts.otc is False and lipitor_facts.boxed_warning == []


def test_the_most_common_adverse_reactions_and_their_threshold(lipitor_facts: LabelFacts) -> None:
    assert lipitor_facts.common_adverse_reaction_terms() == COMMON_TERMS
    highlights, full = lipitor_facts.common_adverse_reactions
    assert highlights.highlights and highlights.threshold == "≥ 2%" and highlights.threshold_percent == 2
    assert [t.term for t in highlights.terms] == COMMON_TERMS
    assert full.heading == "6.1 Clinical Trial Adverse Experiences" and full.threshold == "≥ 2%"
    assert [(t.term, t.incidence_percent) for t in full.terms] == [
        ("nasopharyngitis", 8.3), ("arthralgia", 6.9), ("diarrhea", 6.8), ("pain in extremity", 6.0),
        ("urinary tract infection", 5.7),
    ]
    assert full.text.startswith("The most commonly reported adverse reactions (incidence ≥ 2% and greater than")


def test_serious_risks_from_warnings_and_precautions(lipitor_facts: LabelFacts) -> None:
    warnings = lipitor_facts.serious_warnings
    assert [w.title for w in warnings] == WARNING_TITLES
    assert [w.number for w in warnings] == ["5.1", "5.2", "5.3", "5.4", "5.5"]
    assert warnings[1].highlights and warnings[1].text.startswith("Liver enzyme abnormalities: Persistent elevations")
    assert warnings[2].text == ("Increases in HbA1c and fasting serum glucose levels have been reported with "
                                "HMG-CoA reductase inhibitors, including LIPITOR.")
    assert lipitor_facts.serious_adverse_reactions.terms == ["Rhabdomyolysis and myopathy",
                                                             "Liver enzyme abnormalities"]


def test_indications(lipitor_facts: LabelFacts) -> None:
    indications = lipitor_facts.indications
    assert indications[0].text == "Reduce the risk of myocardial infarction"
    assert indications[0].lead.endswith("LIPITOR is indicated to:")
    assert indications[0].heading == "1.1 Prevention of Cardiovascular Disease"
    assert "Reduce the risk of hospitalization for CHF" in texts(indications)
    assert any(t.startswith("As an adjunct to diet for the treatment of patients with elevated serum TG") for t in
               texts(indications))
    assert not any(t.endswith(":") and "indicated" in t for t in texts(indications))  # leads are not indications


def test_dosing_mechanism_and_contraindications(lipitor_facts: LabelFacts) -> None:
    assert lipitor_facts.dosing.frequencies == ["once daily"]
    assert lipitor_facts.dosing.routes == ["oral"]
    assert "Dose range: 10 to 80 mg once daily (2.1)." in texts(lipitor_facts.dosing.statements)
    assert lipitor_facts.mechanism[0].text.startswith(
        "LIPITOR is a selective, competitive inhibitor of HMG-CoA reductase")
    assert lipitor_facts.mechanism[0].heading == "12.1 Mechanism of Action"
    assert texts(lipitor_facts.contraindications) == [
        ("Active liver disease, which may include unexplained persistent elevations in hepatic transaminase levels "
         "(4.1)."),
        "Women who are pregnant or may become pregnant (4.3).",
        "Nursing mothers (4.4).",
        "Hypersensitivity to any component of this medication (4.2).",
    ]


def test_pregnancy_and_breastfeeding(lipitor_facts: LabelFacts) -> None:
    assert lipitor_facts.pregnancy_category == "X"
    assert lipitor_facts.pregnancy_contraindicated and lipitor_facts.breastfeeding_contraindicated
    assert "LIPITOR is contraindicated in women who are or may become pregnant." in texts(lipitor_facts.pregnancy)
    assert not any("rat" in t.split() or "rabbits" in t for t in texts(lipitor_facts.pregnancy))  # animal studies
    assert "Women who are breastfeeding should be advised to not use LIPITOR." in texts(lipitor_facts.lactation)


def test_storage_overdose_and_missed_dose(lipitor_facts: LabelFacts) -> None:
    assert texts(lipitor_facts.storage) == [
        "Store at controlled room temperature 20 – 25°C (68 – 77°F) [see USP]."]
    assert texts(lipitor_facts.overdose)[0] == "There is no specific treatment for LIPITOR overdosage."
    [missed] = lipitor_facts.missed_dose
    assert missed.text.startswith("If you miss a dose of LIPITOR, take it as soon as you remember.")
    assert missed.text.endswith("Do not take 2 doses of LIPITOR at the same time.")
    assert missed.section == "patient_package_insert"


def test_interactions_come_from_the_highlights(lipitor_facts: LabelFacts) -> None:
    interactions = texts(lipitor_facts.interactions)
    assert "Digoxin: Patients should be monitored appropriately (7.8)." in interactions
    assert ("HIV protease inhibitor (lopinavir plus ritonavir) | Use with caution and lowest dose necessary"
            in interactions)
    assert "Interacting Agents | Prescribing Recommendations" not in interactions  # a table's header row


def test_the_facts_keep_the_label_sections(lipitor: LabelDocument, lipitor_facts: LabelFacts) -> None:
    assert lipitor_facts.sections == lipitor.sections


# --------------------------------------------------------------------------- the OTC label (SPL)


def test_otc_facts(otc_facts: LabelFacts) -> None:
    assert otc_facts.otc and otc_facts.source.set_id == OTC_SET_ID
    assert otc_facts.ingredients == ["diphenhydramine", "phenylephrine"]
    assert otc_facts.strengths == ["6.25 mg/5 mL", "2.5 mg/5 mL"]
    assert texts(otc_facts.purposes) == ["Antihistamine/cough suppressant", "Nasal decongestant"]
    assert texts(otc_facts.indications) == [
        "sneezing", "itchy nose or throat", "runny nose", "itchy, watery eyes due to hay fever",
        "nasal and sinus congestion", "cough due to minor throat and bronchial irritation as may occur with a cold",
    ]
    assert {fact.lead for fact in otc_facts.indications} == {"temporarily relieves"}
    assert otc_facts.dosing.frequencies == ["every 4 hours"]
    assert texts(otc_facts.do_not_use)[0] == "in a child under 4 years of age"
    assert "glaucoma" in texts(otc_facts.ask_doctor)
    assert "taking sedatives or tranquilizers." in texts(otc_facts.ask_doctor)
    assert texts(otc_facts.when_using)[1] == "marked drowsiness may occur"
    assert texts(otc_facts.stop_use)[0] == "nervousness, dizziness or sleeplessness occurs"
    assert texts(otc_facts.overdose) == [OVERDOSE]
    assert texts(otc_facts.storage) == ["store at controlled room temperature 20-25°C (68-77°F)"]
    assert texts(otc_facts.boxed_warning)[1].startswith("DO NOT USE IF SAFETY SEAL IMPRINTED")
    assert otc_facts.common_adverse_reactions == [] and otc_facts.serious_warnings == []
    assert otc_facts.pregnancy == [] and otc_facts.missed_dose == []


# --------------------------------------------------------------------------- the same labels from openFDA


def test_openfda_copy_of_atorvastatin_gives_the_same_key_facts(openfda_facts: dict[str, LabelFacts]) -> None:
    facts = openfda_facts[LIPITOR_SET_ID]
    assert facts.source.kind == "openfda" and facts.source.version == 11
    assert facts.source.effective_date == date(2014, 1, 13)
    assert facts.source.url.endswith(LIPITOR_SET_ID)
    assert facts.ingredients == ["atorvastatin"]
    assert facts.pharmacologic_classes == ["HMG-CoA Reductase Inhibitor"]
    assert facts.common_adverse_reaction_terms() == COMMON_TERMS
    assert facts.common_adverse_reactions[0].threshold == "≥ 2%"
    assert [w.title for w in facts.serious_warnings] == WARNING_TITLES
    assert facts.serious_warnings[0].text.startswith("Rare cases of rhabdomyolysis with acute renal failure")
    assert facts.dosing.frequencies == ["once daily"] and facts.routes == ["oral"]
    assert facts.pregnancy_category == "X" and facts.pregnancy_contraindicated
    assert facts.breastfeeding_contraindicated
    assert "Active liver disease, which may include unexplained persistent elevations in hepatic transaminase levels" \
        in texts(facts.contraindications)
    assert facts.missed_dose[0].text.startswith("If you miss a dose of LIPITOR, take it as soon as you remember.")
    assert facts.missed_dose[0].text.endswith("Do not take 2 doses of LIPITOR at the same time.")
    assert facts.overdose[0].text == "There is no specific treatment for LIPITOR overdosage."
    assert "7.2 Grapefruit Juice" in [f.heading for f in facts.interactions]


def test_openfda_copy_of_the_otc_label(openfda_facts: dict[str, LabelFacts]) -> None:
    facts = openfda_facts[OTC_SET_ID]
    assert facts.otc and facts.ingredients == ["diphenhydramine", "phenylephrine"]
    assert texts(facts.indications)[:3] == ["sneezing", "itchy nose or throat", "runny nose"]
    assert facts.indications[0].heading == "Uses"
    assert facts.dosing.frequencies == ["every 4 hours"]
    assert texts(facts.overdose) == [OVERDOSE]


# --------------------------------------------------------------------------- the parsers behind the facts


def ar_document(text: str) -> LabelDocument:
    return LabelDocument(kind="openfda", set_id="s", sections=[
        LabelSection(key="adverse_reactions", code="34084-4", heading="6 ADVERSE REACTIONS", text=text)])


@pytest.mark.parametrize(("sentence", "terms", "threshold"), [
    ("The most common adverse reactions (incidence ≥5%) are headache, nausea and dizziness.",
     ["headache", "nausea", "dizziness"], "≥ 5%"),
    ("Most common adverse reactions (greater than or equal to 10%) were rash; pruritus; and fatigue (6.1).",
     ["rash", "pruritus", "fatigue"], "≥ 10%"),
    ("The most frequently... no", [], None),
    ("The most common adverse events reported in at least 3% of patients include cough (4%), and fever (3.5%).",
     ["cough", "fever"], "≥ 3%"),
    ("The most common adverse reactions were injection site reactions and headache.",
     ["injection site reactions", "headache"], None),
    ("The most common adverse reactions leading to discontinuation were nausea and rash.", [], None),
])
def test_common_adverse_reaction_sentences(sentence: str, terms: list[str], threshold: str | None) -> None:
    facts = extract_facts(ar_document(sentence))
    if not terms:
        assert facts.common_adverse_reactions == []
        return
    [statement] = facts.common_adverse_reactions
    assert [t.term for t in statement.terms] == terms and statement.threshold == threshold


@pytest.mark.parametrize(("text", "title"), [
    ("Skeletal Muscle Rare cases of rhabdomyolysis", "Skeletal Muscle"),
    ("Endocrine Function Increases in HbA1c and fasting serum glucose", "Endocrine Function"),
    ("Use in Patients with Recent Stroke or TIA In a post-hoc analysis of",
     "Use in Patients with Recent Stroke or TIA"),
    ("Strong Inhibitors of CYP 3A4 LIPITOR is metabolized by", "Strong Inhibitors of CYP 3A4"),
    ("Oral Contraceptives Co-administration of LIPITOR and an oral contraceptive increased", "Oral Contraceptives"),
    ("Pediatric Patients (ages 10–17 years) In a 26-week controlled study",
     "Pediatric Patients (ages 10–17 years)"),
    ("Active liver disease, which may include elevations", ""),
])
def test_run_in_subsection_titles(text: str, title: str) -> None:
    found, rest = split_run_in_title(text)
    assert found == title
    assert f"{found} {rest}".strip() == text


def test_sentences_do_not_end_at_abbreviations() -> None:
    assert sentences("Use with caution, e.g. in the elderly. Take 2.5 mg daily vs. placebo. Done.") == [
        "Use with caution, e.g. in the elderly.", "Take 2.5 mg daily vs. placebo.", "Done.",
    ]


def test_inline_bullets() -> None:
    assert split_bullets("relieves • cough • runny nose") == ("relieves", ["cough", "runny nose"])
    assert split_bullets("•cough •fever") == ("", ["cough", "fever"])
    assert split_bullets("2Ca•3H2O") == ("2Ca•3H2O", [])


def test_ingredient_names_are_canonical() -> None:
    assert canonical_ingredient("ATORVASTATIN CALCIUM TRIHYDRATE") == "atorvastatin"
    assert canonical_ingredient("Paracetamol") == canonical_ingredient("ACETAMINOPHEN") == "acetaminophen"
    assert canonical_ingredient("Examplamine Hydrochloride Monohydrate") == "examplamine"  # unknown: salts dropped
    assert strip_salt_words("Sodium") == "Sodium"


@given(st.text(max_size=400))
def test_facts_from_any_text_never_fail(text: str) -> None:
    document = ar_document(text)
    document.sections += [LabelSection(key=key, text=text, heading="") for key in (
        "indications", "dosage", "contraindications", "warnings_and_precautions", "pregnancy", "storage_and_handling")]
    extract_facts(document)
