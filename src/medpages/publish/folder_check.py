"""The cheap check that an output folder is as the last build left it, shared by the HTML site and
the Jekyll tree: the build finished, the check file names the same build (`stamp`) and folder, the
files it lists are there, and each folder holds as many entries as the build left (one `scandir`
each, no stat of every page). A file edited in place is not noticed (`medpages build --full`)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path


def entries_in(folder: Path) -> int:
    """How many entries `folder` lists (one `scandir`, no stat of each)."""
    with os.scandir(folder) as listing:
        return sum(1 for _ in listing)


def check_holds(check_file: Path, running_marker: Path, out_dir: Path, stamp: str,
                files: Iterable[str] = ()) -> bool:
    """Whether the folder check in `check_file` ({"stamp", "out_dir", "folders": {folder: entries},
    and the `files` key it names}) still holds for `out_dir`; False on anything unreadable."""
    try:
        if running_marker.exists():
            return False
        check = json.loads(check_file.read_text(encoding="utf-8"))
        if not stamp or check.get("stamp") != stamp or check.get("out_dir") != str(out_dir):
            return False
        if not all(os.path.isfile(out_dir / relative) for key in files for relative in check[key]):
            return False
        return all(entries_in(out_dir / folder) == count for folder, count in check["folders"].items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
