"""Fixtures for the sources tests; the sample files and helpers are in `label_samples`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medpages.model.facts import LabelFacts
from medpages.sources.facts import extract_facts
from medpages.model.label import LabelDocument
from medpages.store import Store

from fixture_files import LABELS_DIR
from label_samples import LIPITOR_XML, OPENFDA_LABELS, OTC_XML, openfda_documents, read_spl_file


@pytest.fixture(scope="session")
def lipitor() -> LabelDocument:
    return read_spl_file(LIPITOR_XML)


@pytest.fixture(scope="session")
def otc() -> LabelDocument:
    return read_spl_file(OTC_XML)


@pytest.fixture(scope="session")
def lipitor_facts(lipitor: LabelDocument) -> LabelFacts:
    return extract_facts(lipitor)


@pytest.fixture(scope="session")
def otc_facts(otc: LabelDocument) -> LabelFacts:
    return extract_facts(otc)


@pytest.fixture(scope="session")
def openfda_facts() -> dict[str, LabelFacts]:
    return {doc.set_id: extract_facts(doc) for doc in openfda_documents(OPENFDA_LABELS)}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "medpages.sqlite") as opened:
        yield opened


@pytest.fixture(scope="session")
def corpus_facts() -> dict[str, LabelFacts]:
    """Every corpus label (tests/fixtures/labels), read once: file stem -> facts."""
    from medpages.sources.spl import read_spl

    return {path.stem: extract_facts(read_spl(path.read_bytes(), origin=path.name))
            for path in sorted(LABELS_DIR.glob("*.xml"))}
