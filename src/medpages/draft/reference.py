"""The reference composer: a page written from a label's facts alone, with no language model.

`compose_reference_page(medicine, facts)` writes only what the label states, in the label's
own sentences made easier to read (section references dropped, the brand in capitals replaced
by the generic name, a few medical terms put in plain words). Every sentence it writes is
recorded in `page.traces` with the label section, heading and words it came from. What the
facts do not support stays absent, so it renders as "not yet written": nothing is invented.
Without facts it writes the skeleton (identity and links).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone

from medpages.draft.skeleton import generic_name_line, skeleton_page
from medpages.model import (
    FAQ,
    LABEL_NOTE_TEXT,
    FAQs,
    ListItem,
    Medicine,
    Page,
    Provenance,
    SafetyAdvice,
    SideEffect,
    SideEffects,
    Source,
    TextSection,
    Trace,
)
from medpages.sources.facts import (
    ANIMAL_STUDY,
    NOT_WHILE_BREASTFEEDING,
    PREGNANCY_WORDS,
    Fact,
    LabelFacts,
)
from medpages.sources.lexicon import lay_term
from medpages.sources.text import sentences

COMPOSER = "medpages reference composer"
COMPOSER_VERSION = "1"
# At most this many items per list: a label lists every indication and interaction in detail;
# a reader's page keeps the first ones and the Sources say where the rest is.
MAX_ITEMS = 6

# `[see Use in Specific Populations (8.3)]` whole (facts.py's pattern stops at the inner parenthesis).
_SECTION_REFERENCE = re.compile(r"\s*(?:\[see [^\]]*\]|\((?:see )?\d+(?:\.\d+)*(?:\s*,\s*\d+(?:\.\d+)*)*\))")
_SPACES = re.compile(r"\s+")
# Label wording -> plain words, for uses and precautions (side effects use the lexicon).
_PLAIN_PHRASES = (
    ("myocardial infarction", "heart attack"),
    ("fetal harm", "harm to an unborn baby"),
    ("as an adjunct to diet", "together with a healthy diet"),
    ("chf", "heart failure"),
    ("hypercholesterolemia", "high cholesterol"),
    ("hyperlipidemia", "high blood fats"),
    ("revascularization procedures", "procedures to restore blood flow to the heart"),
    ("hepatic transaminase", "liver enzyme"),
    ("hepatic", "liver"),
    ("renal", "kidney"),
    ("hypersensitivity", "allergy"),
    ("nursing mothers", "breastfeeding"),
)
_PLAIN = re.compile(r"\b(" + "|".join(re.escape(label) for label, _ in _PLAIN_PHRASES) + r")\b", re.IGNORECASE)
_PLAIN_WORDS = dict(_PLAIN_PHRASES)


class _Writer:
    """Collects the sentences of one page with the fact each came from."""

    def __init__(self, medicine: Medicine, facts: LabelFacts):
        self.facts = facts
        self.traces: list[Trace] = []
        self.name = medicine.generic_name or " + ".join(medicine.ingredients) or medicine.title
        self._brands = sorted({name for name in facts.product_names if name}, key=len, reverse=True)

    def plain(self, text: str) -> str:
        """The label's sentence, easier to read: no section references, the generic for the brand."""
        text = _SECTION_REFERENCE.sub("", text)
        for brand in self._brands:
            text = re.sub(rf"\b{re.escape(brand)}\b", self.name.lower(), text, flags=re.IGNORECASE)
        text = _PLAIN.sub(lambda match: _PLAIN_WORDS[match.group(0).lower()], text)
        text = _SPACES.sub(" ", text).strip()
        if text.isupper():  # a label sentence in capitals shouts; a page says it once, calmly
            text = text.capitalize()
        return text[:1].upper() + text[1:] if text else text

    def sentence(self, section: str, text: str, fact: Fact | None, *, quote: str | None = None) -> str:
        """Record `text` as written in `section`, from `fact` (None: the page's fixed wording)."""
        if fact is not None:
            self.traces.append(Trace(
                section=section, text=text, source=self.facts.source.set_id, label_section=fact.section,
                heading=fact.heading, quote=quote if quote is not None else fact.text,
            ))
        return text

    def item(self, section: str, fact: Fact) -> ListItem:
        return ListItem(text=self.sentence(section, _end(self.plain(fact.text.replace(" | ", ": "))), fact))


def compose_reference_page(medicine: Medicine, facts: LabelFacts | None) -> Page:
    """The page the label supports; the skeleton when there is no label."""
    page = skeleton_page(medicine)
    if facts is None:
        return page
    writer = _Writer(medicine, facts)
    now = datetime.now(timezone.utc)
    page.generic_name = generic_name_line(medicine)
    sections = {
        "usage": _usage(writer),
        "dosage": _dosage(writer),
        "side_effects": _side_effects(writer),
        "serious_side_effects": _serious_side_effects(writer),
        "important_note": _important_note(writer),
        "precautions": _precautions(writer),
        "how_it_works": _how_it_works(writer),
        "safety_advice": _safety_advice(writer),
        "interactions": _interactions(writer),
        "missed_dose": _from_facts(writer, "missed_dose", facts.missed_dose),
        "overdose": _from_facts(writer, "overdose", facts.overdose),
        "storage": _from_facts(writer, "storage", facts.storage),
        "faqs": _faqs(writer),
    }
    provenance = Provenance(kind="reference", by=f"{COMPOSER} from {facts.source.kind}:{facts.source.set_id}",
                            prompt_version=COMPOSER_VERSION, at=now)
    for key, value in sections.items():
        if value:
            setattr(page, key, value)
            page.provenance[key] = provenance
    label_source = Source(title=facts.source.title, publisher=facts.source.publisher, url=facts.source.url,
                          effective_date=facts.source.effective_date)
    page.sources = [label_source, *(page.sources or [])]
    page.provenance["sources"] = provenance
    page.traces = writer.traces
    page.note = LABEL_NOTE_TEXT  # the truth about this page: compiled from the label, not reviewed
    return page


def _usage(writer: _Writer) -> TextSection | None:
    facts = writer.facts
    uses = _first_distinct(facts.indications or facts.purposes, limit=MAX_ITEMS, similar=True)
    if not uses:
        return None
    kind = "an over-the-counter medicine" if facts.otc else "a prescription medicine"
    lead = writer.sentence("usage", f"{writer.name} is {kind}. According to its label, it is used to:", None)
    return TextSection(lead=lead, items=[writer.item("usage", fact) for fact in uses])


def _dosage(writer: _Writer) -> TextSection | None:
    dosing = writer.facts.dosing
    statements = _first_distinct(dosing.statements)
    if not statements:
        return None
    lead = "Your doctor decides your dose. The label gives these doses:"
    return TextSection(lead=writer.sentence("dosage", lead, None),
                       items=[writer.item("dosage", fact) for fact in statements])


def _side_effects(writer: _Writer) -> SideEffects | None:
    statements = writer.facts.common_adverse_reactions
    if not statements:
        return None
    # The statement with incidences, when the label has one, says the most.
    statement = max(statements, key=lambda s: sum(t.incidence_percent is not None for t in s.terms))
    threshold = f" (in {statement.threshold} of people)" if statement.threshold else ""
    lead = writer.sentence(
        "side_effects", f"The most common side effects in clinical studies{threshold} were:", statement,
        quote=statement.text)
    items = []
    for term in statement.terms:
        name = lay_term(term.term)
        name = name[:1].upper() + name[1:]
        explanation = f"The label calls this {term.term}."
        if term.incidence_percent is not None:
            explanation = f"About {term.incidence_percent:g} in 100 people in the studies; the label calls this {term.term}."
        writer.sentence("side_effects", f"{name}: {explanation}", statement, quote=statement.text)
        items.append(SideEffect(name=name, explanation=explanation))
    closing = writer.sentence(
        "side_effects", "Tell your doctor about any side effect that bothers you or does not go away.", None)
    return SideEffects(lead=lead, items=items, closing=closing)


def _serious_side_effects(writer: _Writer) -> TextSection | None:
    serious = writer.facts.serious_adverse_reactions
    if serious is None or not serious.terms:
        return None
    lead = writer.sentence("serious_side_effects", "The label lists these serious side effects. "
                           "Get medical help straight away if you think you have one:", None)
    items = [ListItem(text=writer.sentence("serious_side_effects", _end(writer.plain(term)), serious, quote=term))
             for term in serious.terms[:MAX_ITEMS]]
    return TextSection(lead=lead, items=items)


def _important_note(writer: _Writer) -> TextSection | None:
    facts = writer.facts
    boxed = _first_distinct(facts.boxed_warning)
    avoid = _first_distinct(facts.contraindications or facts.do_not_use)
    if not boxed and not avoid:
        return None
    lead = ""
    if boxed:
        lead = " ".join(writer.sentence("important_note", _end(writer.plain(fact.text)), fact) for fact in boxed)
        lead = f"Boxed warning: {lead}"
    items = []
    closing = ""
    if avoid:
        closing = writer.sentence("important_note", f"Do not take {writer.name.lower()} if any of these apply:", None)
        items = [writer.item("important_note", fact) for fact in avoid]
    if not lead:
        lead, closing = closing, ""
    return TextSection(lead=lead, items=items, closing=closing)


def _precautions(writer: _Writer) -> TextSection | None:
    warnings = writer.facts.serious_warnings[:MAX_ITEMS + 2]
    if not warnings:
        warnings_otc = _first_distinct(writer.facts.ask_doctor + writer.facts.stop_use)
        if not warnings_otc:
            return None
        lead = writer.sentence("precautions", "Ask a doctor or pharmacist before use, or stop and ask, if:", None)
        return TextSection(lead=lead, items=[writer.item("precautions", fact) for fact in warnings_otc])
    lead = writer.sentence("precautions", "The label warns about:", None)
    items = []
    for warning in warnings:
        first = (sentences(warning.text) or [warning.text])[0]
        if ANIMAL_STUDY.search(first):
            continue  # a finding in animals is the prescriber's concern; the label is in Sources
        text = writer.sentence("precautions", _end(writer.plain(first)), warning, quote=first)
        title = writer.plain(warning.title)
        items.append(ListItem(label=f"{title}:" if title else None, text=text))
    return TextSection(lead=lead, items=items)


def _how_it_works(writer: _Writer) -> TextSection | None:
    facts = writer.facts
    parts = []
    if facts.pharmacologic_classes:
        classes = " and ".join(facts.pharmacologic_classes)
        parts.append(writer.sentence("how_it_works", f"{writer.name} is an {classes}." if classes[:1].lower() in "aeiou"
                                     else f"{writer.name} is a {classes}.", None))
    if facts.mechanism:
        first = facts.mechanism[0]
        parts.append(writer.sentence("how_it_works", _end(writer.plain(first.text)), first))
    return TextSection(lead=" ".join(parts)) if parts else None


def _safety_advice(writer: _Writer) -> list[SafetyAdvice] | None:
    facts = writer.facts
    advice = []
    for topic, contraindicated, statements in (
        ("pregnancy", facts.pregnancy_contraindicated, facts.pregnancy),
        ("breastfeeding", facts.breastfeeding_contraindicated, facts.lactation),
    ):
        if not contraindicated or not statements:
            continue  # only what the label states plainly: a "do not use" verdict
        fact = _warning_statement(statements)
        text = writer.sentence("safety_advice", _end(writer.plain(fact.text)), fact)
        advice.append(SafetyAdvice(topic=topic, verdict="Do not use", advice=text))
    return advice or None


def _interactions(writer: _Writer) -> TextSection | None:
    facts = _first_distinct(writer.facts.interactions)
    if not facts:
        return None
    lead = writer.sentence("interactions", "Tell your doctor and pharmacist about every medicine you take. "
                           "The label warns about these combinations:", None)
    return TextSection(lead=lead, items=[writer.item("interactions", fact) for fact in facts])


def _from_facts(writer: _Writer, section: str, facts: list[Fact]) -> TextSection | None:
    facts = _first_distinct(facts)
    if not facts:
        return None
    return TextSection(lead=" ".join(writer.sentence(section, _end(writer.plain(f.text)), f) for f in facts))


def _faqs(writer: _Writer) -> FAQs | None:
    """Only questions the label answers plainly: "may I take it while pregnant or breastfeeding"
    when the label says no. (Missed dose and storage have their own sections.)"""
    facts = writer.facts
    name = writer.name.lower()
    questions = (
        (f"Can I take {name} if I am pregnant?", facts.pregnancy_contraindicated,
         _mentioning(facts.contraindications, PREGNANCY_WORDS) or facts.pregnancy,
         f"No. Its label says {name} must not be used during pregnancy."),
        (f"Can I breastfeed while taking {name}?", facts.breastfeeding_contraindicated,
         _mentioning(facts.lactation, NOT_WHILE_BREASTFEEDING) or facts.lactation,
         f"No. Its label says women who take {name} should not breastfeed."),
    )
    items = []
    for question, says_no, statements, answer in questions:
        if says_no and statements:
            items.append(FAQ(question=writer.sentence("faqs", question, None),
                             answer=writer.sentence("faqs", answer, statements[0])))
    return FAQs(items=items) if items else None




def _mentioning(facts: list[Fact], pattern: re.Pattern[str]) -> list[Fact]:
    return [fact for fact in facts if pattern.search(fact.text)]


def _first_distinct(facts: Iterable[Fact], limit: int = MAX_ITEMS, *, similar: bool = False) -> list[Fact]:
    """The first `limit` facts from the label's full text (not its Highlights), without repeats.

    `similar`: also leave out a statement whose words are all in one already chosen, or that
    holds all of one's words (`Reduce the risk of non-fatal heart attack` after `Reduce the risk
    of heart attack`: the label repeats its uses for each group of patients).
    """
    chosen: list[Fact] = []
    seen: set[str] = set()
    word_sets: list[frozenset[str]] = []
    full = [fact for fact in facts if not fact.highlights]
    for fact in full or list(facts):
        if _is_caption(fact.text):
            continue
        key = _SPACES.sub(" ", _SECTION_REFERENCE.sub("", fact.text)).strip().lower().rstrip(".")
        if not key or key in seen:
            continue
        words = frozenset(re.findall(r"[a-z]{3,}", key)) - _QUALIFYING_WORDS
        if similar and any(words <= other or other <= words for other in word_sets):
            continue
        seen.add(key)
        word_sets.append(words)
        chosen.append(fact)
        if len(chosen) == limit:
            break
    return chosen


# Words that qualify a use rather than name it.
_QUALIFYING_WORDS = frozenset({"and", "the", "for", "non", "fatal", "risk", "with", "patients", "adult"})


_STATES_A_RISK = re.compile(r"\b(may|might|can|could|should|must|do not|not to|cause|harm)\b", re.IGNORECASE)


def _warning_statement(statements: list[Fact]) -> Fact:
    """The statement that says what to do or what may happen, rather than who it is about
    (`Women who are pregnant or may become pregnant.` is a contraindication's list item)."""
    for fact in statements:
        if _STATES_A_RISK.search(fact.text) and not fact.text.lower().startswith(("women who", "patients who")):
            return fact
    return statements[0]


def _is_caption(text: str) -> bool:
    """A table's title row (`Drug Interactions Associated with Increased Risk of Myopathy`): not a statement."""
    if text.rstrip()[-1:] in ".!?:" or "|" in text:
        return False
    words = [word for word in re.findall(r"[A-Za-z][\w/-]*", _SECTION_REFERENCE.sub("", text)) if len(word) > 3]
    return len(words) >= 3 and sum(word[0].isupper() for word in words) >= 0.6 * len(words)


def _end(text: str) -> str:
    """A sentence ends with a full stop (a list item from a table row may not)."""
    text = text.rstrip().rstrip(";,").rstrip()
    return text if not text or text[-1] in ".!?:" else text + "."
