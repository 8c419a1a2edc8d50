"""What an import did: every rejected line with its reason, merges, slug collisions, and the status.

The CLI maps the status to an exit code: 0 success, 3 done with warnings, 1 failed (2 is
taken: click/typer exit with 2 on wrong usage).
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from medpages.catalog.records import union_names
from medpages.model import Medicine

EXIT_SUCCESS = 0
EXIT_FAILED = 1  # a file could not be read, or nothing at all could be imported
EXIT_WARNINGS = 3  # imported, but some lines were rejected, merged or renamed

# Details kept per kind; beyond this only the count grows, so a file of a million bad lines
# still reports in bounded memory.
MAX_DETAILS = 10_000


class ImportStatus(str, Enum):
    SUCCESS = "success"
    WARNINGS = "warnings"
    FAILED = "failed"

    @property
    def exit_code(self) -> int:
        return {"success": EXIT_SUCCESS, "warnings": EXIT_WARNINGS, "failed": EXIT_FAILED}[self.value]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LineRef(_Record):
    """Where something was listed: a file and a 1-based line number."""

    source: str
    line: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}"


class RejectedLine(_Record):
    source: str
    line: int
    reason: str
    text: str = ""  # the start of the line, for the message; never the whole of a huge line

    def __str__(self) -> str:
        shown = f" ({self.text!r})" if self.text else ""
        return f"{self.source}:{self.line}: {self.reason}{shown}"


class MergedDuplicate(_Record):
    """A line naming a medicine already listed (same name but for case and spacing)."""

    source: str
    line: int
    title: str
    kept: LineRef
    kept_title: str

    def __str__(self) -> str:
        same = "already listed" if self.title == self.kept_title else f"the same medicine as {self.kept_title!r}"
        return f"{self.source}:{self.line}: {self.title!r} is {same} ({self.kept}); merged"


class SlugCollision(_Record):
    """Two different titles that make the same slug; the later one got a numbered slug."""

    source: str
    line: int
    title: str
    wanted_slug: str
    slug: str
    taken_by: LineRef
    taken_by_title: str

    def __str__(self) -> str:
        return (
            f"{self.source}:{self.line}: {self.title!r} would have the slug {self.wanted_slug!r} "
            f"of {self.taken_by_title!r} ({self.taken_by}); it gets {self.slug!r}"
        )


class UnresolvedName(_Record):
    """A listed name the drug dictionary does not know: the medicine is kept, with no generic name,
    links or label, until the publisher accepts a suggestion (`medpages names`)."""

    source: str
    line: int
    title: str
    name: str
    suggestion: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}: " if self.source else ""
        named = f"{self.name!r}" if self.name == self.title else f"{self.name!r} in {self.title!r}"
        hint = f"; did you mean {self.suggestion!r}?" if self.suggestion else "; no close name known"
        return f"{where}{named} did not resolve to a known medicine{hint}"


class FileProblem(_Record):
    """A file, or the rest of a file, that could not be read at all."""

    source: str
    message: str

    def __str__(self) -> str:
        return self.message if self.message.startswith(self.source) else f"{self.source}: {self.message}"


class ImportReport(BaseModel):
    """Everything a publisher needs to know about an import, line by line."""

    files: list[str] = Field(default_factory=list)
    lines_read: int = 0
    blank_lines: int = 0
    imported: int = 0
    rejected: list[RejectedLine] = Field(default_factory=list)
    merged: list[MergedDuplicate] = Field(default_factory=list)
    collisions: list[SlugCollision] = Field(default_factory=list)
    problems: list[FileProblem] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # e.g. CSV columns that were ignored
    unresolved: list[UnresolvedName] = Field(default_factory=list)
    unresolved_count: int = 0
    rejected_count: int = 0
    merged_count: int = 0
    collision_count: int = 0

    @property
    def status(self) -> ImportStatus:
        if self.problems or self.imported == 0:
            return ImportStatus.FAILED
        # Names that did not resolve are reported (and listed by `medpages names`) but are no
        # warning: a catalogue of a publisher's own products may hold many the dictionary lacks.
        if self.rejected_count or self.merged_count or self.collision_count or self.notes:
            return ImportStatus.WARNINGS
        return ImportStatus.SUCCESS

    @property
    def exit_code(self) -> int:
        return self.status.exit_code

    def reject(self, entry: RejectedLine) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_DETAILS:
            self.rejected.append(entry)

    def merge(self, entry: MergedDuplicate) -> None:
        self.merged_count += 1
        if len(self.merged) < MAX_DETAILS:
            self.merged.append(entry)

    def collide(self, entry: SlugCollision) -> None:
        self.collision_count += 1
        if len(self.collisions) < MAX_DETAILS:
            self.collisions.append(entry)

    def leave_unresolved(self, entry: UnresolvedName) -> None:
        self.unresolved_count += 1
        if len(self.unresolved) < MAX_DETAILS:
            self.unresolved.append(entry)

    def messages(self) -> list[str]:
        """One line per problem, worst first, as the CLI prints them."""
        lines = [str(p) for p in self.problems] + [str(r) for r in self.rejected]
        lines += [str(c) for c in self.collisions] + [str(m) for m in self.merged] + self.notes
        lines += [str(u) for u in self.unresolved]
        for kind, count, shown in (
            ("rejected lines", self.rejected_count, len(self.rejected)),
            ("names that did not resolve", self.unresolved_count, len(self.unresolved)),
            ("merged duplicates", self.merged_count, len(self.merged)),
            ("slug collisions", self.collision_count, len(self.collisions)),
        ):
            if count > shown:
                lines.append(f"... and {count - shown:,} more {kind}")
        return lines

    def summary(self) -> str:
        return (
            f"{self.imported:,} medicines imported from {len(self.files)} file(s); "
            f"{self.rejected_count:,} lines rejected, {self.merged_count:,} duplicates merged, "
            f"{self.collision_count:,} slug collisions renamed, {self.unresolved_count:,} names did not resolve; "
            f"status: {self.status.value}"
        )


class NameAdditions(_Record):
    """Synonyms and brands that a later duplicate listed for a medicine already sent to the sink.

    The sink has the medicine, the import no longer does: whoever stored it adds these
    (`additions.added_to(stored)`) and stores it again.
    """

    slug: str
    synonyms: list[str] = Field(default_factory=list)
    brands: list[str] = Field(default_factory=list)

    def added_to(self, medicine: Medicine) -> Medicine:
        """A copy of the medicine with these names after its own, without repeats."""
        return medicine.model_copy(update={
            "synonyms": union_names(medicine.synonyms, self.synonyms),
            "brands": union_names(medicine.brands, self.brands),
        })


class CatalogImport(BaseModel):
    """The report of an import and, without a sink, the medicines and where each was first listed.

    With a sink the medicines went to it batch by batch: `medicines` and `origins` are empty
    and `additions` lists the names duplicates brought to medicines already sent.
    """

    medicines: list[Medicine] = Field(default_factory=list)
    origins: list[LineRef] = Field(default_factory=list)  # origins[i] is where medicines[i] came from
    additions: list[NameAdditions] = Field(default_factory=list)
    report: ImportReport = Field(default_factory=ImportReport)

    @property
    def status(self) -> ImportStatus:
        return self.report.status

    @property
    def exit_code(self) -> int:
        return self.report.exit_code

    @property
    def problems(self) -> list[FileProblem]:
        """Files, or the rest of files, that could not be read: the import failed."""
        return list(self.report.problems)

    @property
    def rejected(self) -> list[FileProblem | RejectedLine]:
        """Everything not imported: unreadable files first, then each rejected line."""
        return [*self.report.problems, *self.report.rejected]

    @property
    def notices(self) -> list[SlugCollision | MergedDuplicate | str]:
        """Imported, but worth telling: slugs renamed, duplicates merged, columns not used."""
        return [*self.report.collisions, *self.report.merged, *self.report.notes]
