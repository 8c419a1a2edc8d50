"""Writing a file whole: a reader sees the old bytes or the new ones, never half, and a failed
write leaves no temporary file behind. The pages, manifests, state files, downloads and reports
medpages writes go through `write_atomic` (or, for a file written in pieces under another
name, `rename_durably`). A process killed mid-write (SIGKILL, a power cut) cannot remove its
temporary: `leftovers_swept` around a run of writes removes those of a run that never finished.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
# 0o666 less the umask, as for any new file (0644 under the usual 022); mkstemp's 0600 would
# hide a published page from the web server's user.
_MODE = 0o666


def write_atomic(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    The folder is made when missing. On any failure (a full disk, Ctrl-C) the temporary file
    is removed and `path` keeps its old content, or stays absent. With `durable` the bytes and
    the rename reach the disk before this returns (fsync of the file, then of the folder), so a
    power cut cannot leave an empty file where the old one was.

    The site build and the Jekyll export write thousands of pages they can make again from the
    store, so they pass `durable=False` (an fsync per page would cost more than rendering it):
    a killed build still leaves every page whole, old or new, never empty or cut off.
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    folder = folder or "."
    temporary, handle = _create_temporary(folder, name)
    _write_then(handle, data, durable, temporary)
    try:
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise
    if durable:
        _sync_folder(folder)


def _write_then(handle: int, data: bytes, durable: bool, created: str) -> None:
    """Write all of `data` to the open file and close it; on any failure remove `created`."""
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view):]
            if durable:
                os.fsync(handle)
        finally:
            os.close(handle)
    except BaseException:
        _remove(created)
        raise


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def rename_durably(finished: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Give a file written elsewhere in the same folder (a download's `.part`) its final name:
    its bytes reach the disk first, then the rename, as in `write_atomic`."""
    handle = os.open(finished, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
    os.replace(finished, path)
    _sync_folder(os.path.dirname(os.fspath(path)) or ".")


# The names `_create_temporary` gives: `.<name>.<8 hex digits>.tmp`.
_TEMPORARY_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")


@contextmanager
def leftovers_swept(root: str | os.PathLike[str], marker: str | os.PathLike[str], *,
                    files: Iterable[str | os.PathLike[str]] = ()) -> Iterator[None]:
    """Around a run of `write_atomic` calls under `root` (a site build, an export) and to `files`
    outside it (its manifests, in a folder other runs share).

    `marker` (outside `root`) holds the process id while the run goes on and is removed when it
    ends without an error. Finding it at the start means the last run was killed or failed: its
    temporaries are removed from `root` and those of `files` from beside them first, unless its
    process is still running (two runs at once: the other one's temporaries are in use)."""
    marker = os.fspath(marker)
    try:
        with open(marker, encoding="ascii") as stream:
            previous = int(stream.read().strip() or 0)
    except (OSError, ValueError):
        previous = None
    if previous is not None and not _running(previous):
        remove_temporaries(root)
        for path in files:
            _remove_temporaries_of(os.fspath(path))
    write_atomic(marker, str(os.getpid()).encode("ascii"), durable=False)
    yield
    _remove(marker)


def remove_temporaries(root: str | os.PathLike[str]) -> list[str]:
    """Delete every file under `root` named like a `write_atomic` temporary; their paths."""
    removed = []
    for folder, _, names in os.walk(root):
        for name in names:
            if _TEMPORARY_NAME.match(name):
                path = os.path.join(folder, name)
                _remove(path)
                removed.append(path)
    return removed


def _remove_temporaries_of(path: str) -> None:
    """Delete the `write_atomic` temporaries of the file `path` (`.<name>.<8 hex>.tmp` beside it)."""
    folder, name = os.path.split(path)
    pattern = re.compile(rf"^\.{re.escape(name)}\.[0-9a-f]{{8}}\.tmp$")
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return
    for other in names:
        if pattern.match(other):
            _remove(os.path.join(folder, other))


def _running(pid: int) -> bool:
    if pid <= 0 or pid == os.getpid() or os.name == "nt":  # Windows: os.kill(pid, 0) would end it
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _create_temporary(folder: str, name: str) -> tuple[str, int]:
    """A new hidden file beside the target (same file system, so the rename is atomic)."""
    for _ in range(100):
        temporary = os.path.join(folder, f".{name}.{os.urandom(4).hex()}.tmp")
        try:
            return temporary, os.open(temporary, _CREATE, _MODE)
        except FileExistsError:
            continue  # a leftover of a killed process, or another writer: another name
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
    raise FileExistsError(f"cannot create a temporary file beside {os.path.join(folder, name)}")


def _sync_folder(folder: str) -> None:
    """Flush the folder's entry for the renamed file (POSIX; Windows cannot open a folder)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
