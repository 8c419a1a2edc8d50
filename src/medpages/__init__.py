"""medpages: turn a list of medicines into a trustworthy, searchable medicine-information website.

The Python API: the content model, the seed format both ways, and a project's stages.
"""

from medpages.errors import InputError, MedpagesError
from medpages.model import Medicine, Page
from medpages.project import Project
from medpages.catalog.seed_reader import parse_seed_markdown
from medpages.publish.seed_writer import render_seed_markdown

__all__ = [
    "InputError",
    "MedpagesError",
    "Medicine",
    "Page",
    "Project",
    "parse_seed_markdown",
    "render_seed_markdown",
]
__version__ = "0.1.0"
