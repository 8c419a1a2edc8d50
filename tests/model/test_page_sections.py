"""The section lists and safety topics are declared once in `medpages.model.page`; everything else agrees with them."""

from __future__ import annotations

import json
from typing import get_args

import pytest
from pydantic import ValidationError

from medpages.model import (
    DRAFTED_SECTIONS,
    SAFETY_TOPIC_TITLES,
    SAFETY_TOPICS,
    SECTION_ORDER,
    SECTION_TITLES,
    SEED_SECTIONS,
    FrontMatter,
    Page,
    SafetyAdvice,
    SafetyTopic,
)

# Page fields that are not sections: identity, bookkeeping and the parsed source text.
NOT_SECTIONS = {"title", "front_matter", "extra_sections", "provenance", "status", "reviewed_on", "traces", "original"}


def test_every_section_is_a_page_field_and_every_page_field_a_section_or_bookkeeping():
    assert set(SECTION_ORDER) == set(Page.model_fields) - NOT_SECTIONS
    assert list(SECTION_TITLES) == list(SECTION_ORDER)


def test_the_seed_and_drafted_sections_are_sections_and_never_the_fixed_texts():
    assert set(SEED_SECTIONS) <= set(SECTION_ORDER)
    assert [key for key in SECTION_ORDER if key in SEED_SECTIONS] == list(SEED_SECTIONS)  # the page's order
    assert set(DRAFTED_SECTIONS) <= set(SECTION_ORDER)
    assert not {"disclaimer", "note", "sources"} & set(DRAFTED_SECTIONS)
    required = {key for key, need in DRAFTED_SECTIONS.items() if need == "required"}
    assert required == set(SEED_SECTIONS) - {"disclaimer", "note"}


def test_the_safety_topics_are_one_list():
    assert SAFETY_TOPICS == get_args(SafetyTopic)
    assert tuple(SAFETY_TOPIC_TITLES) == SAFETY_TOPICS
    with pytest.raises(ValidationError):
        SafetyAdvice(topic="sunbathing", verdict="Fine")


def test_a_page_has_no_findings_and_old_json_with_findings_still_loads():
    page = Page(title="Aspirin", front_matter=FrontMatter(title="Aspirin"))
    assert "findings" not in json.loads(page.model_dump_json())
    old = json.loads(page.model_dump_json()) | {
        "findings": [{"code": "missing-section", "severity": "warning", "message": "the Usage section is missing",
                      "section": "usage", "line": None}]}
    assert Page.model_validate_json(json.dumps(old)) == page
    assert Page.model_validate(old) == page
    with pytest.raises(ValidationError):  # other unknown keys are still refused
        Page.model_validate(old | {"colour": "red"})
