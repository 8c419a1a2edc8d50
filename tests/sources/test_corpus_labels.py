"""The 41 real labels of tests/fixtures/labels: each reads, and says what the label itself says.

The expectations were written from each label's XML (its products, its adverse-reaction tables and
sentences) before the reader was made to meet them. Rates are the medicine's arm, never placebo's
or a comparator's: celecoxib's headache is 15.8% (placebo 20.2%), carvedilol's dizziness 32% (the
highest of its two heart-failure columns; placebo 19%), Viagra's headache 28% (its 100 mg column,
the highest of the dose columns; placebo 7%).
"""

from __future__ import annotations

import pytest

from medpages.model.facts import LabelFacts
from medpages.sources.text import text_units

from fixture_files import LABELS_DIR as CORPUS

# stem: (canonical ingredients, routes, forms, otc), from each label's product data section.
IDENTITY: dict[str, tuple[list[str], list[str], list[str], bool]] = {
    "allergenic-extract-grass-pollen": (
        ["agrostis gigantea pollen", "anthoxanthum odoratum pollen", "cynodon dactylon pollen",
         "dactylis glomerata pollen", "lolium perenne pollen", "lolium pratense pollen", "phleum pratense pollen",
         "poa pratensis pollen"], ["percutaneous", "subcutaneous"], ["injection, solution"], False),
    "bromsite-bromfenac": (["bromfenac"], ["ophthalmic"], ["solution/ drops"], False),
    "butalbital-aspirin-caffeine-caps": (["aspirin", "butalbital", "caffeine"], ["oral"], ["capsule"], False),
    "cambia-diclofenac-oral-soln-powder": (["diclofenac"], ["oral"], ["powder, for solution"], False),
    "carvedilol-tab": (["carvedilol"], ["oral"], ["tablet, film coated"], False),
    "celebrex-celecoxib-caps": (["celecoxib"], ["oral"], ["capsule"], False),
    "ciprofloxacin-tab": (["ciprofloxacin"], ["oral"], ["tablet, film coated"], False),
    "depo-medrol-v1-2006": (["methylprednisolone"], ["intramuscular", "intrasynovial", "intralesional", "soft tissue"],
                            ["injection, suspension"], False),
    "depo-medrol-v20-2021": (["methylprednisolone"], ["intramuscular", "intra-articular", "intralesional",
                                                      "soft tissue"], ["injection, suspension"], False),
    "diclofenac-3pct-gel-nonplr": (["diclofenac"], ["topical"], ["gel"], False),
    "fiorinal-codeine-combo": (["aspirin", "butalbital", "caffeine", "codeine"], ["oral"], ["capsule"], False),
    "glumetza-metformin-er": (["metformin"], ["oral"], ["tablet, film coated, extended release"], False),
    "homeopathic-coffea-6c": (["arabica coffee bean"], ["oral"], ["pellet"], True),
    "homeopathic-quent-4x": (["penicillium glabrum"], ["oral"], ["liquid"], True),
    "hydrocodone-ibuprofen-tab": (["hydrocodone", "ibuprofen"], ["oral"], ["tablet, film coated"], False),
    "ketorolac-ophth-nonplr": (["ketorolac"], ["ophthalmic"], ["solution"], False),
    "ketorolac-tab-1998": (["ketorolac"], ["oral"], ["tablet"], False),
    "kit-diclofenac-solution-capsaicin-cream": (["capsaicin", "diclofenac"], ["topical"], ["kit"], False),
    "metformin-oral-solution-500mg5ml": (["metformin"], ["oral"], ["solution"], False),
    "naprosyn-naproxen-susp": (["naproxen"], ["oral"], ["suspension"], False),
    "naproxen-oral-susp-plr": (["naproxen"], ["oral"], ["suspension"], False),
    "nudroxipak-celecoxib-kit": (["capsaicin", "celecoxib", "menthol", "salicylic acid"], ["oral", "topical"], ["kit"],
                                 False),
    "omidria-phenylephrine-ketorolac": (["ketorolac", "phenylephrine"], ["intraocular"],
                                        ["injection, solution, concentrate"], False),
    "otc-advil-multiproduct": (["ibuprofen"], ["oral"], ["tablet, coated"], True),
    # magnesium hydroxide, not its moiety "magnesium cation"
    "otc-antacid-alhydroxide-mghydroxide-simethicone": (["aluminum hydroxide", "dimethicone", "magnesium hydroxide"],
                                                        ["oral"], ["suspension"], True),
    "otc-childrens-ibuprofen-susp": (["ibuprofen"], ["oral"], ["suspension"], True),
    "otc-hawaiian-tropic-spf30": (["avobenzone", "octocrylene", "oxybenzone"], ["topical"], ["spray"], True),
    "otc-migraine-apap-asa-caffeine": (["acetaminophen", "aspirin", "caffeine"], ["oral"], ["tablet, film coated"], True),
    "otc-naproxen-pseudoephedrine-er": (["naproxen", "pseudoephedrine"], ["oral"],
                                        ["tablet, film coated, extended release"], True),
    # camphor, not "camphor (synthetic)"
    "otc-pain-patch-mesal-camphor-menthol": (["camphor", "levomenthol", "salicylic acid"], ["topical"], ["patch"], True),
    "pennsaid-diclofenac-topsol": (["diclofenac"], ["topical"], ["solution"], False),
    "primidone-tab": (["primidone"], ["oral"], ["tablet"], False),
    "prolensa-bromfenac-ophth": (["bromfenac"], ["ophthalmic"], ["solution/ drops"], False),
    "shingrix-vaccine": (["recombinant varicella zoster virus glycoprotein e antigen"], ["intramuscular"],
                         ["kit", "injection, solution"], False),
    "sprix-ketorolac-nasal": (["ketorolac"], ["nasal"], ["spray, metered"], False),
    "treximet-sumatriptan-naproxen": (["naproxen", "sumatriptan"], ["oral"], ["tablet, film coated"], False),
    "veklury-remdesivir-eua": (["remdesivir"], ["intravenous"],
                               ["injection", "injection, powder, lyophilized, for solution"], False),
    "viagra-sildenafil": (["sildenafil"], ["oral"], ["tablet, film coated"], False),
    "vicoprofen-2011": (["hydrocodone", "ibuprofen"], ["oral"], ["tablet, coated"], False),
    "vimovo-naproxen-esomeprazole": (["esomeprazole", "naproxen"], ["oral"], ["tablet, delayed release"], False),
    "voltaren-diclofenac-gel": (["diclofenac"], ["topical"], ["gel"], False),
}

# stem: {reaction as the table writes it: percent in the medicine's arm}, from the label's tables
# (or its starred lists), read by hand.
RATES: dict[str, dict[str, float]] = {
    "celebrex-celecoxib-caps": {"Headache": 15.8, "Dyspepsia": 8.8, "Abdominal Pain": 4.1, "Diarrhea": 5.6,
                                "Upper Respiratory Infection": 8.1},
    "carvedilol-tab": {"Dizziness": 32, "Fatigue": 24, "Hypotension": 14, "Bradycardia": 10, "Diarrhea": 12,
                       "Weight increase": 12, "Postural hypotension": 2},
    "viagra-sildenafil": {"Headache": 28, "Flushing": 19, "Dyspepsia": 17, "Abnormal vision": 11},
    "voltaren-diclofenac-gel": {"Application site dermatitis": 4},
    "pennsaid-diclofenac-topsol": {"Urinary tract infection": 3, "Dry Skin (Application Site)": 32, "Dyspepsia": 8},
    "vimovo-naproxen-esomeprazole": {"Gastritis": 17, "Diarrhea": 6, "Upper respiratory tract infection": 5},
    "treximet-sumatriptan-naproxen": {"Dizziness": 4, "Somnolence": 3, "Nausea": 3},
    "sprix-ketorolac-nasal": {"Nasal discomfort": 15, "Rhinalgia": 13, "Lacrimation increased": 5, "Oliguria": 3},
    "glumetza-metformin-er": {"Hypoglycemia": 14, "Diarrhea": 13, "Nausea": 7},
    "metformin-oral-solution-500mg5ml": {"Diarrhea": 53, "Nausea/Vomiting": 26, "Flatulence": 12},
    "cambia-diclofenac-oral-soln-powder": {"Nausea": 3, "Dizziness": 1},
    "omidria-phenylephrine-ketorolac": {"Anterior Chamber Inflammation": 24, "Intraocular Pressure Increased": 4},
    "shingrix-vaccine": {"Pain": 88, "Redness": 39, "Myalgia": 57, "Fatigue": 57, "Headache": 51},
    "diclofenac-3pct-gel-nonplr": {"Contact Dermatitis": 33, "Dry Skin": 27, "Rash": 46, "Flu Syndrome": 10},
    "kit-diclofenac-solution-capsaicin-cream": {"Dry Skin (Application Site)": 32, "Dyspepsia": 8},
    "fiorinal-codeine-combo": {"Drowsiness": 2.4, "Dizziness/Lightheadedness": 2.6, "Nausea/Abdominal Pain": 3.7},
    "vicoprofen-2011": {"Headache": 27, "Somnolence": 22, "Constipation": 22, "Nausea": 21, "Dizziness": 14},
    "hydrocodone-ibuprofen-tab": {"Headache": 27, "Somnolence": 22, "Dyspepsia": 12},
}

# Rows that are body systems, totals or another arm's rates: never reactions.
NOT_REACTIONS: dict[str, list[str]] = {
    "diclofenac-3pct-gel-nonplr": ["BODY AS A WHOLE", "SKIN AND APPENDAGES", "DIGESTIVE SYSTEM"],
    "treximet-sumatriptan-naproxen": ["Nervous system disorders", "Gastrointestinal disorders"],
    "voltaren-diclofenac-gel": ["Any application site reaction"],
    "omidria-phenylephrine-ketorolac": ["Ocular Events"],
    "celebrex-celecoxib-caps": ["Any Event", "Gastrointestinal"],
    "ciprofloxacin-tab": ["All Patients (within 6 weeks)", "95% Confidence Interval2"],
    "shingrix-vaccine": ["Pain, Grade 3", "Redness, >100 mm", "Local Adverse Reactions"],
}

# stem: terms of its "most common adverse reactions" sentence, in the label's words (lower case).
SENTENCES: dict[str, list[str]] = {
    "primidone-tab": ["ataxia", "vertigo"],
    "butalbital-aspirin-caffeine-caps": ["drowsiness", "dizziness"],
    "ketorolac-ophth-nonplr": ["transient stinging", "burning on instillation"],
    "ketorolac-tab-1998": ["abdominal pain", "dyspepsia", "nausea", "heartburn", "gi fullness"],
    "naproxen-oral-susp-plr": ["dyspepsia", "abdominal pain", "nausea", "headache", "rash"],
    "prolensa-bromfenac-ophth": ["anterior chamber inflammation", "eye pain", "photophobia"],
    "ciprofloxacin-tab": ["nausea", "diarrhea", "vomiting", "rash"],
    "sprix-ketorolac-nasal": ["nasal discomfort", "rhinalgia"],
}


def test_every_corpus_label_reads(corpus_facts):
    assert len(corpus_facts) == 41 == len(IDENTITY)
    for stem, facts in corpus_facts.items():
        assert facts.sections and facts.ingredients, stem


@pytest.mark.parametrize("stem", sorted(IDENTITY))
def test_identity_is_the_labels(corpus_facts, stem):
    ingredients, routes, forms, otc = IDENTITY[stem]
    facts: LabelFacts = corpus_facts[stem]
    assert (facts.ingredients, facts.routes, facts.forms, facts.otc) == (ingredients, routes, forms, otc)


@pytest.mark.parametrize("stem", sorted(RATES))
def test_reactions_with_their_rate_in_the_medicines_arm(corpus_facts, stem):
    found = {rate.term: rate for rate in corpus_facts[stem].adverse_reaction_rates}
    for term, percent in RATES[stem].items():
        assert term in found, (term, sorted(found))
        assert found[term].percent == percent, (term, found[term])
        assert "placebo" not in found[term].column.lower() and "vehicle" not in found[term].column.lower()


@pytest.mark.parametrize("stem", sorted(NOT_REACTIONS))
def test_groups_totals_and_subsets_are_not_reactions(corpus_facts, stem):
    terms = {rate.term for rate in corpus_facts[stem].adverse_reaction_rates}
    assert not terms & set(NOT_REACTIONS[stem])


@pytest.mark.parametrize("stem", sorted(SENTENCES))
def test_most_common_reactions_given_as_a_sentence(corpus_facts, stem):
    terms = corpus_facts[stem].common_adverse_reaction_terms()
    assert set(SENTENCES[stem]) <= set(terms), terms


def test_contact_and_reporting_lines_are_never_reactions(corpus_facts):
    for stem, facts in corpus_facts.items():
        terms = facts.common_adverse_reaction_terms() + [rate.term for rate in facts.adverse_reaction_rates]
        for term in terms:
            assert not any(word in term.lower() for word in ("1-800", "www.", "medwatch", "call ", "to report")), \
                (stem, term)


OTC_STEMS = [stem for stem, identity in IDENTITY.items() if identity[3]]


@pytest.mark.parametrize("stem", OTC_STEMS)
def test_otc_drug_facts_carry_uses_directions_and_warnings(corpus_facts, stem):
    facts = corpus_facts[stem]
    assert facts.indications, "Uses"
    assert facts.dosing.statements, "Directions"
    if stem not in ("homeopathic-coffea-6c", "homeopathic-quent-4x", "otc-antacid-alhydroxide-mghydroxide-simethicone"):
        assert facts.stop_use or facts.when_using, "Stop use / When using"
    assert not any(fact.text.lower().startswith("each 5 ml") for fact in facts.storage)


def test_otc_warnings_written_inside_warnings_are_read(corpus_facts):
    patch = corpus_facts["otc-pain-patch-mesal-camphor-menthol"]
    assert [fact.text for fact in patch.do_not_use][:1] == ["on wounds or damaged skin"]
    assert patch.storage and patch.storage[0].text == "avoid storing product in direct sunlight"
    sunscreen = corpus_facts["otc-hawaiian-tropic-spf30"]
    assert [fact.text for fact in sunscreen.purposes] == ["Sunscreen"]  # coded as Description by the label
    assert sunscreen.dosing.statements[0].text.startswith("apply generously and evenly")
    advil = corpus_facts["otc-advil-multiproduct"]
    assert advil.do_not_use and advil.ask_doctor and advil.stop_use and advil.storage


def test_every_list_item_of_a_label_is_kept(corpus_facts):
    """Items written in the XML (`<item>`) are all in the text: none lost, nested ones too."""
    from xml.etree import ElementTree

    from medpages.sources.spl import NAMESPACE, read_spl

    for stem in ("carvedilol-tab", "otc-advil-multiproduct", "ciprofloxacin-tab", "treximet-sumatriptan-naproxen"):
        data = (CORPUS / f"{stem}.xml").read_bytes()
        root = ElementTree.fromstring(data)
        in_tables = {id(item) for table in root.iter(f"{{{NAMESPACE}}}table")
                     for item in table.iter(f"{{{NAMESPACE}}}item")}  # items in a cell are in its row
        written = sum(1 for item in root.iter(f"{{{NAMESPACE}}}item") if id(item) not in in_tables)
        document = read_spl(data, origin=stem)
        kept = sum(1 for section in document.all_sections() for text in (section.text, section.highlights)
                   for unit in text_units(text) if unit.kind == "item")
        assert kept >= written, (stem, kept, written)


def test_a_table_with_only_a_combination_arm_says_so_in_its_column(corpus_facts):
    # Glumetza's only table (6.1, Table 1) has the columns `GLUMETZA + Glyburide (n=431)` and
    # `Placebo + Glyburide (n=144)`: no column of GLUMETZA alone, so the rates are the pair's and
    # `column` names glyburide.
    found = {rate.term: rate for rate in corpus_facts["glumetza-metformin-er"].adverse_reaction_rates}
    assert {term: rate.percent for term, rate in found.items()} == {"Hypoglycemia": 14, "Diarrhea": 13, "Nausea": 7}
    assert all(rate.column == "GLUMETZA + Glyburide (n=431)" for rate in found.values())


def test_a_single_medicine_column_wins_over_a_combination_arm():
    from medpages.model.label import LabelSection, LabelTable
    from medpages.sources.reaction_tables import reaction_rates

    table = LabelTable(caption="Adverse reactions (%)", rows=[
        ["Reaction", "GLUMETZA + Glyburide (n=431)", "GLUMETZA (n=200)", "Placebo (n=144)"],
        ["Hypoglycemia", "14", "2", "1"], ["Diarrhea", "13", "17", "6"]])
    section = LabelSection(key="adverse_reactions", heading="6.1 Clinical Trials Experience", tables=[table])
    found = {rate.term: rate for rate in reaction_rates([section], names=["metformin"], brands=["GLUMETZA"])}
    assert (found["Hypoglycemia"].percent, found["Diarrhea"].percent) == (2, 17)
    assert {rate.column for rate in found.values()} == {"GLUMETZA (n=200)"}


@pytest.mark.parametrize("stem", ["naprosyn-naproxen-susp", "naproxen-oral-susp-plr"])
def test_starred_lists_by_body_system_give_the_legends_ranges(corpus_facts, stem):
    # 6.1: "the most frequently reported adverse experiences in approximately 1% to 10% of patients
    # are:", "Central Nervous System: headache*, dizziness*, drowsiness*, lightheadedness, vertigo", ...
    # "*Incidence of reported reaction between 3% and 9%. Those reactions occurring in less than 3%
    # of the patients are unmarked." Then the class's lists ("In patients taking NSAIDs, ...") have no legend.
    found = {rate.term: rate for rate in corpus_facts[stem].adverse_reaction_rates}
    assert (found["headache"].frequency, found["headache"].percent, found["headache"].group) == \
        ("3% to 9%", 3, "Central Nervous System")
    assert (found["heartburn"].frequency, found["heartburn"].group) == ("3% to 9%", "Gastrointestinal (GI)")
    assert found["tinnitus"].frequency == "3% to 9%" and found["dyspnea"].frequency == "3% to 9%"
    assert (found["vertigo"].frequency, found["vertigo"].percent) == ("1% to 3%", 1)
    assert found["diarrhea"].frequency == "1% to 3%"
    assert not {"flatulence", "vomiting", "anemia", "rashes"} & set(found)  # the NSAID class's lists
    assert not {"jaundice", "asthma", "infertility"} & set(found)  # postmarketing, <1%


def test_a_local_reactions_row_groups_the_rows_under_it(corpus_facts):
    # Shingrix Table 1: `Local Adverse Reactions` (its cells the columns' n = 1,315 %) above Pain 88,
    # Redness 39, Swelling 31; then `General Adverse Reactions` above Myalgia 57 ...
    found = {rate.term: rate for rate in corpus_facts["shingrix-vaccine"].adverse_reaction_rates}
    for term, percent in {"Pain": 88, "Redness": 39, "Swelling": 31}.items():
        assert (found[term].percent, found[term].group) == (percent, "Local Adverse Reactions")
    assert (found["Myalgia"].percent, found["Myalgia"].group) == (57, "General Adverse Reactions")


def test_a_table_of_local_reactions_by_its_caption_groups_its_rows():
    from medpages.model.label import LabelSection, LabelTable
    from medpages.sources.reaction_tables import reaction_rates

    table = LabelTable(caption="Table 2. Solicited Injection-Site Reactions (%)", rows=[
        ["Reaction", "VACCINE (n=500)", "Placebo (n=498)"], ["Pain", "70", "10"], ["Redness", "20", "2"]])
    section = LabelSection(key="adverse_reactions", heading="6.1 Clinical Trials Experience", tables=[table])
    found = {rate.term: rate for rate in reaction_rates([section], names=["antigen"], brands=["VACCINE"])}
    assert found["Pain"].group == "Injection-Site Reactions" and found["Pain"].percent == 70
