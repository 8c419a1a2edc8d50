"""The content model: the typed objects every stage passes on.

`page`: a medicine (`Medicine`) and its page (`Page`): sections, provenance; the one list of sections;
`Finding`, what a reader or check noticed (kept beside the page by the store, not in it).
`label`: a drug label as read from SPL or openFDA (`LabelDocument`, `LabelSection`).
`facts`: what medpages takes from a label (`LabelFacts`).
Markdown and HTML are renderings of these objects; nothing here knows about files, networks or
databases.
"""

from medpages.model.facts import LabelFacts, LabelSource
from medpages.model.label import LabelDocument, LabelIngredient, LabelProduct, LabelSection
from medpages.model.page import (
    DISCLAIMER_TEXT,
    DRAFTED_SECTIONS,
    FAQ,
    LABEL_NOTE_TEXT,
    NOT_YET_WRITTEN,
    NOTE_TEXT,
    REVIEWED_NOTE_PATTERN,
    SAFETY_TOPIC_TITLES,
    SAFETY_TOPICS,
    SECTION_ORDER,
    SECTION_TITLES,
    SEED_SECTIONS,
    AuthorKind,
    DraftNeed,
    ExtraSection,
    FAQs,
    Finding,
    FrontMatter,
    Identifiers,
    Link,
    ListItem,
    Medicine,
    OriginalText,
    Page,
    PageStatus,
    Provenance,
    SafetyAdvice,
    SafetyTopic,
    Severity,
    SideEffect,
    SideEffects,
    Source,
    Strength,
    TextSection,
    Trace,
    fingerprint_value,
    is_known_note,
    reviewed_note,
)

__all__ = [
    "DISCLAIMER_TEXT", "DRAFTED_SECTIONS", "FAQ", "LABEL_NOTE_TEXT", "NOTE_TEXT", "REVIEWED_NOTE_PATTERN", "NOT_YET_WRITTEN", "SAFETY_TOPICS", "SAFETY_TOPIC_TITLES",
    "SECTION_ORDER", "SECTION_TITLES", "SEED_SECTIONS", "AuthorKind", "DraftNeed", "ExtraSection", "FAQs", "Finding", "FrontMatter", "Identifiers", "LabelDocument",
    "LabelFacts", "LabelIngredient", "LabelProduct", "LabelSection", "LabelSource", "Link", "ListItem", "Medicine",
    "OriginalText", "Page", "PageStatus", "Provenance", "SafetyAdvice", "SafetyTopic", "Severity", "SideEffect",
    "SideEffects", "Source", "Strength", "TextSection", "Trace", "fingerprint_value", "is_known_note", "reviewed_note",
]
