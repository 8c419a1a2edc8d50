"""The drafting prompt: the medicine, the label's facts as the only facts, a recorded version, a project override."""

from __future__ import annotations

import pytest
from fixture_files import SPL_DIR

from medpages.catalog import medicine_from_title
from medpages.draft.prompting import load_template, render_page_prompt
from medpages.errors import InputError
from medpages.sources.facts import extract_facts
from medpages.sources.spl import read_spl

SPL = SPL_DIR


@pytest.fixture(scope="module")
def lipitor():
    path = SPL / "lipitor-atorvastatin.xml"
    return extract_facts(read_spl(path.read_bytes(), origin=str(path)))


def test_the_prompt_asks_for_plain_words_and_uses_only_the_labels_facts(lipitor):
    prompt = render_page_prompt(medicine_from_title("Atorvastatin 20mg"), lipitor)
    assert "plain language" in prompt.system and "first person" in prompt.system
    assert "Medicine: Atorvastatin 20mg" in prompt.user
    assert "Use ONLY the facts below" in prompt.user
    for fact in ("nasopharyngitis (8.3%)", "Rhabdomyolysis", "Active liver disease", "HMG-CoA reductase",
                 "Store at controlled room temperature"):
        assert fact in prompt.user
    for key in ("usage", "side_effects", "important_note", "how_it_works", "faqs", "safety_advice"):
        assert key in prompt.user
    assert len(prompt.user) < 12000  # long label sections are cut short


def test_without_facts_the_prompt_says_so():
    prompt = render_page_prompt(medicine_from_title("Paracetamol 500mg"), None)
    assert "No label facts are available" in prompt.user and "Use ONLY" not in prompt.user


def test_the_version_is_the_header_and_the_hash_and_a_project_template_replaces_the_shipped_one(tmp_path):
    shipped = load_template()
    assert shipped.version.startswith("1+") and len(shipped.version) == 10
    (tmp_path / "page.md.j2").write_text("{# version: 7 #}{% block system %}S{% endblock %}"
                                         "{% block user %}Medicine: {{ medicine.title }}{% endblock %}")
    prompt = render_page_prompt(medicine_from_title("Paracetamol 500mg"), None, prompts_dir=tmp_path)
    assert (prompt.system, prompt.user) == ("S", "Medicine: Paracetamol 500mg")
    assert prompt.version.startswith("7+") and prompt.version != shipped.version
    assert prompt.fingerprint != render_page_prompt(medicine_from_title("Paracetamol 500mg"), None).fingerprint


def test_a_broken_project_template_is_reported_with_its_file(tmp_path):
    (tmp_path / "page.md.j2").write_text("{% block system %}{% endblock %}")
    with pytest.raises(InputError, match="block user"):
        load_template(prompts_dir=tmp_path)
