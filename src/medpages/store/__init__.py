"""The database stage: medicines, pages with their full revision history, findings, unparsed files, labels.

`Store` is the entry point; the ORM models in `schema` describe the tables.
"""

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
    "PageRecord",
    "PageToSave",
    "RawDocument",
    "RawDocumentRecord",
    "RevisionRecord",
    "RevisionSummary",
    "Store",
    "StoreError",
]
