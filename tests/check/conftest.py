"""Fixtures for the check tests; the samples and helpers are in `check_samples`."""

from __future__ import annotations

import pytest

from medpages.model import Page
from medpages.model.facts import LabelFacts

from check_samples import LIPITOR_XML, OTC_XML, eval_page, label_facts


@pytest.fixture(scope="session")
def lipitor_facts() -> LabelFacts:
    return label_facts(LIPITOR_XML)


@pytest.fixture(scope="session")
def otc_facts() -> LabelFacts:
    return label_facts(OTC_XML)


@pytest.fixture
def clean_atorvastatin() -> Page:
    return eval_page("clean-atorvastatin-10mg.md")


@pytest.fixture
def clean_triaminic() -> Page:
    return eval_page("clean-triaminic-night.md")
