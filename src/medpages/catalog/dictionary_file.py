"""Reading the drug dictionary's tables quickly: the package ships them as a bz2-compressed
pickle, whose decompression is most of the second a first look-up costs. The first load in a
user's account keeps a plain JSON copy in the user's cache folder, named by the digest of the
shipped file; later loads read that copy (about five times faster). JSON, not a pickle: a file
in a cache folder is never trusted to run code, and the tables are only dicts, lists, strings,
numbers and booleans, which JSON keeps exactly (a copy that does not load is made again).
"""

from __future__ import annotations

import bz2
import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any

from medpages.atomic import write_atomic

CACHE_FORMAT = "1"  # bump when the copy's layout changes


def cache_folder() -> Path:
    """`$XDG_CACHE_HOME/medpages`, else `~/.cache/medpages`."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "medpages"


def read_tables(shipped: Path) -> dict[str, Any]:
    """The dictionary's tables from `shipped` (the package's .pkl.bz2), through the cached copy
    when there is a good one; a cache folder that cannot be written only means no copy."""
    data = shipped.read_bytes()
    copy = cache_folder() / f"drug-dictionary-{CACHE_FORMAT}-{hashlib.sha256(data).hexdigest()[:24]}.json"
    try:
        tables = json.loads(copy.read_bytes())
        if isinstance(tables, dict):
            return tables
    except (OSError, ValueError, RecursionError):
        pass  # no copy yet, or a damaged one: made again below
    # A pickle runs code when loaded: this one is part of an installed dependency, as trusted as
    # that package's own modules, and is never read from a user-supplied path.
    tables = pickle.loads(bz2.decompress(data))
    try:
        write_atomic(copy, json.dumps(tables, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                     durable=False)
    except OSError:
        pass  # a read-only home, a full disk: the next load decompresses again
    return tables
