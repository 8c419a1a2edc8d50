"""DailyMed SPL XML: the two real FDA documents read into products and clean, structured sections."""

from __future__ import annotations

import tracemalloc
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medpages.errors import InputError
from medpages.model.label import LabelDocument
from medpages.sources.spl import read_spl

from label_samples import LIPITOR_SET_ID, OTC_SET_ID


def keys(document: LabelDocument) -> list[str | None]:
    return [section.key for section in document.sections]


def section(document: LabelDocument, key: str):
    return next(s for s in document.all_sections() if s.key == key)


def test_the_prescription_label_header(lipitor: LabelDocument) -> None:
    assert lipitor.kind == "spl"
    assert lipitor.set_id == LIPITOR_SET_ID
    assert lipitor.document_id == "20a11732-b9f5-4b59-9d86-c63f11b139d9"
    assert lipitor.version == 11
    assert lipitor.effective_date == date(2014, 1, 13)
    assert lipitor.document_type == "HUMAN PRESCRIPTION DRUG LABEL"
    assert lipitor.labeler == "Parke-Davis Div of Pfizer Inc"
    assert "LIPITOR® (atorvastatin calcium) Tablets for oral administration" in lipitor.title
    assert lipitor.url == f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={LIPITOR_SET_ID}"


def test_the_prescription_label_products(lipitor: LabelDocument) -> None:
    assert [p.code for p in lipitor.products] == ["0071-0155", "0071-0156", "0071-0157", "0071-0158"]
    for product, strength in zip(lipitor.products, (10, 20, 40, 80), strict=True):
        assert product.name == "Lipitor"
        assert product.generic_name == "atorvastatin calcium"
        assert product.form == "tablet, film coated"
        assert product.routes == ["oral"]
        [ingredient] = product.ingredients  # the inactive ones are not listed
        assert (ingredient.name, ingredient.moiety) == ("ATORVASTATIN CALCIUM TRIHYDRATE", "ATORVASTATIN")
        assert ingredient.strength.text == f"{strength} mg"
        assert (ingredient.strength.amount, ingredient.strength.unit) == (strength, "mg")
        assert ingredient.strength.per_amount is None


def test_sections_are_recognised_by_loinc_code_in_document_order(lipitor: LabelDocument) -> None:
    assert keys(lipitor)[:13] == [
        "recent_major_changes", "indications", "dosage", "dosage_forms_and_strengths", "contraindications",
        "warnings_and_precautions", "adverse_reactions", "drug_interactions", "use_in_specific_populations",
        "overdosage", "description", "clinical_pharmacology", "nonclinical_toxicology",
    ]
    assert {"how_supplied", "information_for_patients", "patient_package_insert", "package_label"} <= set(keys(lipitor))
    # Nested sections keep their own codes: pregnancy under 8 (and under 4), mechanism under 12.
    assert section(lipitor, "mechanism_of_action").heading == "12.1 Mechanism of Action"
    assert [s.heading for s in lipitor.sections_with("pregnancy")] == ["4.3 Pregnancy", "8.1 Pregnancy"]
    assert section(lipitor, "storage_and_handling").heading == "Storage and Handling"  # untitled: the LOINC name
    assert section(lipitor, "storage_and_handling").code == "44425-7"
    assert "product_data" not in keys(lipitor) and None not in keys(lipitor)[:13]


def test_subsections_keep_their_numbered_headings(lipitor: LabelDocument) -> None:
    warnings = section(lipitor, "warnings_and_precautions")
    assert warnings.heading == "5 WARNINGS AND PRECAUTIONS"
    assert [(s.number, s.title) for s in warnings.subsections] == [
        ("5.1", "Skeletal Muscle"), ("5.2", "Liver Dysfunction"), ("5.3", "Endocrine Function"),
        ("5.4", "CNS Toxicity"), ("5.5", "Use in Patients with Recent Stroke or TIA"),
    ]


def test_text_is_clean_with_lists_and_flattened_tables(lipitor: LabelDocument) -> None:
    indications = section(lipitor, "indications")
    prevention = indications.subsections[0].text
    assert ("LIPITOR is indicated to:\n\n- Reduce the risk of myocardial infarction\n- Reduce the risk of stroke\n"
            in prevention)
    nested = indications.subsections[1].text
    assert "  1. LDL-C remains ≥ 190 mg/dL or" in nested  # an ordered list inside a bullet
    assert "    - there is a positive family history of premature cardiovascular disease or" in nested
    clinical = section(lipitor, "adverse_reactions").subsections[0].text
    assert "\n| Nasopharyngitis | 8.3 | 12.9 | 5.3 | 7.0 | 4.2 | 8.2 |\n" in clinical
    for current in lipitor.all_sections():
        for line in (current.heading + "\n" + current.text).split("\n"):
            cells = line.strip(" |").split(" | ") if line.lstrip(" ").startswith("| ") else [line.lstrip(" ")]
            for cell in cells:  # an empty table cell is `|  |`
                assert "\t" not in cell and "  " not in cell and cell == cell.strip(" "), line


def test_the_highlights_are_kept_beside_the_full_text(lipitor: LabelDocument) -> None:
    adverse = section(lipitor, "adverse_reactions")
    assert adverse.highlights.startswith("The most commonly reported adverse reactions (incidence ≥ 2%)")
    assert "Highlights" not in adverse.text and "(incidence ≥ 2%) in patients treated" not in adverse.text


def test_cross_references_and_footnotes_read_naturally(lipitor: LabelDocument) -> None:
    text = section(lipitor, "dosage").full_text()
    assert ("[see current NCEP Pediatric Panel Guidelines, Clinical Pharmacology (12), and Indications and Usage (1.2)]"
            in text)
    # a formula, not a bullet; subscripts keep their meaning (flattened they read "C33H34")
    assert "(C₃₃H₃₄FN₂O₅)₂Ca•3H₂O" in section(lipitor, "description").text


def test_full_text_renders_headings_at_their_depth(lipitor: LabelDocument) -> None:
    text = section(lipitor, "clinical_pharmacology").full_text()
    assert text.startswith("## 12 CLINICAL PHARMACOLOGY\n\n### 12.1 Mechanism of Action\n\nLIPITOR is a selective")


def test_the_otc_label(otc: LabelDocument) -> None:
    assert (otc.set_id, otc.version, otc.effective_date) == (OTC_SET_ID, 1, date(2011, 4, 26))
    assert otc.document_type == "HUMAN OTC DRUG LABEL"
    [product] = otc.products
    assert product.name == "TRIAMINIC Childrens Night Time Cold and Cough"  # name and suffix
    assert product.form == "syrup" and product.routes == ["oral"]
    assert [(i.moiety, i.strength.text) for i in product.ingredients] == [
        ("DIPHENHYDRAMINE", "6.25 mg/5 mL"), ("PHENYLEPHRINE", "2.5 mg/5 mL"),
    ]
    strength = product.ingredients[0].strength
    assert (strength.amount, strength.unit, strength.per_amount, strength.per_unit) == (6.25, "mg", 5, "mL")
    assert keys(otc) == [
        "active_ingredient", "purpose", "indications", "warnings", "dosage", "unclassified",
        "inactive_ingredient", "questions", "unclassified", "package_label",
    ]
    warnings = section(otc, "warnings")
    assert [s.key for s in warnings.subsections] == [
        "do_not_use", "ask_doctor", "ask_doctor_or_pharmacist", "when_using", "stop_use",
        "keep_out_of_reach_of_children",
    ]
    assert section(otc, "boxed_warning").text.startswith("TAMPER-EVIDENT FEATURE:")


def test_otc_inline_bullets_become_list_items(otc: LabelDocument) -> None:
    assert section(otc, "indications").text == (
        "- temporarily relieves\n  - sneezing\n  - itchy nose or throat\n  - runny nose\n"
        "  - itchy, watery eyes due to hay fever\n  - nasal and sinus congestion\n"
        "  - cough due to minor throat and bronchial irritation as may occur with a cold"
    )
    assert section(otc, "ask_doctor").text.startswith(
        "- heart disease\n- high blood pressure\n- thyroid disease\n- diabetes\n")
    assert section(otc, "dosage").text.endswith(
        "| Age | Dose |\n| children under 4 years of age | do not use |\n"
        "| children 4 to under 6 years of age | do not use unless directed by a doctor |\n"
        "| children 6 to under 12 years of age | 2 teaspoonfuls (10 mL) |"
    )


# --------------------------------------------------------------------------- hostile documents


SPL_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<document xmlns="urn:hl7-org:v3">\n'


def test_malformed_xml_names_the_line() -> None:
    data = SPL_HEAD + b'<setId root="x"/>\n<title>ok</title>\n<component><section></component>\n</document>'
    with pytest.raises(InputError, match=r"^broken\.xml:5: malformed XML \(mismatched tag, column \d+\)"):
        read_spl(data, origin="broken.xml")


def test_a_billion_laughs_is_refused_without_expanding_it() -> None:
    entities = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE document [<!ENTITY lol0 "lol">{entities}]>'
            '<document xmlns="urn:hl7-org:v3"><title>&lol9;</title></document>').encode()
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="declares entities"):
            read_spl(bomb, origin="bomb.xml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Expanded, &lol9; is 3 GB of text; refused before expansion, reading it costs a few kilobytes.
    assert peak < 1_000_000


def test_external_entities_are_refused() -> None:
    xxe = (b'<?xml version="1.0"?><!DOCTYPE document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
           b'<document xmlns="urn:hl7-org:v3"><title>&secret;</title></document>')
    with pytest.raises(InputError, match="declares entities or external references"):
        read_spl(xxe, origin="xxe.xml")


def test_other_xml_is_not_taken_for_a_label() -> None:
    with pytest.raises(InputError, match="not a DailyMed SPL document: its root element is <rss>"):
        read_spl(b"<rss><channel/></rss>", origin="feed.xml")
    with pytest.raises(InputError, match="has no setId"):
        read_spl(SPL_HEAD + b"<title>no set id</title></document>", origin="x.xml")


def test_absurdly_deep_sections_are_refused() -> None:
    depth = 300
    body = b"<component><section>" * depth + b"</section></component>" * depth
    data = (SPL_HEAD + b'<setId root="s"/><component><structuredBody>' + body
            + b"</structuredBody></component></document>")
    with pytest.raises(InputError, match="nested more than"):
        read_spl(data, origin="deep.xml")


def test_a_minimal_label_reads_with_what_it_has() -> None:
    data = SPL_HEAD + (
        b'<setId root="s-1"/><versionNumber value="x"/><effectiveTime value="2020"/>'
        b'<component><structuredBody><component><section><code code="34067-9"/>'
        b"<text><paragraph>Used for <content>tests</content>.</paragraph></text></section></component>"
        b"</structuredBody></component></document>"
    )
    document = read_spl(data, origin="minimal.xml")
    assert (document.set_id, document.version, document.effective_date) == ("s-1", None, None)
    assert document.sections[0].heading == "Indications and Usage"
    assert document.sections[0].text == "Used for tests."


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: SPL_HEAD + t.encode("utf-8", "surrogatepass")))
def test_any_bytes_give_a_label_or_an_input_error(data: bytes) -> None:
    try:
        read_spl(data, origin="random.xml")
    except InputError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=200))
def test_any_paragraph_text_comes_out_clean(text: str) -> None:
    from xml.sax.saxutils import escape

    data = SPL_HEAD + (
        '<setId root="s"/><component><structuredBody><component><section><code code="34067-9"/>'
        f"<text><paragraph>{escape(text)}</paragraph></text></section></component></structuredBody></component>"
        "</document>"
    ).encode()
    rendered = read_spl(data, origin="p.xml").sections[0].text
    for line in rendered.split("\n"):
        assert line == line.rstrip() and "  " not in line.lstrip(" ")


def test_every_known_section_code_is_a_valid_loinc_code() -> None:
    from medpages.sources.sections import BY_CODE

    for code in BY_CODE:
        number, check = code.split("-")
        total = 0
        for position, digit in enumerate(reversed(number)):  # LOINC's mod-10 check digit
            doubled = int(digit) * (2 if position % 2 == 0 else 1)
            total += doubled // 10 + doubled % 10
        assert (10 - total % 10) % 10 == int(check), code
