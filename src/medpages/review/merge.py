"""Three-way merge of section text, as MediaWiki merges an edit made on an older revision (diff3)."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    raise NotImplementedError
