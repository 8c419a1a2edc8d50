"""The one exception family: messages a publisher can act on, printed by the CLI without a traceback."""

from __future__ import annotations


class MedpagesError(Exception):
    """Base of every error medpages reports to a user."""


class ProjectNotFound(MedpagesError):
    pass


class InputError(MedpagesError):
    """A file or value a user gave cannot be read; the message names where and why."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        where = ":".join(str(p) for p in (source, line) if p is not None)
        super().__init__(f"{where}: {message}" if where else message)
