"""The import memo: what each page file a project imported read into, so that importing an
unchanged tree again parses nothing (`.medpages/import-memo.json`; see `ReadMemo`)."""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from pathlib import Path

from medpages.atomic import write_atomic


class ReadMemo:
    """What each page file this project imported read into: its medicine's slug and path, and the
    digests of the medicine and the page the import made of it (`.medpages/import-memo.json`).

    A memo, not a record: a file's entry says what reading these exact bytes, at this place in
    a tree, with this medpages, gives, whatever the store holds. An import that finds the store
    holding exactly that medicine and page has nothing to write for the file, and skips it
    unparsed. An entry written by another medpages (its code, its drug dictionary or the
    libraries it reads with differ) is not trusted; a missing or damaged memo only costs the
    parsing it would have saved."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.version = _reader_version()
        self._entries: dict[str, list[str]] = {}
        self._used: dict[str, list[str]] = {}
        if path is not None:
            try:
                document = json.loads(path.read_bytes())
                if document.get("version") == self.version and isinstance(document.get("files"), dict):
                    self._entries = document["files"]
            except (OSError, ValueError, AttributeError):
                pass

    def key(self, relative: str, raw: bytes) -> str:
        digest = hashlib.sha256(relative.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(raw)
        return digest.hexdigest()[:_MEMO_DIGITS]

    def get(self, key: str) -> tuple[str, str, str, str] | None:
        entry = self._entries.get(key)
        if not (isinstance(entry, list) and len(entry) == 4 and all(isinstance(part, str) for part in entry)):
            return None
        return tuple(entry)  # type: ignore[return-value]

    def keep(self, key: str) -> None:
        self._used[key] = self._entries[key]

    def remember(self, key: str, slug: str, path: str, medicine_digest: str, page_digest: str) -> None:
        self._used[key] = self._entries[key] = [slug, path, short_digest(medicine_digest), short_digest(page_digest)]

    def save(self) -> None:
        """Write the memo: the entries this import used or made first, then older ones while they fit."""
        if self.path is None or not self._used:
            return
        files = dict(self._used)
        for key, entry in self._entries.items():
            if len(files) >= MEMO_MAX_FILES:
                break
            files.setdefault(key, entry)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            document = {"version": self.version, "files": files}
            write_atomic(self.path, json.dumps(document, separators=(",", ":")).encode("utf-8"), durable=False)
        except OSError:
            pass  # a memo that cannot be written only costs the next import its parsing


MEMO_NAME = "import-memo.json"
MEMO_MAX_FILES = 500_000
_MEMO_DIGITS = 32  # 128 bits of SHA-256: no two files' keys or pages' digests coincide


def short_digest(digest: str | None) -> str | None:
    return None if digest is None else digest[:_MEMO_DIGITS]


@functools.cache
def _reader_version() -> str:
    """What decides what a file reads into, besides its bytes and place: medpages' own code and
    data (the reader, the model, the catalogue and the drug dictionary, the store's JSON) and the
    libraries that parse and serialise."""
    import pydantic
    import pydantic_core
    import yaml

    from medpages import __version__

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for folder in ("catalog", "model", "store", "stages"):
        for source in sorted((package / folder).rglob("*")):
            if source.suffix in (".py", ".toml", ".json", ".txt") and "__pycache__" not in source.parts:
                digest.update(source.relative_to(package).as_posix().encode() + b"\0")
                digest.update(source.read_bytes())
    try:
        from medpages.catalog.canonical import dictionary_path

        dictionary = dictionary_path()
        info = dictionary.stat()
        digest.update(f"{dictionary}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    except Exception:  # no dictionary: importing pages fails anyway, and says why
        pass
    for version in (__version__, sys.version, pydantic.VERSION, pydantic_core.__version__, yaml.__version__):
        digest.update(f"{version}\0".encode())
    return digest.hexdigest()
