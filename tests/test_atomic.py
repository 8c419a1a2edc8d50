"""write_atomic: the old file or the new, never half; no temporary left behind; normal permissions."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from medpages.atomic import write_atomic


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_a_new_file_and_its_folders(tmp_path):
    target = tmp_path / "a" / "b" / "page.html"
    write_atomic(target, b"<p>new</p>")
    assert target.read_bytes() == b"<p>new</p>"
    assert os.listdir(target.parent) == ["page.html"]


@pytest.mark.parametrize("durable", [True, False])
def test_replaces_an_existing_file(tmp_path, durable):
    target = tmp_path / "state.json"
    target.write_bytes(b"old and longer than the new")
    write_atomic(target, b"new", durable=durable)
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["state.json"]


def test_accepts_a_string_path_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_atomic("plain.txt", b"x")
    assert (tmp_path / "plain.txt").read_bytes() == b"x"


def test_new_and_replaced_files_get_0644_under_umask_022(tmp_path, umask_022):
    target = tmp_path / "index.html"
    write_atomic(target, b"one")
    assert mode(target) == 0o644  # not mkstemp's 0600
    target.chmod(0o600)
    write_atomic(target, b"two")
    assert mode(target) == 0o644


def test_permissions_follow_the_umask(tmp_path):
    previous = os.umask(0o077)
    try:
        write_atomic(tmp_path / "private", b"x")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "private") == 0o600


def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old")

    def interrupted(handle):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["manifest.json"]


_FILL_THE_DISK = """
import os, resource, signal, sys
from medpages.atomic import write_atomic
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    write_atomic(sys.argv[1], b"x" * 100_000)
except OSError as error:
    print(error.errno)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE and SIGXFSZ as on Linux")
def test_a_write_that_fails_halfway_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    # The kernel refuses the write after 4 KB, as a full disk would: a real failure mid-write.
    target = tmp_path / "page.html"
    target.write_bytes(b"the old page")
    result = subprocess.run([sys.executable, "-c", _FILL_THE_DISK, str(target)], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == "27"  # EFBIG
    assert target.read_bytes() == b"the old page"
    assert os.listdir(tmp_path) == ["page.html"]


def test_a_failed_first_write_leaves_nothing(tmp_path, monkeypatch):
    def refused(source, destination):
        raise PermissionError("refused")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(PermissionError):
        write_atomic(tmp_path / "new.txt", b"data")
    assert os.listdir(tmp_path) == []


def test_a_rebuildable_page_is_written_whole_without_fsync(tmp_path, umask_022):
    target = tmp_path / "a" / "index.html"
    write_atomic(target, b"first", durable=False)
    assert target.read_bytes() == b"first" and mode(target) == 0o644
    reader = target.open("rb")  # a reader holding the old page keeps reading the old page
    write_atomic(target, b"second", durable=False)
    assert reader.read() == b"first"
    reader.close()
    assert target.read_bytes() == b"second"
    assert os.listdir(target.parent) == ["index.html"]


def test_an_interrupted_first_write_leaves_no_file_and_no_temporary(tmp_path, monkeypatch):
    def interrupted(handle, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "index.html", b"page", durable=False)
    assert os.listdir(tmp_path) == []


def test_a_killed_runs_temporaries_are_swept_from_its_folder_and_beside_its_manifests(tmp_path):
    """A run killed mid-write leaves a temporary in its output folder, or beside one of its manifests
    in a folder other runs share; the next run removes those, and nothing of anyone else's."""
    from medpages.atomic import leftovers_swept

    out, shared = tmp_path / "out", tmp_path / "state"
    (out / "a").mkdir(parents=True)
    shared.mkdir()
    marker = shared / "export.running"
    marker.write_text("999999999")  # the killed run's process, long gone
    left = [out / "a" / ".page.md.0123abcd.tmp", shared / ".export.json.89abcdef.tmp",
            shared / ".export.check.json.00ff00ff.tmp"]
    others = [shared / ".site-manifest.json.0123abcd.tmp", shared / "export.json", out / "a" / "page.md"]
    for path in left + others:
        path.write_bytes(b"...")
    with leftovers_swept(out, marker, files=[shared / "export.json", shared / "export.check.json"]):
        assert [path for path in left if path.exists()] == []
        assert all(path.exists() for path in others)
        assert marker.read_text() == str(os.getpid())
    assert not marker.exists()
