"""The seed format both ways: byte-exact round trips and the shapes real LLM pages take."""

from __future__ import annotations

import json

from medpages.model import NOT_YET_WRITTEN, ExtraSection, FAQ, Page
from medpages.catalog.seed_reader import parse_seed_markdown, parse_seed_markdown_with_findings
from medpages.publish.seed_writer import render_seed_markdown


def test_seed_round_trips_byte_for_byte(seed_text):
    page, findings = parse_seed_markdown_with_findings(seed_text)
    assert render_seed_markdown(page) == seed_text
    assert findings == []


def test_seed_round_trips_through_json(seed_text):
    as_json = parse_seed_markdown(seed_text).model_dump_json()
    assert render_seed_markdown(Page.model_validate_json(as_json)) == seed_text


def test_seed_values_are_separate(seed_text):
    page = parse_seed_markdown(seed_text)
    assert page.title == "Ado-trastuzumab emtansine 160mg"
    assert page.front_matter.nav_exclude is True
    assert page.generic_name == "Ado-trastuzumab emtansine"
    assert len(page.usage.items) == 2
    assert page.usage.items[0].label == "Patients with HER2-positive metastatic breast cancer"
    assert page.usage.items[1].label is None
    assert len(page.side_effects.items) == 10
    assert page.side_effects.items[0].name == "Fatigue"
    assert page.side_effects.items[0].explanation == "Feeling tired or weak."
    assert page.side_effects.items[5].name == "Constipation"
    assert page.side_effects.items[5].explanation == ""
    assert len(page.faqs.items) == 6
    assert page.faqs.items[1] == FAQ(
        question="How often is ado-trastuzumab emtansine administered?",
        answer="It's typically administered intravenously once every 3 weeks.",
    )
    assert page.disclaimer.startswith("This information is for general knowledge")
    assert page.note.startswith("This information is AI-generated")


def test_edited_section_is_rewritten_and_the_rest_kept_verbatim(seed_text):
    page = parse_seed_markdown(seed_text)
    page.side_effects.items[0].explanation = "Feeling very tired."
    out = render_seed_markdown(page)
    assert "* **Fatigue:** Feeling very tired." in out
    # Untouched sections keep their double spaces.
    assert "**Usage:** Ado-trastuzumab emtansine is used to treat HER2-positive breast cancer.  Specifically" in out
    assert out.count("\n") == seed_text.count("\n")
    assert parse_seed_markdown(out).side_effects.items[0].explanation == "Feeling very tired."


def test_new_page_is_written_in_seed_layout(seed_text):
    page = parse_seed_markdown(seed_text)
    page.original = None
    out = render_seed_markdown(page)
    assert out.startswith("---\nlayout: minimal-medicine\nnav_exclude: true\ntitle: Ado-trastuzumab emtansine 160mg\n---\n\n# ")
    assert "\n\n\n**Important Note:**" in out and "\n\n\n**Disclaimer:**" in out and "\n\n\n**Note:**" in out
    assert not out.endswith("\n")
    again = parse_seed_markdown(out)
    assert again.side_effects == page.side_effects and again.faqs == page.faqs and again.usage == page.usage


def test_missing_sections_become_findings_and_render_as_not_yet_written():
    page, findings = parse_seed_markdown_with_findings(
        "---\ntitle: Aspirin 75mg\n---\n\n# Aspirin 75mg\n\n**Generic Name:** Aspirin")
    missing = {f.section for f in findings if f.code == "parse.missing_section"}
    assert missing == {"usage", "side_effects", "important_note", "how_it_works", "faqs", "disclaimer", "note"}
    assert render_seed_markdown(page).startswith("---\ntitle: Aspirin 75mg\n---")  # unchanged: as it was
    page.generic_name = "Aspirin (acetylsalicylic acid)"
    out = render_seed_markdown(page)
    assert f"**Usage:** {NOT_YET_WRITTEN}" in out
    assert "**Disclaimer:** This information is for general knowledge" in out
    assert out.endswith("Please consult a medical professional for verified advice.")
    assert parse_seed_markdown(out).usage is None  # the placeholder is not content


LLM_PAGE = """\ufeff---\r
layout: minimal-medicine\r
title: "Metformin: 500mg"\r
permalink: /m/metformin/\r
---\r
\r
# Metformin: 500mg\r
\r
## Usage\r
\r
Metformin lowers blood sugar.\r
\r
- Type 2 diabetes\r
- **Prediabetes:** in some people\r
\r
Side Effects:\r
\r
1. Nausea: feeling sick\r
2. Diarrhea\r
3) **Metallic taste**\r
\r
## Dosage\r
\r
+ Taken with meals.\r
\r
## FAQs\r
\r
### Can I drink alcohol?\r
\r
Heavy drinking raises the risk of lactic acidosis.\r
\r
### Is it safe in pregnancy?\r
\r
Ask your doctor.\r
\r
## Storage tips\r
\r
Keep it dry.\r
\r
**How it Works** \r
\r
It reduces glucose made by the liver.\r
"""


def test_llm_shapes_are_read():
    page = parse_seed_markdown(LLM_PAGE)
    assert page.title == "Metformin: 500mg"
    assert page.front_matter.nav_exclude is None
    assert page.front_matter.extra == {"permalink": "/m/metformin/"}
    assert page.usage.lead == "Metformin lowers blood sugar."
    assert [(i.label, i.text) for i in page.usage.items] == [(None, "Type 2 diabetes"), ("Prediabetes:", "in some people")]
    assert [(s.name, s.explanation) for s in page.side_effects.items] == [
        ("Nausea", "feeling sick"), ("Diarrhea", ""), ("Metallic taste", "")]
    assert page.dosage.items[0].text == "Taken with meals."
    assert [f.question for f in page.faqs.items] == ["Can I drink alcohol?", "Is it safe in pregnancy?"]
    assert page.faqs.items[0].answer == "Heavy drinking raises the risk of lactic acidosis."
    assert page.how_it_works.lead == "It reduces glucose made by the liver."
    assert page.extra_sections == [ExtraSection(heading="Storage tips", body="Keep it dry.")]
    assert render_seed_markdown(page) == LLM_PAGE  # unchanged: identical bytes, BOM and CRLF included


def test_llm_page_rewritten_in_seed_layout_keeps_unknown_sections():
    page = parse_seed_markdown(LLM_PAGE)
    page.usage.lead = "Metformin lowers blood sugar in type 2 diabetes."
    out = render_seed_markdown(page)
    assert "\r" not in out and not out.startswith("\ufeff")
    assert "**Storage tips:** Keep it dry." in out
    assert 'title: "Metformin: 500mg"' in out and "permalink: /m/metformin/" in out
    again = parse_seed_markdown(out)
    assert again.extra_sections == page.extra_sections
    assert again.faqs == page.faqs and again.side_effects == page.side_effects


def test_faqs_as_question_and_answer_pairs():
    text = ("# X\n\n**FAQs:**\n\n**Q:** Can children take it?\n**A:** Only if a doctor says so.\n\n"
            "Q: Does it cause drowsiness?\nA: Rarely.\n\n**Is it addictive?**\n\nNo.\n\n**Disclaimer:** D")
    page = parse_seed_markdown(text)
    assert [(f.question, f.answer) for f in page.faqs.items] == [
        ("Can children take it?", "Only if a doctor says so."),
        ("Does it cause drowsiness?", "Rarely."),
        ("Is it addictive?", "No."),
    ]
    assert page.disclaimer == "D"


def test_sections_in_another_order_and_usage_variants():
    for header in ("**Usage**", "Usage:", "**Usage:**", "## Usage", "### Usage:"):
        text = f"# X\n\n**Note:** N\n\n{header}\n\n* a\n* b\n\n**Generic Name:** X"
        page = parse_seed_markdown(text)
        assert [i.text for i in page.usage.items] == ["a", "b"], header
        assert page.note == "N" and page.generic_name == "X"


def test_bold_sentence_is_not_a_section():
    page = parse_seed_markdown("# X\n\n**Usage:** Treats pain.\n\n**Note** that it is strong.")
    assert page.note is None
    assert page.usage.lead == "Treats pain.\n\n**Note** that it is strong."


def test_invalid_front_matter_is_kept_and_reported():
    text = "---\ntitle: [unclosed\n---\n\n# Aspirin\n\n**Generic Name:** Aspirin"
    page, findings = parse_seed_markdown_with_findings(text)
    assert any(f.code == "parse.front_matter_invalid" and f.severity == "error" for f in findings)
    assert page.title == "Aspirin"
    assert page.front_matter.extra["unparsed_front_matter"] == "title: [unclosed"
    assert render_seed_markdown(page) == text


def test_duplicate_section_is_kept_as_extra():
    page, findings = parse_seed_markdown_with_findings("# X\n\n**Usage:** one\n\n**Usage:** two")
    assert page.usage.lead == "one"
    assert page.extra_sections == [ExtraSection(heading="Usage", body="two")]
    assert any(f.code == "parse.duplicate_section" for f in findings)


def test_parse_output_is_json_serialisable(seed_text):
    data = json.loads(parse_seed_markdown(seed_text).model_dump_json(exclude_none=True))
    assert len(data["side_effects"]["items"]) == 10
