"""Label fixtures for the sources tests: the two real SPL documents in tests/fixtures/spl, small openFDA-shaped files of ours."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from fixture_files import LIPITOR_XML, OTC_XML, SPL_DIR
from medpages.model.label import LabelDocument
from medpages.sources.openfda import iter_openfda_labels
from medpages.sources.spl import read_spl

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OPENFDA_LABELS = FIXTURES / "openfda-labels.json"  # the two SPL fixtures as openFDA publishes labels
OPENFDA_SYNTHETIC = FIXTURES / "openfda-synthetic.json"  # made-up medicines: versions, combinations, bad records

LIPITOR_SET_ID = "c6e131fe-e7df-4876-83f7-9156fc4e8228"
OTC_SET_ID = "00f66f25-3469-4c16-9baf-fba21e9628bd"


def read_spl_file(path: Path) -> LabelDocument:
    return read_spl(path.read_bytes(), origin=str(path))


def openfda_documents(path: Path) -> list[LabelDocument]:
    with path.open("rb") as stream:
        return [item for item in iter_openfda_labels(stream, origin=str(path)) if isinstance(item, LabelDocument)]


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
