"""Three-way merge of section text, as MediaWiki merges an edit made on an older revision (diff3)."""

from __future__ import annotations

from dataclasses import dataclass, field

from merge3 import Merge3


@dataclass(frozen=True)
class Conflict:
    """One region both sides changed: what the current page has there and what the suggestion has."""

    base: str
    current: str
    suggested: str


@dataclass(frozen=True)
class MergeResult:
    text: str | None  # the merged text; None when there are conflicts
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.text is not None


def merge_text(base: str, current: str, suggested: str) -> MergeResult:
    """Merge the suggestion's change (base → suggested) into the current text (base → current),
    line by line. Non-overlapping changes merge; overlapping ones are conflicts; nothing is dropped."""
    if suggested == base or current == suggested:
        return MergeResult(current)
    if current == base:
        return MergeResult(suggested)
    merged: list[str] = []
    conflicts: list[Conflict] = []
    groups = Merge3(_lines(base), _lines(current), _lines(suggested)).merge_groups()
    for group in groups:
        kind = group[0]
        if kind == "conflict":
            base_lines, current_lines, suggested_lines = group[1], group[2], group[3]
            conflicts.append(Conflict(_text(base_lines), _text(current_lines), _text(suggested_lines)))
        else:
            merged.extend(group[1])
    if conflicts:
        return MergeResult(None, conflicts)
    return MergeResult(_text(merged))


def _lines(text: str) -> list[str]:
    """Lines with their ends; every text gets a final newline so a last line compares like the others."""
    return (text + "\n").splitlines(keepends=True)


def _text(lines: list[str]) -> str:
    text = "".join(lines)
    return text[:-1] if text.endswith("\n") else text
