"""medpages: turn a list of medicines into a trustworthy, searchable medicine-information website.

The Python API: the content model, the seed format both ways, and a project's stages.
The names load on first use (PEP 562), so `import medpages.errors` or `medpages --help`
does not build the pydantic models.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medpages.catalog.seed_reader import parse_seed_markdown
    from medpages.errors import InputError, MedpagesError
    from medpages.model import Medicine, Page
    from medpages.project import Project
    from medpages.publish.seed_writer import render_seed_markdown

_EXPORTS = {
    "InputError": "medpages.errors",
    "MedpagesError": "medpages.errors",
    "Medicine": "medpages.model",
    "Page": "medpages.model",
    "Project": "medpages.project",
    "parse_seed_markdown": "medpages.catalog.seed_reader",
    "render_seed_markdown": "medpages.publish.seed_writer",
}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'medpages' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
