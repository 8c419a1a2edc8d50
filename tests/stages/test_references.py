"""References: label files read into a project's store, through `medpages sources add` in process."""

from __future__ import annotations

from fixture_files import LABELS_DIR, LIPITOR_XML, SPL_DIR

from medpages.catalog import medicine_from_title

from medpages.project import Project
from medpages.stages import add_label_sources
from medpages.stages.references import label_lookup

EXIT_WARNINGS = 3


def test_sources_add_reads_the_real_labels_and_reports_a_rerun(project_dir, medpages_cli):
    first = medpages_cli("sources", "add", SPL_DIR, cwd=project_dir)
    assert first.exit_code == 0, first.output
    assert "Stored 2 labels (2 new" in first.stdout
    again = medpages_cli("sources", "add", SPL_DIR, cwd=project_dir)
    assert "Stored 0 labels" in again.stdout and "2 unchanged" in again.stdout


def test_a_missing_or_broken_file_is_named(project_dir, medpages_cli):
    missing = medpages_cli("sources", "add", "nowhere.xml", cwd=project_dir)
    assert missing.exit_code == 1 and "nowhere.xml" in missing.errors
    (project_dir / "broken.xml").write_bytes(b"<document><unclosed>")
    broken = medpages_cli("sources", "add", "broken.xml", cwd=project_dir)
    assert broken.exit_code == EXIT_WARNINGS and "broken.xml" in broken.output
    unknown = medpages_cli("sources", "download", "dailymed", cwd=project_dir)
    assert unknown.exit_code == 1 and "openfda" in unknown.errors


def test_the_stage_stores_the_label_for_its_ingredients(project_dir):
    project = Project.find(project_dir)
    report = add_label_sources(project, [LIPITOR_XML])
    assert (report.stored, report.warnings) == (1, 0)
    label = project.store().best_label(["atorvastatin"])
    assert label is not None and label.ingredients == ["atorvastatin"] and not label.otc
    assert project.store().best_label(["dextromethorphan"]) is None  # the other fixture label was not added


def test_the_lookup_takes_the_label_for_the_route_and_form_and_says_when_none_fits(project_dir, medpages_cli):
    project = Project.find(project_dir)
    add_label_sources(project, [LABELS_DIR / "voltaren-diclofenac-gel.xml", LABELS_DIR / "diclofenac-3pct-gel-nonplr.xml",
                                LABELS_DIR / "ketorolac-tab-1998.xml", LABELS_DIR / "ketorolac-ophth-nonplr.xml"])
    lookup = label_lookup(project.store())
    gel = lookup(medicine_from_title("Diclofenac Sodium 1% Gel"))
    assert gel is not None and gel.source.set_id == "9d6cf386-7fa1-433d-8fe9-4aa3617ba0e1" and gel.sections
    assert lookup(medicine_from_title("Ketorolac 10mg tablets")).forms == ["tablet"]
    assert lookup(medicine_from_title("Ketorolac 0.5% eye drops")).routes == ["ophthalmic"]
    tablets = lookup.choice(medicine_from_title("Diclofenac 50mg tablets"))
    assert tablets.label is None and "labels found: gel" in tablets.reason

    (project_dir / "generics.txt").write_text("Diclofenac 50mg tablets\nDiclofenac Sodium 1% Gel\n")
    assert medpages_cli("import", "generics.txt", cwd=project_dir).exit_code == 0
    result = medpages_cli("generate", cwd=project_dir)
    assert "No label for the route and form (none borrowed) (1)" in result.errors
    assert "no label for this route and form (by mouth, tablet); labels found: gel" in result.errors


def test_a_page_with_no_label_for_its_form_says_so(project_dir, medpages_cli):
    from medpages.publish.seed_writer import render_seed_markdown

    project = Project.find(project_dir)
    add_label_sources(project, [LABELS_DIR / "voltaren-diclofenac-gel.xml"])
    (project_dir / "generics.txt").write_text("Diclofenac 50mg tablets\n")
    assert medpages_cli("import", "generics.txt", cwd=project_dir).exit_code == 0
    medpages_cli("generate", cwd=project_dir)
    page = project.store().get_page(medicine_from_title("Diclofenac 50mg tablets").slug)
    assert page.important_note.lead == ("No official label was found for this form (by mouth, tablet); "
                                        "the labels found were for: gel.")
    assert page.usage is None and page.side_effects is None  # nothing borrowed from the gel's label
    assert "No official label was found for this form" in render_seed_markdown(page)


def test_the_mismatch_sentence_reads_each_reason():
    from medpages.draft.skeleton import label_mismatch_sentence

    assert label_mismatch_sentence("the name gives no route and the labels are for several (gel; tablet)") == (
        "The name does not say how this medicine is taken, and the official labels found are for several forms "
        "(gel; tablet).")
