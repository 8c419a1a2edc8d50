"""Listed records made into `Medicine`s: checked, de-duplicated, given a unique slug, parsed, resolved.

Every importer feeds this one builder, so the rules are the same for text, CSV and JSON, and
duplicates and slug collisions are found across all the files of one import.
"""

from __future__ import annotations

from medpages.catalog.canonical import CanonicalFields, canonical_fields
from medpages.catalog.names import parse_name
from medpages.catalog.records import ListedRecord
from medpages.catalog.report import (
    ImportReport,
    LineRef,
    MergedDuplicate,
    RejectedLine,
    SlugCollision,
)
from medpages.catalog.slug import MAX_SLUG, folder_for, slugify
from medpages.catalog.titles import (
    MAX_TITLE_LENGTH,
    duplicate_key,
    title_from_listed_name,
    title_problem,
)
from medpages.model import Medicine

EXCERPT_LENGTH = 60


def excerpt(text: str) -> str:
    """The start of a line, short enough for a message."""
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH] + "…"


class CatalogBuilder:
    """Turns records into medicines in listing order; the first listing of a name wins."""

    def __init__(
        self,
        report: ImportReport,
        *,
        resolve_names: bool = True,
        max_title_length: int = MAX_TITLE_LENGTH,
    ):
        self.report = report
        self.resolve_names = resolve_names
        self.max_title_length = max_title_length
        self.medicines: list[Medicine] = []
        self.origins: list[LineRef] = []
        self._index_by_key: dict[str, int] = {}
        self._index_by_slug: dict[str, int] = {}
        self._next_number: dict[str, int] = {}  # per wanted slug, so a thousand clashes stay linear

    def reject(self, source: str, line: int, reason: str, text: str = "") -> None:
        self.report.reject(RejectedLine(source=source, line=line, reason=reason, text=excerpt(text)))

    def add(self, record: ListedRecord, source: str, line: int) -> Medicine | None:
        """The new medicine, or None if the record was rejected or merged into an earlier one."""
        listed = record.listed_name()
        if not listed:
            self.reject(source, line, "no medicine name")
            return None
        title = title_from_listed_name(listed)
        problem = title_problem(title, self.max_title_length)
        if problem:
            self.reject(source, line, problem, listed)
            return None
        key = duplicate_key(title)
        kept = self._index_by_key.get(key)
        if kept is not None:
            self._merge(kept, record, title, source, line)
            return None
        slug = self._unique_slug(title, source, line)
        medicine = self._medicine(title, slug, record)
        self._index_by_key[key] = self._index_by_slug[slug] = len(self.medicines)
        self.medicines.append(medicine)
        self.origins.append(LineRef(source=source, line=line))
        return medicine

    def _merge(self, kept: int, record: ListedRecord, title: str, source: str, line: int) -> None:
        medicine = self.medicines[kept]
        self.report.merge(
            MergedDuplicate(
                source=source, line=line, title=title, kept=self.origins[kept], kept_title=medicine.title
            )
        )
        # A second row may carry names the first did not: keep them, nothing is lost.
        if record.synonyms:
            medicine.synonyms = _union(medicine.synonyms, record.synonyms)
        if record.brands:
            medicine.brands = _union(medicine.brands, record.brands)

    def _unique_slug(self, title: str, source: str, line: int) -> str:
        """The title's slug; if another title has it, the first free `<slug>-2`, `-3`, ..."""
        wanted = slugify(title)
        if wanted not in self._index_by_slug:
            return wanted
        number = self._next_number.get(wanted, 2)
        while True:
            suffix = f"-{number}"
            slug = wanted[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
            number += 1
            if slug not in self._index_by_slug:
                break
        self._next_number[wanted] = number
        owner = self._index_by_slug[wanted]
        self.report.collide(
            SlugCollision(
                source=source,
                line=line,
                title=title,
                wanted_slug=wanted,
                slug=slug,
                taken_by=self.origins[owner],
                taken_by_title=self.medicines[owner].title,
            )
        )
        return slug

    def _medicine(self, title: str, slug: str, record: ListedRecord) -> Medicine:
        return build_medicine(title, slug, record, resolve_names=self.resolve_names)


def medicine_from_title(title: str, *, resolve_names: bool = True) -> Medicine:
    """The catalogue entry for one title taken as it is (an imported page's title).

    No cleaning and no checks: the title is already a page's. Slug and letter come from
    slug.py; ingredients, strengths, form and canonical names are filled as for a list.
    """
    return build_medicine(title, slugify(title), ListedRecord(name=title), resolve_names=resolve_names)


def build_medicine(title: str, slug: str, record: ListedRecord, *, resolve_names: bool = True) -> Medicine:
    """A `Medicine` with everything the title (and the record's extra columns) says."""
    parsed = parse_name(title)
    ingredient_names = parsed.ingredients
    if record.generic:
        ingredient_names = parse_name(title_from_listed_name(record.generic)).ingredients or ingredient_names
    fields = (
        canonical_fields(ingredient_names) if resolve_names else CanonicalFields(ingredients=list(ingredient_names))
    )
    generic_name = fields.generic_name
    if generic_name is None and record.generic:
        generic_name = title_from_listed_name(record.generic)  # the publisher's own word
    return Medicine(
        title=title,
        slug=slug,
        letter=folder_for(title),
        generic_name=generic_name,
        ingredients=fields.ingredients,
        strengths=parsed.strengths,
        form=parsed.form or (record.form.lower() or None),
        synonyms=_union(record.synonyms, fields.synonyms),
        brands=_union(record.brands, fields.brands),
        identifiers=fields.identifiers,
        links=fields.links,
    )


def _union(first: list[str], second: list[str]) -> list[str]:
    """Both lists in order, without repeats that differ only by case."""
    if not second or not first:
        return list(first or second)
    seen = {name.casefold() for name in first}
    merged = list(first)
    for name in second:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            merged.append(name)
    return merged
