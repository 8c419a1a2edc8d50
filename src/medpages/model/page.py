"""The content model: a medicine and its page, the typed objects every stage passes on.

Markdown and HTML are renderings of these objects; nothing here knows about files or databases.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The fixed texts of the seed page (PRODUCT.md §2). Every rendered page carries both.
DISCLAIMER_TEXT = (
    "This information is for general knowledge and does not constitute medical advice.  "
    "Always consult with a healthcare professional for any health concerns or before making any "
    "decisions related to your health or treatment.  They can provide personalized information "
    "based on your specific situation."
)
# The closing Note tells the truth about the page (PRODUCT.md §3, docs/drafting.md "The closing
# Note"): the seed's text for pages an AI drafted or a contributor wrote, ...
NOTE_TEXT = (
    "This information is AI-generated or crowd-sourced and may not be accurate. "
    "Please consult a medical professional for verified advice."
)
# ... this one for a page composed only from the medicine's official label (the reference composer),
LABEL_NOTE_TEXT = (
    "This page is compiled from the official label (prescribing information) of this medicine and has "
    "not been reviewed by a pharmacist. Please consult a medical professional for advice about your own treatment."
)
# ... and `reviewed_note(reviewer, day)` for a page a named person has reviewed.
_REVIEWED_NOTE_ADVICE = "Please consult a medical professional for advice about your own treatment."
REVIEWED_NOTE_PATTERN = re.compile(
    r"Reviewed by (?P<reviewer>\S(?:[^\n]*\S)?) on (?P<day>\d{4}-\d{2}-\d{2})\. " + re.escape(_REVIEWED_NOTE_ADVICE))


def reviewed_note(reviewer: str, day: date) -> str:
    """The Note of a reviewed page: who reviewed it and when (`Reviewed by Jane Doe, PharmD on 2026-03-01. ...`)."""
    reviewer = " ".join(reviewer.split())
    if not reviewer:
        raise ValueError("a reviewed page's Note needs the reviewer's name")
    return f"Reviewed by {reviewer} on {day.isoformat()}. {_REVIEWED_NOTE_ADVICE}"


def is_known_note(text: str) -> bool:
    """One of the Notes medpages writes: the seed's, the label's, or a reviewed page's."""
    return text in (NOTE_TEXT, LABEL_NOTE_TEXT) or REVIEWED_NOTE_PATTERN.fullmatch(text) is not None
# What a skeleton page shows where nothing has been written yet (parsed back as "absent").
NOT_YET_WRITTEN = "_Not yet written._"

PageStatus = Literal["draft", "checked", "reviewed", "published", "rejected"]
AuthorKind = Literal["imported", "model", "reference", "contributor", "skeleton", "fixed"]
Severity = Literal["error", "warning", "info"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# --------------------------------------------------------------------------- the medicine


class Strength(_Model):
    """One strength as written (`500mg`, `250mg/5ml`, `1%`), with its parsed parts."""

    text: str
    amount: float | None = None
    unit: str | None = None
    per_amount: float | None = None
    per_unit: str | None = None


class Identifiers(_Model):
    mesh: str | None = None
    drugbank: str | None = None
    medlineplus: str | None = None
    rxcui: str | None = None


class Link(_Model):
    title: str
    url: str
    publisher: str | None = None


class Medicine(_Model):
    """A catalogue entry: the title as listed and what could be read or resolved from it."""

    title: str
    slug: str
    letter: str
    generic_name: str | None = None
    ingredients: list[str] = Field(default_factory=list)
    strengths: list[Strength] = Field(default_factory=list)
    form: str | None = None
    synonyms: list[str] = Field(default_factory=list)
    brands: list[str] = Field(default_factory=list)
    identifiers: Identifiers = Field(default_factory=Identifiers)
    links: list[Link] = Field(default_factory=list)

    @property
    def path(self) -> str:
        """Where the page lives in the Jekyll tree, relative to its root."""
        return f"{self.letter}/{self.slug}.md"


# --------------------------------------------------------------------------- the page


class ListItem(_Model):
    """A bullet: an optional bold label (`**Fatigue:**`) and the text after it."""

    label: str | None = None
    text: str = ""


class TextSection(_Model):
    """A section of lead text, an optional list, and text after the list.

    Used for Usage, Important Note, How it Works, Dosage, Precautions and the other prose
    sections. Side effects and FAQs are lists of items too, with their own meaning.
    """

    lead: str = ""
    items: list[ListItem] = Field(default_factory=list)
    closing: str = ""


class SideEffect(_Model):
    name: str
    explanation: str = ""


class SideEffects(_Model):
    lead: str = ""
    items: list[SideEffect] = Field(default_factory=list)
    closing: str = ""


class FAQ(_Model):
    question: str
    answer: str = ""


class FAQs(_Model):
    lead: str = ""
    items: list[FAQ] = Field(default_factory=list)
    closing: str = ""


# The topics Safety Advice may cover: declared here once; the seed reader, the drafting schema
# and the site take them from here.
SafetyTopic = Literal["alcohol", "pregnancy", "breastfeeding", "driving", "kidney", "liver"]
SAFETY_TOPICS: tuple[str, ...] = get_args(SafetyTopic)
# How the site names each topic (tests/model check that every topic has one).
SAFETY_TOPIC_TITLES: dict[SafetyTopic, str] = {
    "alcohol": "Alcohol", "pregnancy": "Pregnancy", "breastfeeding": "Breastfeeding",
    "driving": "Driving", "kidney": "Kidney disease", "liver": "Liver disease",
}


class SafetyAdvice(_Model):
    topic: SafetyTopic
    verdict: str
    advice: str = ""


class Source(_Model):
    title: str
    publisher: str | None = None
    url: str | None = None
    effective_date: date | None = None


class ExtraSection(_Model):
    """A section medpages does not know, kept verbatim so it is never dropped."""

    heading: str
    body: str = ""


class Provenance(_Model):
    """Who or what wrote a section."""

    kind: AuthorKind
    by: str | None = None  # model name, contributor, file the page was imported from
    prompt_version: str | None = None
    at: datetime | None = None


class Trace(_Model):
    """Where one sentence of a page comes from: the label, its section and heading, its words.

    The reference composer records one for every sentence it writes from a fact; a sentence
    with no trace on a reference page is the page's own fixed wording ("The label warns about:").
    """

    section: str  # the page's section key
    text: str  # the sentence as the page has it
    source: str  # the label's set id (its `Source` is in the page's sources)
    label_section: str  # the label section's key (`adverse_reactions`)
    heading: str = ""  # the label heading it stood under (`6.1 Clinical Trial Adverse Experiences`)
    quote: str = ""  # the label's own words


class Finding(_Model):
    """Something a parser or check noticed about a page.

    Findings are not part of the page: the store keeps them beside the revision they describe
    (`Store.replace_findings`, `Store.findings`). A code is `<kind>.<name>` (`parse.title_mismatch`,
    `readability.grade`); docs/checks.md lists every one.
    """

    code: str = Field(pattern=r"^[a-z]+\.[a-z][a-z0-9_]*$")
    severity: Severity
    message: str
    section: str | None = None
    line: int | None = None


class FrontMatter(_Model):
    layout: str | None = "minimal-medicine"
    nav_exclude: bool | None = True
    title: str
    extra: dict[str, Any] = Field(default_factory=dict)


class OriginalText(_Model):
    """The text a page was parsed from, so an unchanged page is written back byte for byte.

    `sections` maps a section key to its verbatim text and `fingerprints` to the digest of
    its parsed value: a section whose value still has that digest is written as it was.
    """

    text: str
    fingerprint: str
    sections: dict[str, str] = Field(default_factory=dict)
    fingerprints: dict[str, str] = Field(default_factory=dict)


# The sections of a page, in the order a page shows them, with their headings. Each is a field of
# `Page` below (tests/model check the two agree); everything else is derived from these lists.
SECTION_TITLES: dict[str, str] = {
    "generic_name": "Generic Name",
    "usage": "Usage",
    "dosage": "Dosage",
    "side_effects": "Side Effects",
    "serious_side_effects": "Serious Side Effects",
    "important_note": "Important Note",
    "precautions": "Precautions",
    "how_it_works": "How it Works",
    "safety_advice": "Safety Advice",
    "interactions": "Interactions",
    "missed_dose": "Missed Dose",
    "overdose": "Overdose",
    "storage": "Storage",
    "faqs": "FAQs",
    "sources": "Sources",
    "disclaimer": "Disclaimer",
    "note": "Note",
}
SECTION_ORDER: tuple[str, ...] = tuple(SECTION_TITLES)
# The sections of the seed layout (PRODUCT.md §2), which every rendered page shows.
SEED_SECTIONS: tuple[str, ...] = (
    "generic_name", "usage", "side_effects", "important_note", "how_it_works", "faqs",
    "disclaimer", "note",
)
# What a language model drafts, in the order its answer schema lists them: `required` sections
# must be written, `optional` ones may be null. Disclaimer, Note and Sources are medpages' own.
# The drafting schema (`medpages.draft.schema.DraftedPage`) is built from this and the fields'
# types; the keys are part of that schema, so changing them changes `SCHEMA_VERSION`.
DraftNeed = Literal["required", "optional"]
DRAFTED_SECTIONS: dict[str, DraftNeed] = {
    "generic_name": "required", "usage": "required", "side_effects": "required", "important_note": "required",
    "how_it_works": "required", "faqs": "required",
    "dosage": "optional", "precautions": "optional", "safety_advice": "optional", "missed_dose": "optional",
    "overdose": "optional", "storage": "optional", "interactions": "optional", "serious_side_effects": "optional",
}


class Page(_Model):
    """A medicine's page: every section it has (absent ones stay None), and its provenance."""

    title: str
    front_matter: FrontMatter
    generic_name: str | None = Field(default=None, description="The generic (non-brand) name of the medicine.")
    usage: TextSection | None = None
    dosage: TextSection | None = None
    side_effects: SideEffects | None = None
    serious_side_effects: TextSection | None = None
    important_note: TextSection | None = None
    precautions: TextSection | None = None
    how_it_works: TextSection | None = None
    safety_advice: list[SafetyAdvice] | None = None
    interactions: TextSection | None = None
    missed_dose: TextSection | None = None
    overdose: TextSection | None = None
    storage: TextSection | None = None
    faqs: FAQs | None = None
    sources: list[Source] | None = None
    disclaimer: str | None = None
    note: str | None = None
    extra_sections: list[ExtraSection] = Field(default_factory=list)

    provenance: dict[str, Provenance] = Field(default_factory=dict)
    status: PageStatus = "draft"
    reviewed_on: date | None = None
    traces: list[Trace] = Field(default_factory=list)
    original: OriginalText | None = None

    @model_validator(mode="before")
    @classmethod
    def _without_findings(cls, data: Any) -> Any:
        """Page JSON stored before findings moved to the store's findings table carries them: ignored."""
        if isinstance(data, dict) and "findings" in data:
            data = {key: value for key, value in data.items() if key != "findings"}
        return data

    def section_value(self, key: str) -> Any:
        if key.startswith("extra:"):
            index = int(key.split(":", 1)[1])
            return self.extra_sections[index] if index < len(self.extra_sections) else None
        return getattr(self, key)

    def present_sections(self) -> list[str]:
        keys = [k for k in SECTION_ORDER if getattr(self, k) is not None]
        return keys + [f"extra:{i}" for i in range(len(self.extra_sections))]

    def content_fingerprint(self) -> str:
        """A digest of everything that is rendered (front matter, title, sections)."""
        rendered = self.model_dump_json(include=_RENDERED_FIELDS)
        return hashlib.sha256(rendered.encode("utf-8")).hexdigest()[:16]


_RENDERED_FIELDS = frozenset({"title", "front_matter", "extra_sections", *SECTION_ORDER})


def fingerprint_value(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    return _digest(value)


# `json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`, with its encoder
# made once: dumps makes one per call when given options, a third of a page's fingerprinting.
_DIGEST_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _digest(value: Any) -> str:
    raw = _DIGEST_JSON.encode(value)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]
