"""What a language model must return for a page (`DraftedPage`), its JSON schema, and the page made from it.

`DraftedPage` is derived from the page model: one field per section in `DRAFTED_SECTIONS`
(`medpages.model.page`), shaped by the `Page` field's type (text section, side effects, FAQs,
safety advice, the generic name). The schema covers only the sections a model may write. The
Disclaimer, the Note, provenance and review status are fixed by medpages in `page_from_draft`:
a drafted page is always a `draft`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from medpages.model import (
    DISCLAIMER_TEXT,
    DRAFTED_SECTIONS,
    FAQ,
    NOTE_TEXT,
    FAQs,
    FrontMatter,
    ListItem,
    Medicine,
    Page,
    Provenance,
    SafetyAdvice,
    SafetyTopic,
    SideEffect,
    SideEffects,
    Source,
    TextSection,
)
from medpages.model.facts import LabelFacts

# Bumped when DraftedPage changes shape: it is part of every cache key.
SCHEMA_VERSION = "1"
SCHEMA_NAME = "medicine_page"

Dialect = Literal["openai", "gemini"]


class _Draft(BaseModel):
    # Keys the schema does not define (a model adding "disclaimer") are dropped, not kept.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class DraftItem(_Draft):
    label: str | None = Field(default=None, description="Optional short bold label, without a colon.")
    text: str = Field(description="The bullet's sentence(s).")


class DraftSection(_Draft):
    lead: str = Field(description="Opening sentence(s) of the section.")
    items: list[DraftItem] = Field(default_factory=list, description="Bullets; may be empty.")
    closing: str = Field(default="", description="Text after the bullets; may be empty.")


class DraftSideEffect(_Draft):
    name: str = Field(description="The side effect in plain words.")
    explanation: str = Field(default="", description="One plain sentence about it; may be empty.")


class DraftSideEffects(_Draft):
    lead: str
    items: list[DraftSideEffect]
    closing: str = ""

    @field_validator("items")
    @classmethod
    def _some(cls, items: list[DraftSideEffect]) -> list[DraftSideEffect]:
        if not items:
            raise ValueError("list at least one common side effect")
        return items


class DraftFAQ(_Draft):
    question: str
    answer: str

    @field_validator("question", "answer")
    @classmethod
    def _written(cls, text: str) -> str:
        if not text:
            raise ValueError("must not be empty")
        return text


class DraftFAQs(_Draft):
    lead: str = ""
    items: list[DraftFAQ]

    @field_validator("items")
    @classmethod
    def _some(cls, items: list[DraftFAQ]) -> list[DraftFAQ]:
        if not items:
            raise ValueError("write at least one question and answer")
        return items


class DraftSafetyAdvice(_Draft):
    topic: SafetyTopic
    verdict: str = Field(description="A short verdict, e.g. 'Consult your doctor' or 'Do not use'.")
    advice: str = Field(description="One plain sentence.")


def _named(name: str) -> str:
    if not name:
        raise ValueError("must not be empty")
    return name


def _section_written(section: DraftSection) -> DraftSection:
    if not section.lead and not section.items:
        raise ValueError("write a lead sentence or at least one bullet")
    return section


# --------------------------------------------------------------------------- the page's sections, as drafted


@dataclass(frozen=True)
class _DraftShape:
    """How a kind of page section is drafted: its type when required, and the page value made from it."""

    required: Any
    to_page: Callable[[Any], Any]  # the drafted value (or None) -> the page's value (None when empty)


def _text_section(section: DraftSection | None) -> TextSection | None:
    if section is None or (not section.lead and not section.items and not section.closing):
        return None
    items = [ListItem(label=_label(item.label), text=item.text) for item in section.items if item.text or item.label]
    return TextSection(lead=section.lead, items=items, closing=section.closing)


def _label(label: str | None) -> str | None:
    """The seed writes a bullet's bold label with its colon (`**Fatigue:**`)."""
    if not label:
        return None
    label = label.strip().strip("*").strip()
    return label if label.endswith(":") else f"{label}:"


def _side_effects(section: DraftSideEffects | None) -> SideEffects | None:
    if section is None:
        return None
    items = [SideEffect(name=item.name.strip().strip("*").rstrip(":").strip(), explanation=item.explanation)
             for item in section.items if item.name]
    return SideEffects(lead=section.lead, items=items, closing=section.closing)


def _faqs(section: DraftFAQs | None) -> FAQs | None:
    if section is None:
        return None
    return FAQs(lead=section.lead, items=[FAQ(question=faq.question, answer=faq.answer) for faq in section.items])


def _safety_advice(advice: list[DraftSafetyAdvice] | None) -> list[SafetyAdvice] | None:
    if not advice:
        return None
    by_topic: dict[str, SafetyAdvice] = {}
    for item in advice:
        if item.verdict and item.topic not in by_topic:
            by_topic[item.topic] = SafetyAdvice(topic=item.topic, verdict=item.verdict, advice=item.advice)
    return list(by_topic.values()) or None


# Keyed by the `Page` field's type (None aside). A required text section or name must be
# written; side effects and FAQs insist on at least one item themselves.
_SHAPES: dict[Any, _DraftShape] = {
    str: _DraftShape(Annotated[str, AfterValidator(_named)], lambda name: name or None),
    TextSection: _DraftShape(Annotated[DraftSection, AfterValidator(_section_written)], _text_section),
    SideEffects: _DraftShape(DraftSideEffects, _side_effects),
    FAQs: _DraftShape(DraftFAQs, _faqs),
    list[SafetyAdvice]: _DraftShape(list[DraftSafetyAdvice], _safety_advice),
}


def _shape(key: str) -> _DraftShape:
    annotation = Page.model_fields[key].annotation
    kind = next(arg for arg in get_args(annotation) or (annotation,) if arg is not type(None))
    try:
        return _SHAPES[kind]
    except KeyError:
        raise TypeError(f"Page.{key} is a {kind!r}: no draft shape for it in medpages.draft.schema._SHAPES") from None


def _drafted_sections() -> type[_Draft]:
    """A model with one field per drafted section, in `DRAFTED_SECTIONS` order, described as the `Page` field is."""
    fields: dict[str, Any] = {}
    for key, need in DRAFTED_SECTIONS.items():
        shape, description = _shape(key), Page.model_fields[key].description
        if need == "required":
            fields[key] = (shape.required, Field(description=description))
        else:
            fields[key] = (_optional(shape.required) | None, Field(default=None, description=description))
    return create_model("DraftedSections", __base__=_Draft, __module__=__name__, **fields)


def _optional(annotation: Any) -> Any:
    """An optional section has the required one's shape without its must-be-written check."""
    if getattr(annotation, "__metadata__", None):
        return get_args(annotation)[0]
    return annotation


class DraftedPage(_drafted_sections()):  # type: ignore[misc]
    """The sections a model writes. Required ones must be non-empty; optional ones may be null."""


def validation_problems(error: ValidationError, *, limit: int = 12) -> str:
    """A validation error as short lines a model (and a publisher) can act on: `usage.lead: field required`."""
    lines = []
    for problem in error.errors()[:limit]:
        where = ".".join(str(part) for part in problem["loc"]) or "(the whole answer)"
        lines.append(f"{where}: {problem['msg']}")
    more = len(error.errors()) - limit
    if more > 0:
        lines.append(f"... and {more} more")
    return "; ".join(lines)


# --------------------------------------------------------------------------- the JSON schema

_OPENAI_KEYS = {"type", "description", "properties", "required", "items", "enum", "anyOf", "additionalProperties"}
_GEMINI_KEYS = {"type", "format", "description", "nullable", "enum", "properties", "required", "items",
                "propertyOrdering"}


def draft_json_schema(dialect: Dialect = "openai") -> dict[str, Any]:
    """The JSON schema of `DraftedPage`, in a form the provider's structured output accepts.

    Both forms are self-contained (no `$ref`/`$defs`), list every property as required (optional
    sections are nullable instead, as OpenAI strict mode demands) and carry no defaults or titles.
    `openai` (also for OpenAI-compatible servers): objects close with `additionalProperties: false`
    and nullable values are `anyOf [X, null]`. `gemini` (responseSchema, an OpenAPI subset):
    upper-case types, `nullable: true`, `propertyOrdering`, string enums with `format: enum`.
    """
    raw = DraftedPage.model_json_schema()
    defs = raw.pop("$defs", {})
    inlined = _inline(raw, defs)
    return _to_gemini(inlined) if dialect == "gemini" else _to_openai(inlined)


def gemini_response_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema in the `openai` form above, rewritten as Gemini's responseSchema."""
    return _to_gemini(schema)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            merged = {**copy.deepcopy(target), **{k: v for k, v in node.items() if k != "$ref"}}
            return _inline(merged, defs)
        return {key: _inline(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, defs) for value in node]
    return node


def _nullable_parts(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """`anyOf [X, null]` as (X, True); anything else as (node, False)."""
    options = node.get("anyOf")
    if options and len(options) == 2 and {"type": "null"} in options:
        inner = next(option for option in options if option != {"type": "null"})
        merged = {**inner, **{k: v for k, v in node.items() if k not in {"anyOf", "default", "title"}}}
        return merged, True
    return node, False


def _to_openai(node: dict[str, Any]) -> dict[str, Any]:
    inner, nullable = _nullable_parts(node)
    out: dict[str, Any] = {}
    if inner.get("type") == "object":
        properties = {key: _to_openai(value) for key, value in inner["properties"].items()}
        out = {"type": "object", "properties": properties, "required": list(properties),
               "additionalProperties": False}
    elif inner.get("type") == "array":
        out = {"type": "array", "items": _to_openai(inner["items"])}
    else:
        out = {key: value for key, value in inner.items() if key in {"type", "enum"}}
        if "enum" in out and "type" not in out:
            out["type"] = "string"
    if "description" in inner:
        out["description"] = inner["description"]
    if nullable:
        return {"anyOf": [out, {"type": "null"}]}
    assert set(out) <= _OPENAI_KEYS
    return out


def _to_gemini(node: dict[str, Any]) -> dict[str, Any]:
    inner, nullable = _nullable_parts(node)
    kind = inner.get("type", "string")
    out: dict[str, Any] = {"type": kind.upper()}
    if kind == "object":
        properties = {key: _to_gemini(value) for key, value in inner["properties"].items()}
        out["properties"] = properties
        out["required"] = list(properties)
        out["propertyOrdering"] = list(properties)
    elif kind == "array":
        out["items"] = _to_gemini(inner["items"])
    if "enum" in inner:
        out["format"] = "enum"
        out["enum"] = list(inner["enum"])
    if "description" in inner:
        out["description"] = inner["description"]
    if nullable:
        out["nullable"] = True
    assert set(out) <= _GEMINI_KEYS
    return out


# --------------------------------------------------------------------------- the page


def page_from_draft(
    medicine: Medicine,
    drafted: DraftedPage,
    *,
    model: str,
    prompt_version: str,
    facts: LabelFacts | None = None,
    at: datetime | None = None,
) -> Page:
    """The page a model drafted: every written section marked as the model's, status `draft`.

    The Disclaimer and Note are medpages' exact texts; Sources are the medicine's links and,
    when the prompt had them, the label the facts came from. Nothing a model writes is ever
    marked reviewed.
    """
    now = at or datetime.now(timezone.utc)
    page = Page(title=medicine.title, front_matter=FrontMatter(title=medicine.title))
    by_model = Provenance(kind="model", by=model, prompt_version=prompt_version, at=now)
    for key in DRAFTED_SECTIONS:
        value = _shape(key).to_page(getattr(drafted, key))
        if value:
            setattr(page, key, value)
            page.provenance[key] = by_model
    sources = []
    if facts is not None:
        sources.append(Source(title=facts.source.title, publisher=facts.source.publisher, url=facts.source.url,
                              effective_date=facts.source.effective_date))
    sources += [Source(title=link.title, publisher=link.publisher, url=link.url) for link in medicine.links]
    if sources:
        page.sources = sources
        page.provenance["sources"] = Provenance(kind="reference", by="medpages", at=now)
    page.disclaimer, page.note = DISCLAIMER_TEXT, NOTE_TEXT
    page.provenance["disclaimer"] = page.provenance["note"] = Provenance(kind="fixed", at=now)
    page.status = "draft"
    return page
