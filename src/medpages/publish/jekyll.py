"""The Jekyll Markdown tree written out: `<letter>/<slug>.md` for every page, in the seed format.

Writing is atomic per file (`medpages.atomic.write_atomic`), touches only files whose bytes
change, and deletes only files that an earlier export wrote and nobody has edited since.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from medpages.atomic import write_atomic
from medpages.errors import InputError
from medpages.model import Medicine, Page
from medpages.publish.seed_writer import render_seed_markdown


@dataclass
class ExportReport:
    out_dir: Path
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)  # files we wrote that someone changed since


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_jekyll(entries: Iterable[tuple[Medicine, Page]], out_dir: Path, manifest: Path) -> ExportReport:
    """Write `<letter>/<slug>.md` for every page; `manifest` remembers what this export owns."""
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    report = ExportReport(out_dir=out_dir)
    previous: dict[str, str] = {}
    if manifest.is_file():
        try:
            previous = json.loads(manifest.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            previous = {}  # an unreadable manifest only means we delete nothing this time
    owned: dict[str, str] = {}
    for medicine, page in entries:
        relative = medicine.path
        target = (out_dir / relative).resolve()
        if not target.is_relative_to(out_dir):  # slugs cannot do this; refuse loudly if one ever does
            raise InputError(f"refusing to write outside {out_dir}", source=relative)
        data = render_seed_markdown(page).encode("utf-8")
        owned[relative] = _digest(data)
        try:
            if target.read_bytes() == data:
                report.unchanged += 1
                continue
        except FileNotFoundError:
            pass
        write_atomic(target, data, durable=False)  # the store has every page: a rebuild restores them
        report.written.append(relative)
    for relative, digest in sorted(previous.items()):
        if relative in owned:
            continue
        target = out_dir / relative
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            continue
        if _digest(current) == digest:
            target.unlink()
            report.deleted.append(relative)
        else:
            report.kept_edited.append(relative)
    write_atomic(manifest, json.dumps(owned, indent=0, sort_keys=True).encode("utf-8"))
    return report
