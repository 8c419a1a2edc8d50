"""The stages of a project's run, one module each, in the order the data flows.

`importing` (lists and existing pages in) → `references` (label files in) → `generating`
(drafts, checked as they arrive) → `checking` (the quality gate over every page) → `building`
(the HTML site and the Jekyll tree out). Each takes a `Project` and returns a report of what it
did; the CLI and the demo call them, and so can a Python user.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medpages.stages.building import build_html_site, build_jekyll
    from medpages.stages.checking import CheckRun, check_pages
    from medpages.stages.generating import (
        GenerateReport,
        choose_backend,
        generate_pages,
    )
    from medpages.stages.importing import ImportReport, import_paths
    from medpages.stages.names import NamesReport, accept_suggestions, unresolved_names
    from medpages.stages.references import add_label_sources

# Each name's module, imported when first asked for: `medpages build` loads no drafting client,
# `medpages generate` no site templates.
_MODULES = {
    "build_html_site": "building", "build_jekyll": "building", "CheckRun": "checking", "check_pages": "checking",
    "GenerateReport": "generating", "choose_backend": "generating", "generate_pages": "generating",
    "ImportReport": "importing", "import_paths": "importing", "NamesReport": "names",
    "accept_suggestions": "names", "unresolved_names": "names", "add_label_sources": "references",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"medpages.stages.{_MODULES[name]}"), name)


__all__ = [
    "CheckRun",
    "GenerateReport",
    "ImportReport",
    "NamesReport",
    "accept_suggestions",
    "add_label_sources",
    "build_html_site",
    "build_jekyll",
    "check_pages",
    "choose_backend",
    "generate_pages",
    "import_paths",
    "unresolved_names",
]
