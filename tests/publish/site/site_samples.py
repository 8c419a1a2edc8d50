"""A small catalogue for the site tests: skeletons, the seed page, a page with every section."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from medpages.catalog.slug import folder_for, slugify
from medpages.draft.skeleton import skeleton_page
from medpages.model import (
    FAQ,
    ExtraSection,
    FAQs,
    Link,
    ListItem,
    Medicine,
    Page,
    Provenance,
    SafetyAdvice,
    SideEffect,
    SideEffects,
    Source,
    TextSection,
)
from medpages.catalog.seed_reader import parse_seed_markdown

WRITTEN_AT = datetime(2026, 3, 14, 9, 30, tzinfo=timezone.utc)


def medicine(title: str, **fields) -> Medicine:
    return Medicine(title=title, slug=slugify(title), letter=folder_for(title), **fields)


def skeleton(med: Medicine) -> Page:
    page = skeleton_page(med)
    for provenance in page.provenance.values():
        provenance.at = WRITTEN_AT  # skeleton_page stamps "now": fixed here so builds repeat exactly
    return page


def full_page(med: Medicine) -> Page:
    """A reviewed page with every section of the content model."""
    page = Page(title=med.title, front_matter={"title": med.title})
    page.generic_name = "Ibuprofen"
    page.usage = TextSection(lead="Ibuprofen relieves **pain** and fever.",
                             items=[ListItem(label="Headache:", text="short-term relief."), ListItem(text="Fever.")])
    page.dosage = TextSection(lead="Adults: 200 to 400 mg every 4 to 6 hours.")
    page.side_effects = SideEffects(lead="Common side effects:",
                                    items=[SideEffect(name="Heartburn", explanation="Take it with food."),
                                           SideEffect(name="Dizziness")])
    page.serious_side_effects = TextSection(lead="Get urgent help for black stools or vomiting blood.")
    page.important_note = TextSection(lead="Do not take it with other NSAIDs.")
    page.precautions = TextSection(lead="Ask a doctor first if you have asthma.")
    page.how_it_works = TextSection(lead="It blocks cyclo-oxygenase enzymes.")
    page.safety_advice = [SafetyAdvice(topic="alcohol", verdict="Caution", advice="Alcohol adds to stomach bleeding risk."),
                          SafetyAdvice(topic="pregnancy", verdict="Avoid", advice="Not after 20 weeks.")]
    page.interactions = TextSection(lead="Warfarin, aspirin.")
    page.missed_dose = TextSection(lead="Take it when you remember.")
    page.overdose = TextSection(lead="Call a poison centre.")
    page.storage = TextSection(lead="Below 25 °C.")
    page.faqs = FAQs(items=[FAQ(question="Can children take it?", answer="Yes, in children's doses.")])
    page.sources = [Source(title="Ibuprofen label", publisher="DailyMed", url="https://dailymed.nlm.nih.gov/x",
                           effective_date=date(2025, 1, 2))]
    page.extra_sections = [ExtraSection(heading="Pharmacist tip", body="Keep a **dose diary**.")]
    page.status = "reviewed"
    page.reviewed_on = date(2026, 2, 1)
    for key in page.present_sections():
        page.provenance[key] = Provenance(kind="model", by="test-model", at=WRITTEN_AT)
    return page


def seed_entry(seed_text: str) -> tuple[Medicine, Page]:
    page = parse_seed_markdown(seed_text)
    for key in page.present_sections():
        page.provenance[key] = Provenance(kind="imported", by="seed.md", at=WRITTEN_AT)
    return medicine(page.title, generic_name="Ado-trastuzumab emtansine"), page


def sample_entries(seed_text: str) -> list[tuple[Medicine, Page | None]]:
    paracetamol = medicine("Paracetamol 500mg", generic_name="Paracetamol", ingredients=["paracetamol"],
                           synonyms=["acetaminophen"], brands=["Calpol", "Tylenol"],
                           links=[Link(title="Paracetamol (MedlinePlus)", url="https://medlineplus.gov/druginfo/meds/a681004.html")])
    ibuprofen = medicine("Ibuprofen 400mg", generic_name="Ibuprofen", brands=["Advil", "Nurofen"])
    amoxiclav = medicine("Amoxicillin + Clavulanic Acid 625mg", ingredients=["amoxicillin", "clavulanic acid"],
                         synonyms=["co-amoxiclav"], brands=["Augmentin"])
    fluorouracil = medicine("5-Fluorouracil 500mg", generic_name="Fluorouracil")
    metformin = medicine("Metformin 500mg", brands=["Glucophage"])
    return [
        (paracetamol, skeleton(paracetamol)),
        (ibuprofen, full_page(ibuprofen)),
        (amoxiclav, skeleton(amoxiclav)),
        (fluorouracil, skeleton(fluorouracil)),
        (metformin, None),
        seed_entry(seed_text),
    ]


def page_paths(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
