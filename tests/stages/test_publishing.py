"""Publishing: which revision of each page `medpages build` puts out, with `[publish] only_reviewed`
off (the default) and on, through real builds of the site and the Jekyll tree."""

from __future__ import annotations

import shutil

import pytest

from medpages.model import TextSection
from medpages.project import Project
from medpages.stages.building import Publication

SEED = "ado-trastuzumab-emtansine-160mg"  # the seed page: reviewed, then a newer draft
REVIEWED_USAGE = "Reviewed usage text a pharmacist approved."
DRAFT_USAGE = "A newer draft nobody has reviewed yet."
NEVER_REVIEWED = "ibuprofen-400mg"  # a page, never reviewed
NO_PAGE = "paracetamol-500mg"  # a catalogue entry without a page


@pytest.fixture
def reviewed_then_drafted(project_dir, medpages_cli, seed_path):
    """The seed page reviewed with one text, then a newer draft; Ibuprofen drafted, never reviewed."""
    shutil.copy(seed_path, project_dir / "seed.md")
    (project_dir / "generics.txt").write_text("Paracetamol 500mg\nIbuprofen 400mg\n", encoding="utf-8")
    assert medpages_cli("import", "generics.txt", "seed.md", cwd=project_dir).exit_code == 0
    store = Project.find(project_dir).store()
    pharmacist = store.add_user("pharmacist", "reviewer", "not-a-real-hash")
    page = store.get_page(SEED)
    reviewed = page.model_copy(update={"usage": TextSection(lead=REVIEWED_USAGE), "status": "reviewed"})
    store.save_revision(SEED, reviewed, expected_revision=store.current_revision(SEED), author="pharmacist",
                        kind="contributor", message="reviewed", review_by=pharmacist.id)
    store.save_page(SEED, reviewed.model_copy(update={"usage": TextSection(lead=DRAFT_USAGE), "status": "draft"}),
                    author="someone", kind="contributor", message="a later change")
    ibuprofen = page.model_copy(update={"title": "Ibuprofen 400mg", "usage": TextSection(lead="Ibuprofen draft."),
                                        "original": None})
    store.save_page(NEVER_REVIEWED, ibuprofen, author="model", kind="model")
    return project_dir


def _site_page(project_dir, slug: str) -> str:
    return (project_dir / "site" / slug[0] / slug / "index.html").read_text(encoding="utf-8")


def test_by_default_the_reviewed_revision_goes_out_and_the_rest_with_their_badge(reviewed_then_drafted,
                                                                                 medpages_cli):
    result = medpages_cli("build", cwd=reviewed_then_drafted)
    assert result.exit_code == 0, result.output
    assert "1 page published at their newest reviewed revision" in result.stdout
    assert "left out" not in result.stdout
    seed_html = _site_page(reviewed_then_drafted, SEED)
    assert REVIEWED_USAGE in seed_html and DRAFT_USAGE not in seed_html
    tree = reviewed_then_drafted / "jekyll"
    seed_md = (tree / "a" / f"{SEED}.md").read_text(encoding="utf-8")
    assert REVIEWED_USAGE in seed_md and DRAFT_USAGE not in seed_md
    assert "Ibuprofen draft." in _site_page(reviewed_then_drafted, NEVER_REVIEWED)
    assert (tree / "i" / f"{NEVER_REVIEWED}.md").is_file()
    assert "Not yet written" in _site_page(reviewed_then_drafted, NO_PAGE)


def test_only_reviewed_leaves_the_others_out_of_the_site_and_the_tree_and_says_so(reviewed_then_drafted,
                                                                                  medpages_cli):
    assert medpages_cli("build", cwd=reviewed_then_drafted).exit_code == 0  # first everything, as by default
    config = reviewed_then_drafted / "medpages.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[publish]\nonly_reviewed = true\n", encoding="utf-8")
    result = medpages_cli("build", cwd=reviewed_then_drafted)
    assert result.exit_code == 0, result.output
    assert "2 pages left out: not reviewed yet, and [publish] only_reviewed = true." in result.stdout
    assert "1 medicine page;" in result.stdout
    assert REVIEWED_USAGE in _site_page(reviewed_then_drafted, SEED)
    for slug in (NEVER_REVIEWED, NO_PAGE):  # removed from the site the first build wrote
        assert not (reviewed_then_drafted / "site" / slug[0] / slug / "index.html").exists()
    assert sorted(p.name for p in (reviewed_then_drafted / "jekyll").rglob("*.md")) == [f"{SEED}.md"]


def test_only_a_page_reviewed_before_and_changed_since_costs_a_stable_lookup(reviewed_then_drafted, monkeypatch):
    project = Project.find(reviewed_then_drafted)
    store = project.store()
    looked_up: list[str] = []
    lookup = store.stable_revision

    def counted(slug):  # a spy: the real store answers, the test counts the questions
        looked_up.append(slug)
        return lookup(slug)

    monkeypatch.setattr(store, "stable_revision", counted)
    publication = Publication.of(project)
    published = {medicine.slug: page for medicine, page in publication.entries()}
    assert looked_up == [SEED]  # not the page never reviewed, not the medicine without a page
    assert published[SEED].usage.lead == REVIEWED_USAGE and publication.stable == [SEED]

    current = store.get_page(SEED).model_copy(update={"status": "reviewed"})
    store.save_page(SEED, current, author="pharmacist", kind="contributor")
    looked_up.clear()
    published = {medicine.slug: page for medicine, page in publication.entries()}
    assert looked_up == []  # a page reviewed at its current revision is its own stable version
    assert published[SEED].usage.lead == DRAFT_USAGE and publication.stable == []
