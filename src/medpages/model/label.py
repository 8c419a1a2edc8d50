"""A drug label as medpages reads it, whichever format it came in: products and sections.

Both readers (`spl` for DailyMed XML, `openfda` for openFDA JSON) produce a `LabelDocument`;
`facts.extract_facts` turns one into the `LabelFacts` the rest of medpages uses.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from medpages.model.page import Strength

SourceKind = Literal["spl", "openfda"]
SOURCE_KINDS: tuple[str, ...] = ("spl", "openfda")

DAILYMED_URL = "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={set_id}"
PUBLISHERS = {
    "spl": "DailyMed (U.S. National Library of Medicine)",
    "openfda": "openFDA (U.S. Food and Drug Administration)",
}

_NUMBERED_HEADING = re.compile(r"^\s*(\d+(?:\.\d+)*)\.?(?:\s+(.*))?$", re.DOTALL)


class _LabelModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LabelIngredient(_LabelModel):
    """An active ingredient as the label names it, with its strength in this product."""

    name: str  # the substance: "ATORVASTATIN CALCIUM TRIHYDRATE"
    moiety: str | None = None  # the active part, without salt or hydrate: "ATORVASTATIN"
    strength: Strength | None = None


class LabelProduct(_LabelModel):
    """One product a label covers (a label may cover several strengths or forms)."""

    name: str  # the proprietary (brand) name, or the generic name for an unbranded product
    generic_name: str | None = None
    form: str | None = None  # lower-case: "tablet, film coated"
    routes: list[str] = Field(default_factory=list)  # lower-case: "oral"
    ingredients: list[LabelIngredient] = Field(default_factory=list)
    code: str | None = None  # the NDC product code


class LabelTable(_LabelModel):
    """A table as a grid: spanned cells repeated in every row and column they span.

    Each cell is its clean text with the lines it is written on (`<br/>`, paragraphs) kept as
    `\n`, so a cell listing five reactions lines up with the cell beside it listing five rates.
    `header_rows` counts the rows of the table's `<thead>` (0 when it has none); `caption` is
    the table's caption, or the paragraph just before it when it has none.
    """

    caption: str = ""
    header_rows: int = 0
    rows: list[list[str]] = Field(default_factory=list)


class LabelSection(_LabelModel):
    """One section of a label: its heading, its clean text and its subsections.

    `text` is plain text: paragraphs separated by a blank line, list items as `- item`
    (nested ones indented), table rows as `| cell | cell |`. `highlights` holds the
    section's summary from the label's "Highlights" box, when it has one.
    """

    key: str | None = None  # medpages' name for the LOINC code (see `sections.py`); None if unknown
    code: str | None = None  # the LOINC code
    heading: str = ""
    text: str = ""
    highlights: str = ""
    tables: list[LabelTable] = Field(default_factory=list)  # its tables as grids (SPL only; also in `text`)
    subsections: list[LabelSection] = Field(default_factory=list)

    @property
    def number(self) -> str | None:
        """The heading's section number: `5.1` for `5.1 Skeletal Muscle`."""
        match = _NUMBERED_HEADING.match(self.heading)
        return match.group(1) if match else None

    @property
    def title(self) -> str:
        """The heading without its number: `Skeletal Muscle`."""
        match = _NUMBERED_HEADING.match(self.heading)
        return (match.group(2) or "").strip() if match else self.heading.strip()

    def walk(self) -> list[LabelSection]:
        """This section and all its subsections, depth first."""
        found = [self]
        for subsection in self.subsections:
            found += subsection.walk()
        return found

    def full_text(self, level: int = 2) -> str:
        """The section and its subsections as Markdown-like text, headings included."""
        parts = []
        if self.heading:
            parts.append(f"{'#' * min(level, 6)} {self.heading}")
        if self.text:
            parts.append(self.text)
        for subsection in self.subsections:
            parts.append(subsection.full_text(level + 1))
        return "\n\n".join(part for part in parts if part)


class LabelDocument(_LabelModel):
    """A whole label: where it comes from, what it covers, and its sections in order."""

    kind: SourceKind
    set_id: str  # stays the same across the label's versions
    document_id: str | None = None  # this version's own id
    version: int | None = None
    effective_date: date | None = None
    title: str = ""
    document_type: str | None = None  # "HUMAN PRESCRIPTION DRUG LABEL", "HUMAN OTC DRUG LABEL"
    labeler: str | None = None
    products: list[LabelProduct] = Field(default_factory=list)
    substance_names: list[str] = Field(default_factory=list)  # openFDA's substances when no products
    pharmacologic_classes: list[str] = Field(default_factory=list)
    rxcuis: list[str] = Field(default_factory=list)
    sections: list[LabelSection] = Field(default_factory=list)
    origin: str | None = None  # the file (and archive member) it was read from

    def all_sections(self) -> list[LabelSection]:
        found: list[LabelSection] = []
        for section in self.sections:
            found += section.walk()
        return found

    def sections_with(self, *keys: str) -> list[LabelSection]:
        """Every section or subsection whose key is one of `keys`, in document order."""
        return [section for section in self.all_sections() if section.key in keys]

    @property
    def url(self) -> str:
        return DAILYMED_URL.format(set_id=self.set_id)


def parse_hl7_date(value: str | None) -> date | None:
    """`20140113` (or a longer HL7 timestamp, as both SPL and openFDA write dates) -> date;
    None when absent or not a date."""
    if not value or len(value) < 8 or not value[:8].isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None
