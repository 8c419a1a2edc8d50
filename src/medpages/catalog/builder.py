"""Listed records made into `Medicine`s: checked, de-duplicated, given a unique slug, parsed, resolved.

Every importer feeds this one builder, so the rules are the same for text, CSV and JSON, and
duplicates and slug collisions are found across all the files of one import. Medicines go
to a sink in batches as they are made; the builder keeps only what `KeptIndex` keeps of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from medpages.catalog.canonical import NO_IDENTIFIERS, ResolvedProduct, resolve_product
from medpages.catalog.kept import KeptIndex
from medpages.catalog.names import read_name
from medpages.catalog.records import ListedRecord, union_names
from medpages.catalog.report import (
    MAX_DETAILS,
    ImportReport,
    MergedDuplicate,
    NameAdditions,
    RejectedLine,
    SlugCollision,
    UnresolvedName,
)
from medpages.catalog.suggestions import suggest_spelling, unresolved_ingredients
from medpages.catalog.slug import MAX_SLUG, folder_for, slugify
from medpages.catalog.titles import (
    MAX_TITLE_LENGTH,
    duplicate_key,
    instruction_problem,
    title_from_listed_name,
    title_problem,
)
from medpages.model import Medicine

EXCERPT_LENGTH = 60
# Medicines per call of the sink: large enough that a database writes them in one statement,
# small enough that a batch is a few MB.
BATCH_SIZE = 2000

Sink = Callable[[list[Medicine]], None]


def excerpt(text: str) -> str:
    """The start of a line, short enough for a message."""
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH] + "…"


class CatalogBuilder:
    """Turns records into medicines in listing order; the first listing of a name wins.

    Each medicine is numbered in the order it is made (0, 1, 2, …) and sent to `sink` in
    batches of `batch_size`; call `finish()` at the end to send the last batch.
    """

    def __init__(
        self,
        report: ImportReport,
        sink: Sink,
        *,
        batch_size: int = BATCH_SIZE,
        resolve_names: bool = True,
        max_title_length: int = MAX_TITLE_LENGTH,
    ):
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.report = report
        self.resolve_names = resolve_names
        self.max_title_length = max_title_length
        self.kept = KeptIndex()
        self._sink = sink
        self._batch_size = batch_size
        self._batch: list[Medicine] = []
        self._sent = 0  # medicines numbered below this have gone to the sink
        self._additions: dict[int, tuple[list[str], list[str]]] = {}  # number -> synonyms, brands
        self._next_number: dict[str, int] = {}  # per wanted slug, so a thousand clashes stay linear

    def reject(self, source: str, line: int, reason: str, text: str = "") -> None:
        self.report.reject(RejectedLine(source=source, line=line, reason=reason, text=excerpt(text)))

    def add(self, record: ListedRecord, source: str, line: int) -> Medicine | None:
        """The new medicine, or None if the record was rejected or merged into an earlier one."""
        return self.add_name(record.listed_name(), source, line, record)

    def add_name(self, listed: str, source: str, line: int, record: ListedRecord | None = None) -> Medicine | None:
        """`add` for a name as listed; `record` carries a CSV row's or JSON object's other fields."""
        if not listed:
            self.reject(source, line, "no medicine name")
            return None
        title = title_from_listed_name(listed)
        problem = title_problem(title, self.max_title_length) or instruction_problem(title)
        if problem:
            self.reject(source, line, problem, listed)
            return None
        key = duplicate_key(title)
        kept = self.kept.with_key(key)
        if kept is not None:
            self._merge(kept, record, title, source, line)
            return None
        wanted = slugify(title)
        slug = wanted if self.kept.with_slug(wanted) is None else self._numbered_slug(wanted, title, source, line)
        medicine = build_medicine(title, slug, record, resolve_names=self.resolve_names)
        self.kept.add(key, slug, title, source, line, renamed=slug != wanted)
        if self.resolve_names and medicine.generic_name is None:
            self._report_unresolved(medicine, source, line)
        self._batch.append(medicine)
        if len(self._batch) >= self._batch_size:
            self._send()
        return medicine

    def finish(self) -> list[NameAdditions]:
        """Send the last batch; the names duplicates added to medicines sent before them."""
        self._send()
        return [
            NameAdditions(slug=self.kept.slug(number), synonyms=synonyms, brands=brands)
            for number, (synonyms, brands) in self._additions.items()
        ]

    def _report_unresolved(self, medicine: Medicine, source: str, line: int) -> None:
        """Each ingredient the dictionary does not know, with the closest name it does."""
        for name in unresolved_ingredients(medicine.ingredients) or [medicine.title]:
            # Past the details a report keeps, only the count grows: no suggestion is looked for.
            kept = len(self.report.unresolved) < MAX_DETAILS
            self.report.leave_unresolved(UnresolvedName(
                source=source, line=line, title=medicine.title, name=name,
                suggestion=suggest_spelling(name) if kept else None))

    def _send(self) -> None:
        if self._batch:
            batch, self._batch = self._batch, []
            self._sent += len(batch)
            self._sink(batch)

    def _merge(self, kept: int, record: ListedRecord | None, title: str, source: str, line: int) -> None:
        self.report.merge(
            MergedDuplicate(
                source=source, line=line, title=title, kept=self.kept.origin(kept), kept_title=self.kept.title(kept)
            )
        )
        # A second row may carry names the first did not: keep them, nothing is lost.
        if record is None or not (record.synonyms or record.brands):
            return
        if kept >= self._sent:  # still here: add them to the medicine itself
            medicine = self._batch[kept - self._sent]
            if record.synonyms:
                medicine.synonyms = union_names(medicine.synonyms, record.synonyms)
            if record.brands:
                medicine.brands = union_names(medicine.brands, record.brands)
            return
        synonyms, brands = self._additions.get(kept, ([], []))
        self._additions[kept] = (union_names(synonyms, record.synonyms), union_names(brands, record.brands))

    def _numbered_slug(self, wanted: str, title: str, source: str, line: int) -> str:
        """The first free `<slug>-2`, `-3`, ... for a title whose slug another title has."""
        number = self._next_number.get(wanted, 2)
        while True:
            suffix = f"-{number}"
            slug = wanted[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
            number += 1
            if self.kept.with_slug(slug) is None:
                break
        self._next_number[wanted] = number
        owner = self.kept.with_slug(wanted)
        assert owner is not None
        self.report.collide(
            SlugCollision(
                source=source,
                line=line,
                title=title,
                wanted_slug=wanted,
                slug=slug,
                taken_by=self.kept.origin(owner),
                taken_by_title=self.kept.title(owner),
            )
        )
        return slug


def medicine_from_title(title: str, *, resolve_names: bool = True) -> Medicine:
    """The catalogue entry for one title taken as it is (an imported page's title).

    No cleaning and no checks: the title is already a page's. Slug and letter come from
    slug.py; ingredients, strengths, form and canonical names are filled as for a list.
    The medicine is the caller's own: nothing in it is shared.
    """
    return with_own_parts(build_medicine(title, slugify(title), None, resolve_names=resolve_names))


def build_medicine(title: str, slug: str, record: ListedRecord | None, *, resolve_names: bool = True) -> Medicine:
    """A `Medicine` with everything the title (and the record's extra columns) says.

    Its strengths, identifiers and links are shared with the other medicines that read or
    resolve alike (validated once, not once per medicine): never change them in place;
    `with_own_parts` gives a medicine that may be changed at will.
    """
    reading = read_name(title)
    ingredient_names = reading.ingredients
    generic = record.generic if record else ""
    if generic:
        ingredient_names = read_name(title_from_listed_name(generic)).ingredients or ingredient_names
    if resolve_names:
        product = resolve_product(ingredient_names)
    else:
        product = ResolvedProduct(generic_name=None, ingredients=ingredient_names)
    generic_name = product.generic_name
    if generic_name is None and generic:
        generic_name = title_from_listed_name(generic)  # the publisher's own word
    synonyms, brands, form = list(product.synonyms), list(product.brands), reading.form
    if record is not None:
        synonyms = union_names(record.synonyms, synonyms)
        brands = union_names(record.brands, brands)
        form = form or record.form.lower() or None
    # Every value is already of its field's type (text, lists of text, validated models), so the
    # medicine is not validated again: a copy of a blank one with every field replaced is the same
    # medicine in a third of the time (validation was a fifth of the cost of a line).
    return _BLANK_MEDICINE.model_copy(update={
        "title": title,
        "slug": slug,
        "letter": folder_for(title),
        "generic_name": generic_name,
        "ingredients": list(product.ingredients),
        "strengths": list(reading.strengths),
        "form": form,
        "synonyms": synonyms,
        "brands": brands,
        "identifiers": product.identifiers,
        "links": list(product.links),
    })


# Every field set, each replaced in every copy: nothing of it is shared with a medicine.
_BLANK_MEDICINE = Medicine(title="-", slug="-", letter="-", generic_name=None, ingredients=[], strengths=[],
                           form=None, synonyms=[], brands=[], identifiers=NO_IDENTIFIERS, links=[])


def with_names_corrected(medicine: Medicine, corrections: Mapping[str, str]) -> Medicine:
    """The medicine resolved again with some ingredient names replaced (`Paracetmol` -> `paracetamol`).

    Generic name, ingredients, brands, identifiers and links are the corrected names'; the
    title, slug, strengths and form stay as listed, so the page does not move. Synonyms and
    brands the list itself gave are kept first.
    """
    names = tuple(corrections.get(name, name) for name in medicine.ingredients)
    product = resolve_product(names)
    return with_own_parts(medicine.model_copy(update={
        "generic_name": product.generic_name,
        "ingredients": list(product.ingredients),
        "synonyms": union_names(medicine.synonyms, product.synonyms),
        "brands": union_names(medicine.brands, product.brands),
        "identifiers": product.identifiers,
        "links": list(product.links),
    }))


def with_own_parts(medicine: Medicine) -> Medicine:
    """The medicine with its own copies of the strengths, identifiers and links it shares."""
    return medicine.model_copy(update={
        "strengths": [strength.model_copy() for strength in medicine.strengths],
        "identifiers": medicine.identifiers.model_copy(),
        "links": [link.model_copy() for link in medicine.links],
    })
