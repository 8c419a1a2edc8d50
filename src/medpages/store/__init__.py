"""The database stage: medicines, pages with their full revision history, findings, unparsed files, labels,
and the community's accounts, sessions, suggestions and reviews.

`Store` is the entry point; the ORM models in `schema` describe the tables.
"""

from medpages.store.community import (
    ROLES,
    NewSuggestion,
    Review,
    Role,
    StaleRevision,
    Suggestion,
    SuggestionClosed,
    SuggestionStatus,
    User,
)
from medpages.store.database import StoreError
from medpages.store.schema import (
    FindingRecord,
    LabelIngredientRecord,
    LabelRecord,
    MedicineRecord,
    PageRecord,
    RawDocumentRecord,
    RevisionRecord,
)
from medpages.store.store import LabelOutcome, PageToSave, RawDocument, RevisionSummary, Store

__all__ = [
    "FindingRecord",
    "LabelIngredientRecord",
    "LabelOutcome",
    "LabelRecord",
    "MedicineRecord",
    "NewSuggestion",
    "PageRecord",
    "PageToSave",
    "ROLES",
    "RawDocument",
    "RawDocumentRecord",
    "Review",
    "RevisionRecord",
    "RevisionSummary",
    "Role",
    "StaleRevision",
    "Store",
    "StoreError",
    "Suggestion",
    "SuggestionClosed",
    "SuggestionStatus",
    "User",
]
