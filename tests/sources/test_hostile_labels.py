"""One bad label does not sink the others: each file is read in isolation, within bounds of depth,
size and memory, reported with its path and reason, and the good labels beside it are stored.

The hostile files are made here, small: an openFDA record nested 60,000 deep (120 KB), a zip of
a few hundred KB unpacking to a 40 MB SPL document, and a label with one 2 MB section.
Driven through `add_label_sources`, as `medpages sources add`.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import tracemalloc
import zipfile
from contextlib import contextmanager

import pytest

from fixture_files import LIPITOR_XML
from medpages.project import Project
from medpages.stages.references import add_label_sources

from label_samples import LIPITOR_SET_ID, OPENFDA_SYNTHETIC

DEEP = 60_000
# Generous: the old readers took 8 GB (the deep record) and 2.7 GB (the zip bomb).
PEAK_BYTES = 400 * 1024 * 1024


def _good_record(number: int) -> dict:
    record = json.loads(OPENFDA_SYNTHETIC.read_text(encoding="utf-8"))["results"][0]
    return {**record, "set_id": f"0000aaaa-0000-4000-8000-{number:012d}"}


def _deep_record_file(path) -> None:
    """A record nested 60,000 deep between two good ones."""
    deep = '{"set_id": "deep", "warnings": ' + "[" * DEEP + "]" * DEEP + "}"
    path.write_text('{"meta": {}, "results": [' + json.dumps(_good_record(901)) + ", " + deep + ", "
                    + json.dumps(_good_record(902)) + "]}", encoding="utf-8")


def _huge_label(size: int) -> bytes:
    """The Lipitor label with one paragraph of `size` bytes of repeated text (compresses ~1000:1)."""
    xml = LIPITOR_XML.read_bytes()
    end = xml.index(b"</text>")
    filler = b"<paragraph>" + b"lorem ipsum dolor sit amet " * (size // 27) + b"</paragraph>"
    return xml[:end] + filler + xml[end:]


@contextmanager
def _memory_watched():
    """Peak Python memory (tracemalloc) while the block runs; an address-space limit so a
    regression fails with MemoryError rather than swapping the machine."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        in_use = int(statm.read().split()[0]) * resource.getpagesize()
    limit = in_use + 3 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    tracemalloc.start()
    peak = {}
    try:
        yield peak
    finally:
        peak["bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.fixture
def project(tmp_path) -> Project:
    return Project.init(tmp_path / "project")


def _problems(report, name: str) -> list[str]:
    return [problem for file in report.files for problem in file.problems if name in problem]


def test_a_record_nested_60000_deep_is_reported_and_the_records_beside_it_stored(project, tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    shutil.copy(LIPITOR_XML, labels / "lipitor.xml")
    _deep_record_file(labels / "deep.json")
    assert (labels / "deep.json").stat().st_size < 200_000
    with _memory_watched() as peak:
        report = add_label_sources(project, [labels])
    assert peak["bytes"] < PEAK_BYTES
    [problem] = _problems(report, "deep.json")
    assert "record 2" in problem and "nested more than" in problem
    by_file = {file.path.rsplit("/", 1)[-1]: file for file in report.files}
    assert (by_file["deep.json"].read, by_file["deep.json"].unreadable) == (2, 1)
    assert (by_file["lipitor.xml"].read, by_file["lipitor.xml"].new) == (1, 1)
    with project.store() as store:
        assert store.get_label(LIPITOR_SET_ID, with_sections=False) is not None
        assert store.get_label("0000aaaa-0000-4000-8000-000000000902", with_sections=False) is not None


def test_a_zip_bomb_is_refused_unparsed_and_the_good_label_stored(project, tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    shutil.copy(LIPITOR_XML, labels / "lipitor.xml")
    with zipfile.ZipFile(labels / "bomb.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("label.xml", _huge_label(40 * 1024 * 1024))
    assert (labels / "bomb.zip").stat().st_size < 1_000_000
    with _memory_watched() as peak:
        report = add_label_sources(project, [labels])
    assert peak["bytes"] < PEAK_BYTES
    [problem] = _problems(report, "bomb.zip")
    assert "bomb.zip!label.xml" in problem and "MB at most" in problem
    with project.store() as store:
        assert store.get_label(LIPITOR_SET_ID, with_sections=False) is not None
    assert sum(path.stat().st_size for path in project.root.glob("*.sqlite3*")) < 20_000_000


def test_a_label_with_a_section_of_megabytes_is_refused_not_stored(project, tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    with zipfile.ZipFile(labels / "big-section.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("label.xml", _huge_label(2 * 1024 * 1024))
    shutil.copy(OPENFDA_SYNTHETIC, labels / "openfda.json")
    report = add_label_sources(project, [labels])
    [problem] = _problems(report, "big-section.zip")
    assert "big-section.zip!label.xml" in problem and "characters" in problem and "refused" in problem
    with project.store() as store:
        assert store.get_label(LIPITOR_SET_ID, with_sections=False) is None
        assert store.label_counts()["labels.openfda"] > 0


@pytest.fixture
def labels(tmp_path):
    """A folder for labels; its deep chain of folders, if any, removed bottom up afterwards
    (Python 3.11's shutil.rmtree, and so pytest's clean-up, recurses once per level)."""
    folder = tmp_path / "labels"
    folder.mkdir()
    yield folder
    deep = folder / "deep"
    if not deep.is_dir():
        return
    chain = [deep]
    while (chain[-1] / "d").is_dir():
        chain.append(chain[-1] / "d")
    for level in reversed(chain):
        for child in os.scandir(level):
            if not child.is_dir(follow_symlinks=False):
                os.unlink(child.path)
        os.rmdir(level)


def test_a_hostile_folder_of_labels_is_walked_without_recursion_or_hanging(project, labels):
    shutil.copy(LIPITOR_XML, labels / "lipitor.xml")
    os.mkfifo(labels / "pipe.xml")  # skipped in a folder: reading it would wait for a writer
    os.symlink(labels / "nothing.json", labels / "dangling.json")
    os.symlink("..", labels / "up")  # a folder linking to its parent: not walked
    deep = labels / "deep"
    deep.mkdir()
    descriptor = os.open(deep, os.O_RDONLY)
    try:
        for _ in range(1_100):
            os.mkdir("d", dir_fd=descriptor)
            inner = os.open("d", os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        with os.fdopen(os.open("openfda.json", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor), "wb") as out:
            out.write(OPENFDA_SYNTHETIC.read_bytes())
    finally:
        os.close(descriptor)
    previous = signal.signal(signal.SIGALRM, _blocked)
    signal.alarm(120)
    try:
        report = add_label_sources(project, [labels])
        pipe_alone = add_label_sources(project, [labels / "pipe.xml"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert [file.path.rsplit("/", 1)[-1] for file in report.files] == ["openfda.json", "lipitor.xml"]
    assert "not a regular file" in pipe_alone.files[0].problems[0]
    with project.store() as store:
        assert store.get_label(LIPITOR_SET_ID, with_sections=False) is not None
        assert store.label_counts()["labels.openfda"] > 0


def _blocked(signum, frame):
    raise TimeoutError("reading the labels blocked for 120 s")
