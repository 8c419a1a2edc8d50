"""Backup: every medicine, page, revision, suggestion, review and account of a project in one
file (`medpages export --all FILE`), and that file restored into an empty project
(`medpages import FILE`). The format is the store's dump (JSON lines); accounts go out with
their password hashes only."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from medpages.atomic import rename_durably
from medpages.errors import InputError
from medpages.project import Project


@dataclass
class BackupReport:
    path: Path
    rows: dict[str, int] = field(default_factory=dict)  # rows per table

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def export_all(project: Project, path: Path) -> BackupReport:
    """Write the whole store to `path` through a temporary file beside it and a rename: a reader
    (or a crash) sees the old file or the whole new one, never half a backup."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            rows = project.store().dump(handle)
        rename_durably(handle.name, path)
    except BaseException:
        _remove(handle.name)
        raise
    return BackupReport(path, rows)


def restore_backup(project: Project, path: Path) -> BackupReport:
    """Load a backup into the project, which must be empty (no medicines, no accounts): restoring
    over existing work would mix two histories, so it is refused and nothing is written."""
    store = project.store()
    held = [what for what, count in (("medicines", store.counts().get("medicines", 0)),
                                     ("accounts", len(store.users()))) if count]
    if held:
        raise InputError(f"this project already holds {' and '.join(held)}: a backup is restored only into an "
                         "empty project (`medpages init NEW_FOLDER`, then `medpages import` there)", source=str(path))
    try:
        with path.open("rb") as source:
            rows = store.restore(source)
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", source=str(path)) from None
    return BackupReport(path, rows)


def is_backup(path: Path) -> bool:
    """Whether `path` is a file `export_all` wrote: its first line is the dump's JSON header."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as file:
            first = file.readline(1 << 16)
    except OSError:
        return False
    if not first.lstrip().startswith(b"{"):
        return False
    try:
        header = json.loads(first)
    except ValueError:
        return False
    return isinstance(header, dict) and _is_dump_header(header)


def _is_dump_header(header: dict) -> bool:
    # Any format number: `Store.restore` says which formats it reads.
    return "medpages_backup" in header


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass
