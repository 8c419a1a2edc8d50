"""What comes in: lists of medicine names (their parsing, canonical names and slugs) and existing pages.

`import_catalog(paths)` reads generics.txt, CSV and JSON lists and returns the medicines with a
report of every rejected line. Existing pages are read by `seed_reader.parse_seed_markdown`
(seed Markdown -> `Page`) and `page_files` (a Jekyll tree walked, each file read or kept raw).
"""

from medpages.catalog.canonical import CanonicalDrug, canonical_fields, load_dictionary, resolve_name
from medpages.catalog.groups import group_strengths
from medpages.catalog.importers import import_catalog, medicine_from_title
from medpages.catalog.names import ParsedName, parse_name
from medpages.catalog.report import (
    EXIT_FAILED,
    EXIT_SUCCESS,
    EXIT_WARNINGS,
    CatalogImport,
    ImportReport,
    ImportStatus,
)
from medpages.catalog.slug import folder_for, slugify
from medpages.catalog.titles import MAX_TITLE_LENGTH, title_from_listed_name

__all__ = [
    "EXIT_FAILED",
    "EXIT_SUCCESS",
    "EXIT_WARNINGS",
    "MAX_TITLE_LENGTH",
    "CanonicalDrug",
    "CatalogImport",
    "ImportReport",
    "ImportStatus",
    "ParsedName",
    "canonical_fields",
    "folder_for",
    "group_strengths",
    "import_catalog",
    "load_dictionary",
    "medicine_from_title",
    "parse_name",
    "resolve_name",
    "slugify",
    "title_from_listed_name",
]
