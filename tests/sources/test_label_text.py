"""Small synthetic SPL snippets: lists, line breaks, super- and subscripts, reaction tables and sentences."""

from __future__ import annotations

from medpages.sources.facts import extract_facts
from medpages.sources.spl import read_spl

_PRODUCT = """
<component><section><code code="48780-1"/><subject><manufacturedProduct><manufacturedProduct>
  <name>Examplex</name><formCode displayName="TABLET"/>
  <asEntityWithGeneric><genericMedicine><name>examplamine</name></genericMedicine></asEntityWithGeneric>
  <ingredient classCode="ACTIB"><quantity><numerator unit="mg" value="10"/><denominator unit="1" value="1"/></quantity>
    <ingredientSubstance><name>EXAMPLAMINE</name></ingredientSubstance></ingredient>
</manufacturedProduct><consumedIn><substanceAdministration><routeCode displayName="ORAL"/></substanceAdministration>
</consumedIn></manufacturedProduct></subject></section></component>"""


def _label(body: str, code: str = "34084-4", title: str = "6 ADVERSE REACTIONS"):
    xml = f"""<?xml version="1.0"?>
<document xmlns="urn:hl7-org:v3"><id root="d1"/><code displayName="HUMAN PRESCRIPTION DRUG LABEL"/>
<setId root="00000000-0000-4000-8000-00000000abcd"/><versionNumber value="1"/><effectiveTime value="20240101"/>
<component><structuredBody>{_PRODUCT}
<component><section><code code="{code}"/><title>{title}</title><text>{body}</text></section></component>
</structuredBody></component></document>"""
    document = read_spl(xml.encode(), origin="synthetic.xml")
    return document, extract_facts(document)


def _text(document) -> str:
    return next(section.text for section in document.sections if section.code)


def test_every_item_is_kept_nested_lists_too():
    document, _ = _label("<list><item>one<list><item>one a</item><item>one b</item></list></item>"
                         "<item>two</item><item><paragraph>three</paragraph></item></list>")
    assert _text(document) == "- one\n  - one a\n  - one b\n- two\n- three"


def test_line_breaks_and_raised_text_keep_their_meaning():
    document, _ = _label("<paragraph>Give 1.5 x 10<sup>6</sup> cells/kg or 75 mg/m<sup>2</sup>"
                         "<br/>then 25 mg<br/>daily; H<sub>2</sub>O; C<sub>max</sub>; Examplex<sup>®</sup>"
                         "; rate<sup>a</sup></paragraph>", code="34068-7", title="2 DOSAGE")
    assert _text(document) == "Give 1.5 x 10⁶ cells/kg or 75 mg/m²\nthen 25 mg\ndaily; H₂O; Cmax; Examplex®; rateᵃ"


def test_a_table_by_dose_and_body_system_gives_the_medicines_highest_rate():
    table = """<table><thead>
      <tr><th>Adverse Reaction</th><th>Examplex 10 mg (n=100)</th><th>Examplex 20 mg (n=98)</th>
          <th>Placebo (n=99)</th></tr></thead><tbody>
      <tr><td>Gastrointestinal</td></tr>
      <tr><td>Nausea</td><td>12%</td><td>(15)</td><td>30%</td></tr>
      <tr><td>Diarrhea</td><td>&lt;1</td><td>3</td><td>2</td></tr>
      <tr><td>BODY AS A WHOLE</td><td>20</td><td>21</td><td>19</td></tr>
      <tr><td>Headache</td><td>8</td><td>—</td><td>9</td></tr></tbody></table>"""
    _, facts = _label("<paragraph>Table 1: Adverse reactions (%) in ≥1% of patients</paragraph>" + table)
    rates = {rate.term: (rate.percent, rate.frequency, rate.group) for rate in facts.adverse_reaction_rates}
    assert rates == {"Nausea": (15.0, "(15)", "Gastrointestinal"), "Diarrhea": (3.0, "3%", "Gastrointestinal"),
                     "Headache": (8.0, "8%", "BODY AS A WHOLE")}


def test_reactions_listed_on_lines_of_one_cell_line_up_with_their_rates():
    table = """<table><tbody>
      <tr><td>Body System</td><td>Examplex (n = 50)</td><td>Placebo (n = 50)</td></tr>
      <tr><td>Nervous System<br/>Dizziness<br/>Headache</td><td><br/>32<br/>8</td><td><br/>19<br/>7</td></tr>
      </tbody></table>"""
    _, facts = _label("<paragraph>Adverse events (%)</paragraph>" + table)
    assert {rate.term: rate.percent for rate in facts.adverse_reaction_rates} == {"Dizziness": 32, "Headache": 8}


def test_the_most_common_reactions_in_a_sentence_and_never_a_contact_line():
    _, facts = _label("<paragraph>The most frequent adverse reactions are drowsiness and dizziness.</paragraph>"
                      "<paragraph>To report SUSPECTED ADVERSE REACTIONS, contact Example Pharma at 1-800-555-0100 "
                      "or FDA at 1-800-FDA-1088 or www.fda.gov/medwatch.</paragraph>"
                      "<paragraph>The most commonly reported adverse reactions were consistent with the profile "
                      "of the drug.</paragraph>")
    assert facts.common_adverse_reaction_terms() == ["drowsiness", "dizziness"]
