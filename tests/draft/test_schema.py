"""The drafted-page schema: accepted by OpenAI strict mode and Gemini's responseSchema, and turned into a draft page."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from medpages.catalog import medicine_from_title
from medpages.draft.schema import DraftedPage, draft_json_schema, gemini_response_schema, page_from_draft
from medpages.draft.prompting import SHIPPED_PROMPTS
from medpages.model import DISCLAIMER_TEXT, DRAFTED_SECTIONS, NOTE_TEXT, SAFETY_TOPICS
from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.publish.seed_writer import render_seed_markdown

from .fake_llm_server import gemini_schema_problems, openai_strict_problems, valid_page


def test_the_schema_is_acceptable_to_openai_strict_mode():
    schema = draft_json_schema("openai")
    assert openai_strict_problems(schema) == []
    text = json.dumps(schema)
    assert "$ref" not in text and "$defs" not in text and '"default"' not in text and '"title"' not in text
    assert schema["required"] == list(schema["properties"])
    assert schema["properties"]["dosage"]["anyOf"][1] == {"type": "null"}
    assert not {"disclaimer", "note", "provenance", "status"} & set(schema["properties"])


def test_the_schema_is_acceptable_to_gemini():
    schema = draft_json_schema("gemini")
    assert gemini_schema_problems(schema) == []
    assert gemini_response_schema(draft_json_schema("openai")) == schema
    assert schema["properties"]["dosage"]["nullable"] is True
    topic = schema["properties"]["safety_advice"]["items"]["properties"]["topic"]
    assert topic["format"] == "enum" and "pregnancy" in topic["enum"]
    assert "additionalProperties" not in json.dumps(schema)


def test_the_checkers_do_catch_what_providers_reject():
    raw = DraftedPage.model_json_schema()  # pydantic's own: $defs, defaults, optional properties
    assert openai_strict_problems(raw)
    assert gemini_schema_problems(raw)


def test_a_drafted_page_is_a_draft_with_the_fixed_texts_and_model_provenance():
    medicine = medicine_from_title("Paracetamol 500mg")
    drafted = DraftedPage.model_validate(valid_page("Paracetamol 500mg") | {"disclaimer": "mine", "status": "reviewed"})
    page = page_from_draft(medicine, drafted, model="gpt-4o-mini", prompt_version="1+abc")
    assert page.status == "draft"
    assert page.disclaimer == DISCLAIMER_TEXT and page.note == NOTE_TEXT
    for key in ("generic_name", "usage", "side_effects", "important_note", "how_it_works", "faqs", "safety_advice"):
        assert page.provenance[key].kind == "model"
        assert (page.provenance[key].by, page.provenance[key].prompt_version) == ("gpt-4o-mini", "1+abc")
    assert page.provenance["disclaimer"].kind == "fixed"
    assert page.dosage is None and "dosage" not in page.provenance  # absent, never invented
    assert page.usage.items[0].label == "Pain:"  # the seed's bold label carries its colon
    text = render_seed_markdown(page)
    assert "**Usage:**" in text and text.endswith(NOTE_TEXT)
    assert parse_seed_markdown(text).usage == page.usage


@pytest.mark.parametrize("change", [
    {"side_effects": None},
    {"faqs": {"lead": "", "items": []}},
    {"usage": {"lead": "", "items": [], "closing": ""}},
    {"generic_name": "  "},
    {"safety_advice": [{"topic": "sunbathing", "verdict": "ok", "advice": ""}]},
])
def test_pages_missing_what_a_reader_needs_do_not_validate(change):
    with pytest.raises(ValidationError):
        DraftedPage.model_validate(valid_page("Paracetamol 500mg") | change)


def test_the_schema_is_the_page_models_drafted_sections_in_their_order():
    schema = draft_json_schema("openai")
    assert list(schema["properties"]) == list(DRAFTED_SECTIONS)
    for key, need in DRAFTED_SECTIONS.items():
        assert ("anyOf" in schema["properties"][key]) == (need == "optional"), key
    topic = schema["properties"]["safety_advice"]["anyOf"][0]["items"]["properties"]["topic"]
    assert tuple(topic["enum"]) == SAFETY_TOPICS


def test_the_shipped_prompt_names_every_drafted_section_and_safety_topic():
    prompt = (SHIPPED_PROMPTS / "page.md.j2").read_text(encoding="utf-8")
    assert [key for key in DRAFTED_SECTIONS if key not in prompt] == []
    assert [topic for topic in SAFETY_TOPICS if topic not in prompt] == []
