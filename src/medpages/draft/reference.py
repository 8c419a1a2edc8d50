"""The reference composer: a page written from a label's facts alone, with no language model.

`compose_reference_page(medicine, facts)` writes only what the label states, in the label's
own sentences made easier to read (section references dropped, the brand in capitals replaced
by the generic name, a few medical terms put in plain words). Every sentence it writes is
recorded in `page.traces` with the label section, heading and words it came from. What the
facts do not support stays absent, so it renders as "not yet written": nothing is invented.
Without facts it writes the skeleton (identity and links).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from medpages.draft.glossary import Glossary, glossary_entries
from medpages.draft.plain_language import capitalise_sentences, plain_words, reader_voice, split_long
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
    CommonAdverseReactions,
    Fact,
    LabelFacts,
    ReactionRate,
)
from medpages.sources.lexicon import lay_term, normalise, stem
from medpages.sources.text import sentences

COMPOSER = "medpages reference composer"
COMPOSER_VERSION = "1"
# At most this many items per list: a label lists every indication and interaction in detail;
# a reader's page keeps the first ones and the Sources say where the rest is.
MAX_ITEMS = 6

# Cross-references to other parts of the label: `[see Warnings and Precautions (5.1)]`,
# `(see WARNINGS: Life-Threatening ...)`, `(5.1, 7)`, `(See also Boxed WARNING.)`. A reader of the
# page has no numbered sections; the label is in Sources.
_SECTION_REFERENCE = re.compile(
    r"\s*(?:\[\s*[Ss]ee\b[^\]]*\]"
    r"|\(\s*(?:[Ss]ee|SEE)\b(?:[^()]|\([^()]*\))*\)"
    r"|\((?:\s*\d+(?:\.\s?\d+)*\s*,?)+\)"
    r"|\[\s*\d+(?:\.\d+)+\s*\])")
_SPACES = re.compile(r"\s+")
# A sentence that only points elsewhere (`See boxed warning.`, `See PRECAUTIONS for pregnancy risks.`).
_POINTER = re.compile(r"^\(?\s*see\b", re.IGNORECASE)
# Sentences a patient page never carries: package codes, who made it, prescriber instructions.
_DROPPED_SENTENCE = re.compile(
    r"\b(?:Manufactured|Distributed|Marketed|Packaged|Made|Mfd\.?) (?:by|for|in)\b|\bRx only\b|\bRevised:?\s*\d"
    r"|\bLicensed from\b|\bU\.S\. Pat|\bCall your doctor for medical advice about side effects\b"
    r"|\bcarefully consider\b|\buse the lowest effective dos(?:e|age)\b|\b(?:healthcare|health care) providers? should\b"
    r"|\bprescrib(?:ers?|ing physicians?) should\b|\bphysicians? should\b|\bTo report SUSPECTED ADVERSE"
    r"|\bcontact [A-Z][\w.]* (?:at|Inc)|\b1-8\d\d-|\bwww\.|https?://", re.IGNORECASE)
_NDC = re.compile(r"(?:\b(?:Bottles?|Cartons?|Boxes|Box|Tubes?|Vials?|Packs?|Blisters?) of [\d,]+\s*(?:\w+\s*)?)?"
                  r"\bNDC[\s#:]*\d{4,5}-\d{3,4}(?:-\d{1,2})?\s*", re.IGNORECASE)
# A heading left at the start of a text (`Storage and Handling. Store at ...`).
_LEADING_HEADING = re.compile(
    r"^(?i:storage(?: and (?:stability|handling))?|how supplied|uses?|directions|warnings?|other information|"
    r"indications(?: and usage)?|contraindications|precautions|general)(?:\s*[.:]\s*|\s+)(?=[A-Z])(?!\w+ly\b)")
_USP_ROOM_TEMPERATURE = re.compile(r"\s*\[(?:see |See )?USP[^\]]*\]")
# Capitals in a run of three or more words shout; short acronyms in them stay.
_CAPS_RUN = re.compile(r"\b[A-Z][A-Z'’]+(?:[\s,/-]+[A-Z][A-Z'’]+){2,}\b")
_KEPT_ACRONYMS = frozenset({"NSAID", "NSAIDS", "CABG", "HIV", "GI", "CNS", "FDA", "USP", "COVID", "MAOI", "MAOIS",
                            "ACE", "ARB", "ARBS", "SSRI", "SSRIS", "SNRI", "SNRIS", "HZ", "INR", "LDL", "HDL", "AIDS"})
_GLUED = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")
_GLUED_AFTER_BRACKET = re.compile(r"(?<=[a-z]\))\s+(?=[A-Z][a-z]+ [A-Za-z])|(?<=°[CF]\))\s+(?=[A-Z][a-z]+ [a-z])")
_BOILERPLATE = re.compile(r"\s*\b(?:Rx only|Revised:?\s*[\d/]+)\b\.?", re.IGNORECASE)
_COMPARISON = ((re.compile(r"(?<![<>])>\s*(?=\d)"), "more than "), (re.compile(r"(?<![<>])<\s*(?=\d)"), "less than "))
_FOOTNOTE_MARK = re.compile(r"\s*(?<![\w*])\*+(?=\s|$)|(?<=[\w.)])\*+(?=\s|$)")
# A heading glued before its own first words: `Accidental Ingestion Accidental ingestion of ...`.
_REPEATED_HEADING = re.compile(r"\b([A-Z][\w-]*(?: [A-Z][\w-]*){0,4}) (?=(?i:\1)\b)")
# A Title Case heading glued before a sentence: `Neonatal Opioid Withdrawal Syndrome Prolonged use ...`.
# The sentence after it starts `Word lowercase`; `Heart Failure and Edema` is one heading, not two.
_SENTENCE_AFTER = r"(?=[A-Z][a-z]+,?\s(?!(?:and|or|of|the|in|with|to|for|on|at|by|from)\b)[a-z])"
_GLUED_HEADING = re.compile(r"^(?:[A-Z][a-z][\w-]*\s){2,6}" + _SENTENCE_AFTER)
_GLUED_HEADING_INSIDE = re.compile(r"(?<=[a-z]{3}) (?:[A-Z][a-z][\w-]*\s){2,6}" + _SENTENCE_AFTER)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
# A reference number glued after a sentence (`before skin testing.23, 24 Tricyclic ...`).
_CITATION = re.compile(r"(?<=[a-z]{2}[.,])\d{1,2}(?:,\s*\d{1,2})*(?=\s|$)")
_INDICATED = re.compile(r"\b(is|are)( also)? indicated (for|to|as|in)\b|\bindicated (for|to|as|in)\b")
_CONTRAINDICATED = re.compile(r"\b(is|are)( also)? contraindicated\b")
# "Contraindications: None" (and "There are no known contraindications"): a statement, not a list item.
_NONE = re.compile(r"^(?:none(?: known)?\.?|there are no (?:known )?(?:absolute )?contraindications\b.*)$", re.IGNORECASE)
# A heading at the start of a statement (`Hepatotoxicity: Inform patients ...`): a few words and a colon.
_HEADING_PREFIX = re.compile(r"^[A-Z][\w ,/\-–()]{2,80}?:\s+(?=\S)")


def clean_label_text(text: str) -> str:
    """A label's text without what only makes sense on the label: markup, cross-references,
    package codes, headings left at the start, shouting capitals, glued sentences, unmatched
    brackets. Every sentence a page takes from a label goes through here; sentences that are
    only a pointer or boilerplate (`See boxed warning.`, `Rx only`) are dropped, so the result
    may be empty."""
    text = html.unescape(_TAG.sub(" ", text)).replace("\u00a0", " ")
    text = _NDC.sub(" ", text)
    text = _CITATION.sub("", text)
    text = _USP_ROOM_TEMPERATURE.sub("", text)
    text = _BOILERPLATE.sub(" ", text)
    text = _SECTION_REFERENCE.sub("", text)
    text = _GLUED.sub(" ", text)
    text = _GLUED_AFTER_BRACKET.sub(". ", text)
    for pattern, words in _COMPARISON:
        text = pattern.sub(words, text)
    text = text.replace(" | ", ": ").replace("|", ", ").replace("**", "")
    text = _FOOTNOTE_MARK.sub("", text)
    text = _CAPS_RUN.sub(_calm_capitals, text)
    text = _REPEATED_HEADING.sub("", text)
    text = _GLUED_HEADING_INSIDE.sub(_end_before_heading, text)
    text = _SPACES.sub(" ", text).strip()
    text = _LEADING_HEADING.sub("", text)
    kept = [_GLUED_HEADING.sub("", sentence) for sentence in (sentences(text) or [text])
            if not _POINTER.match(sentence) and not _DROPPED_SENTENCE.search(sentence)]
    text = " ".join(kept)
    text = _balance_brackets(_split_semicolons(text))
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = re.sub(r"([,;:])(?=[^\s\d])", r"\1 ", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    return _SPACES.sub(" ", text).strip(" ,;")


def _end_before_heading(match: re.Match[str]) -> str:
    """`... of opioids Neonatal Opioid Withdrawal Syndrome Prolonged use ...`: the heading ends the sentence
    before it; a heading's own first word (`Neonatal Opioid ...` at the start) is not a sentence."""
    before = match.string[:match.start()].split()
    return match.group(0) if before and before[-1][:1].isupper() else ". "


def _split_semicolons(text: str) -> str:
    """`Store at 25°C; excursions permitted to 15-30°C` -> two sentences, when both halves are clauses
    (six words or more): shorter sentences read more easily; a list joined by semicolons stays."""
    parts = text.split("; ")
    if len(parts) < 2 or any(len(part.split()) < 6 for part in parts):
        return text
    return " ".join(_end(part[:1].upper() + part[1:]) for part in parts)


def _calm_capitals(match: re.Match[str]) -> str:
    return re.sub(r"[A-Z][A-Z'’]+", lambda word: word.group(0) if word.group(0) in _KEPT_ACRONYMS
                  else word.group(0).lower(), match.group(0))


def _balance_brackets(text: str) -> str:
    """Drop the brackets that have no partner (a cut-off label sentence leaves them)."""
    for opening, closing in ("()", "[]"):
        unmatched: list[int] = []
        stack: list[int] = []
        for index, char in enumerate(text):
            if char == opening:
                stack.append(index)
            elif char == closing:
                if stack:
                    stack.pop()
                else:
                    unmatched.append(index)
        unmatched += stack
        for index in sorted(unmatched, reverse=True):
            text = text[:index] + text[index + 1:]
    return text


# A product's form after its name (`Tablets`, `Oral Suspension`, `Gel, 3%` keeps only `Gel`).
_DOSAGE_FORM = (r"\s+(?:(?:Extended|Delayed)-Release\s+|Oral\s+|Topical\s+|Ophthalmic\s+|Nasal\s+|Film-Coated\s+)*"
                r"(?:Tablets?|Capsules?|Suspension|Solution|Gel|Cream|Injection|Spray|Powder|Granules|Kit|Patch)\b")
# A Title Case heading (`Addiction, Abuse, and Misuse `): capitalised words, commas and small words.
_GLUED_TITLE = r"(?:[A-Z][a-z][\w-]*,?\s+(?:(?:and|or|of|with|from|the|in)\s+)*){2,8}"


class _Writer:
    """Collects the sentences of one page with the fact each came from."""

    def __init__(self, medicine: Medicine, facts: LabelFacts):
        self.medicine = medicine
        self.facts = facts
        self.traces: list[Trace] = []
        self.name = medicine.generic_name or " + ".join(medicine.ingredients) or medicine.title
        self._brands = sorted({name for name in facts.product_names if name}, key=len, reverse=True)
        self.glossary = Glossary()

    def plain(self, text: str) -> str:
        """The label's sentence, easier to read: cleaned (`clean_label_text`), the generic for the
        brand, label wording in plain words. Empty when nothing of it belongs on a page."""
        if text.isupper():  # a label sentence in capitals shouts; a page says it once, calmly
            text = text.capitalize()
        text = clean_label_text(text)
        text = self._generic_for_brand(text)
        # Advice to the prescriber becomes what it means for the reader, or goes (plain_language).
        voiced = (reader_voice(sentence, self.name.lower()) for sentence in (sentences(text) or [text]))
        text = plain_words(" ".join(sentence for sentence in voiced if sentence))
        text = _CONTRAINDICATED.sub(lambda m: f"must{m.group(2) or ''} not be used", text)
        text = _INDICATED.sub(lambda m: f"{m.group(1)}{m.group(2) or ''} used {m.group(3)}" if m.group(1)
                              else f"used {m.group(4)}", text)
        text = self.glossary.explain(split_long(_SPACES.sub(" ", text).strip()))
        return capitalise_sentences(text) if text else text

    def _generic_for_brand(self, text: str) -> str:
        """The generic for the brand (`FIORINAL ® with CODEINE` -> `aspirin + butalbital + ...`): a ® or ™
        anywhere in the name goes with it, the form after it takes its small letter (`NAPROSYN Suspension`
        -> `naproxen suspension`), and a Title Case heading glued before it (`Addiction, Abuse, and Misuse
        HYDROCODONE ... Tablets exposes`) is left out."""
        generic = self.name.lower()
        for brand in self._brands:
            words = r"\s*(?:[®™]\s*)?\s".join(re.escape(word) for word in brand.split())
            text = re.sub(rf"\b{words}\b(?:\s*[®™])?(?P<form>{_DOSAGE_FORM})?",
                          lambda m: generic + (m.group("form") or "").lower(), text, flags=re.IGNORECASE)
        if generic and generic in text:
            text = re.sub(rf"(?:^|(?<=[.!?] )){_GLUED_TITLE}(?={re.escape(generic)}\b)", "", text)
        return text

    def sentence(self, section: str, text: str, fact: Fact | None, *, quote: str | None = None) -> str:
        """Record `text` as written in `section`, from `fact` (None: the page's fixed wording)."""
        if fact is not None:
            self.traces.append(Trace(
                section=section, text=text, source=self.facts.source.set_id, label_section=fact.section,
                heading=fact.heading, quote=quote if quote is not None else fact.text,
            ))
        return text

    def item(self, section: str, fact: Fact, text: str | None = None) -> ListItem | None:
        """A list item from `fact` (or from `text`, already taken from it); None when nothing is left."""
        written = _end(self.plain(_list_item_text(fact.text if text is None else text)))
        if not written or _NONE.match(written):
            return None
        return ListItem(text=self.sentence(section, written, fact))

    def items(self, section: str, facts: Iterable[Fact]) -> list[ListItem]:
        return [item for item in (self.item(section, fact) for fact in facts) if item is not None]


# A list item's own numbering or lettering (`1)`, `2.`, `(a)`), which a page's bullets replace, and the
# `and`/`or` that joined it to the next item in the label's sentence (`1) patients with porphyria and`).
_ENUMERATOR = re.compile(r"^\s*(?:\(?(?:\d{1,2}|[a-z])\)|\d{1,2}\.(?!\d))\s+")
_DANGLING_JOIN = re.compile(r"[,;]?\s+(?:and|or)\s*[.;,]?\s*$", re.IGNORECASE)


def _list_item_text(text: str) -> str:
    """A label's list item as a bullet's text: without its numbering and its trailing `and`/`or`."""
    return _DANGLING_JOIN.sub("", _ENUMERATOR.sub("", text))


def compose_reference_page(medicine: Medicine, facts: LabelFacts | None, differences: Sequence[str] = ()) -> Page:
    """The page the label supports; the skeleton when there is no label.

    `differences` say how the label's product differs from the listed medicine (another strength,
    form, or a children's product: `LabelChoice.differences`); the page's Important Note then
    starts by saying so, since its doses and directions are that product's (Advil's "do not exceed
    6 tablets" under an "Ibuprofen 400mg" title would read as 2,400 mg a day)."""
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
        "important_note": _other_product_note(writer, differences, _important_note(writer)),
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
    """The label's uses as condition-first bullets, what it is not for as the closing."""
    facts = writer.facts
    uses: list[ListItem] = []
    limits: list[str] = []
    abbreviations, expanded = _abbreviations_of(writer), set()
    for fact, text in _use_statements(_first_distinct(facts.indications or facts.purposes, limit=MAX_ITEMS * 3,
                                                      similar=True)):
        cleaned = clean_label_text(text)
        if _NOT_A_USE.search(cleaned):
            if _LIMITATION.search(cleaned) and len(limits) < 2:
                limit = _limitation(writer, cleaned)
                if limit:
                    limits.append(writer.sentence("usage", limit, fact, quote=fact.text))
            continue
        if len(uses) < MAX_ITEMS:
            item = writer.item("usage", fact, _expand_abbreviations(_condition_first(writer, text), abbreviations, expanded))
            if item is not None:
                uses.append(item)
    if not uses:
        return None
    kind = "an over-the-counter medicine" if facts.otc else "a prescription medicine"
    lead = writer.sentence("usage", f"{writer.name} is {kind}. Its label gives these uses:", None)
    return TextSection(lead=lead, items=uses, closing=" ".join(limits))


# Statements in a label's Indications that are not uses: limitations, advice to prescribers.
_NOT_A_USE = re.compile(
    r"\bnot (?:be )?(?:indicated|for use|recommended|established|evaluated)\b|\bha(?:ve|s) not been (?:established|"
    r"evaluated|studied)\b|^safety and effectiveness\b|\bevidence supporting\b|\bshould\b|^have not\b|\bdo not\b"
    r"|^controlled studies\b|^utilization\b|\bavoidance is\b|\bonly if\b|\bare to be used only\b|^although\b"
    r"|^†|efficacy was studied\b|\breconsider\b|\blowest effective dos|\bcarefully consider\b", re.IGNORECASE)
_LIMITATION = re.compile(r"\b(?:is|are) not (?:indicated|for use)\b")
_INDICATION = re.compile(r"^(?P<subject>.*?)\b(?:(?:is|are) )?(?:also )?indicated:?\s+(?P<rest>.+)$", re.IGNORECASE)
_POPULATION = r"(?:adults?|adult (?:and \w+ )?patients|patients|children|pediatric patients|adolescents?|women|men)"
_USE_NOUN = re.compile(
    r"^(?:for )?(?:use in )?(?:the )?(?P<adj>[^,]*?)\b(?P<noun>treatment|management|relief|prevention|control|reduction|"
    r"diagnosis(?: and immunotherapy)?)\s+of:?\s+(?P<what>.+)$", re.IGNORECASE)
_IN_POPULATION = re.compile(rf"^(?P<what>.+?),?\s+in (?P<pop>{_POPULATION}\b.*)$", re.IGNORECASE)
_SIGNS = re.compile(r"^(?:the )?signs and symptoms of:?\s+", re.IGNORECASE)
_PURPOSE_WITH = re.compile(rf"^(?P<purpose>.+?) in (?P<pop>{_POPULATION}[^,]*?) with (?P<what>[^,]+)$", re.IGNORECASE)
_TO_VERB = re.compile(r"\bto (?P<verb>[a-z]+(?<!ed)(?<!ing))\b")


def _use_statements(facts: list[Fact]) -> list[tuple[Fact, str]]:
    """Each use as one statement: a list's items joined after their lead (`relief of the signs and
    symptoms of: rheumatoid arthritis, osteoarthritis, ...`), other statements as they are."""
    out: list[tuple[Fact, str]] = []
    groups: dict[str, list[Fact]] = {}
    for fact in facts:
        if fact.lead and re.search(r"\bindicated:?$", fact.lead.strip()) and re.match(r"(?i)(?:for|to|as|in)\b", fact.text):
            # A use of its own that completes its lead (`CELEBREX is indicated` + `For the management of OA`).
            out.append((fact, f"{fact.lead.strip().rstrip(':')} {fact.text[:1].lower()}{fact.text[1:]}"))
            continue
        if fact.lead and not _NOT_A_USE.search(fact.lead) and not _NOT_A_USE.search(fact.text):
            if fact.lead not in groups:
                groups[fact.lead] = []
                out.append((fact, fact.lead))  # placeholder, filled below
            groups[fact.lead].append(fact)
        else:
            out.append((fact, fact.text))
    joined = []
    for fact, text in out:
        if fact.lead and text == fact.lead and fact.lead in groups:
            items = [clean_label_text(item.text).rstrip(".,; ") for item in groups.pop(fact.lead)]
            joined.append((fact, f"{fact.lead.rstrip(': ')}: {', '.join(item for item in items if item)}"))
        elif text != fact.lead or not fact.lead:
            joined.append((fact, text))
    return joined


def _condition_first(writer: _Writer, text: str) -> str:
    """`X is indicated for the relief of the signs and symptoms of rheumatoid arthritis in adults`
    -> `Rheumatoid arthritis, in adults: eases the signs and symptoms`. A statement of another
    shape is returned as it is (the writer makes it plain)."""
    text = clean_label_text(text).rstrip(".")
    if re.search(r"\bindicated:?$", text):
        return ""  # `CELEBREX is indicated` with its list lost: nothing to say
    match = _INDICATION.match(text)
    if not match and _USE_NOUN.match(text) and re.match(r"(?i)(?:for |the )?(?:use|treatment|management|relief|"
                                                         r"prevention|control|reduction|diagnosis)", text):
        match = re.match(r"^(?P<subject>)(?P<rest>.+)$", text)
    if not match:
        return text
    rest = re.sub(r"^(?:for|in)\s+(?=(?:the )?(?:use|treatment|management|relief|prevention|control))", "",
                  match.group("rest").strip(" :"))
    population = ""
    leading_population = re.match(rf"^in ((?:{_POPULATION})[^,]*?) (?=for |to [a-z])", rest, re.IGNORECASE)
    if leading_population:
        population, rest = leading_population.group(1), rest[leading_population.end():]
    noun = _USE_NOUN.match(rest)
    if noun:
        what, verb = noun.group("what"), ""
        if _SIGNS.match(what):
            what, verb = _SIGNS.sub("", what), "eases the signs and symptoms"
        elif noun.group("noun").lower() not in ("treatment", "management", "control") or noun.group("adj").strip():
            verb = f"{noun.group('adj').strip()} {noun.group('noun').lower().replace('management', 'treatment')}".strip()
        split = _IN_POPULATION.match(what)
        if split and not population:
            what, population = split.group("what"), split.group("pop")
        return _bullet(what, population, verb)
    purpose = _PURPOSE_WITH.match(rest)
    if purpose and _TO_VERB.search(purpose.group("purpose")):
        return _bullet(purpose.group("what"), population or purpose.group("pop"), _third_person(purpose.group("purpose")))
    if rest.startswith("to "):
        return _bullet("", population, _third_person(rest))
    if rest.startswith("for "):
        return _bullet(rest[4:], population, "")
    return text


def _bullet(what: str, population: str, verb: str) -> str:
    head = what.strip(" ,:")
    if population:
        head = f"{head}, in {population.strip()}" if head else f"In {population.strip()}"
    if not head:
        return verb
    return f"{head}: {verb}" if verb else head


def _third_person(purpose: str) -> str:
    """`as an adjunct to diet and exercise to improve X` -> `improves X, as an adjunct to diet and exercise`."""
    matches = list(_TO_VERB.finditer(purpose))
    if not matches:
        return purpose
    match = matches[-1]
    verb = match.group("verb")
    if verb.endswith(("s", "sh", "ch", "x", "z")):
        verb += "es"
    elif verb.endswith("y") and verb[-2:-1] not in "aeiou":
        verb = verb[:-1] + "ies"
    else:
        verb += "s"
    before = purpose[:match.start()].strip(" ,")
    after = f"{verb}{purpose[match.end():]}"
    return f"{after}, {before}" if before else after


def _limitation(writer: _Writer, text: str) -> str:
    """`X is not indicated for the prophylactic therapy of migraine.` -> `It is not for the prophylactic ...`."""
    match = re.search(r"\b(?:is|are) not (?:indicated )?(?P<rest>(?:for use in|for|in|to)\b.+)$", text)
    return _end(writer.plain(f"It is not {match.group('rest')}")) if match else ""


# `Osteoarthritis (OA)`: a long form and the abbreviation the label gives it in brackets.
_DEFINED_ABBREVIATION = re.compile(r"((?:[A-Za-z][\w'-]*[ \t]+){0,7}[A-Za-z][\w'-]*)[ \t]+\(([A-Z][A-Za-z]{1,6})\)")
# Capitals that are also English words: never read as an abbreviation in a sentence.
_WORDS_IN_CAPITALS = frozenset({"IN", "NO", "IT", "ON", "OR", "AT", "TO", "IS", "US", "AN", "BE", "DO", "IF", "OF"})
# `GI = Gastrointestinal symptoms including ...` (a table's legend).
_LEGEND_ABBREVIATION = re.compile(r"(?:^|[\s;ᵃ-ᶻ])([A-Z]{2,6})\s*=\s*([A-Z][a-z][\w\s-]*?)(?=\s+including\b|[.,;]|$)",
                                  re.MULTILINE)


def _long_form(short: str, words: str) -> str | None:
    """The words before `(SHORT)` that spell it (Schwartz and Hearst's rule): each letter found from the
    right, the first at a word's start: `the signs of Juvenile Rheumatoid Arthritis` -> `Juvenile
    Rheumatoid Arthritis`; `Osteoarthritis` for `OA`."""
    s_index, l_index = len(short) - 1, len(words) - 1
    while s_index >= 0:
        char = short[s_index].lower()
        while l_index >= 0 and (words[l_index].lower() != char
                                or (s_index == 0 and l_index > 0 and words[l_index - 1].isalnum())):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = words.rfind(" ", 0, l_index + 1) + 1
    found = words[start:].strip()
    return found if len(found.split()) <= len(short) + 2 and found.lower() != short.lower() else None


def label_abbreviations(facts: LabelFacts) -> dict[str, str]:
    """The abbreviations the label itself defines (`Osteoarthritis (OA)`, `GI = Gastrointestinal
    symptoms`), abbreviation -> long form as first written; nothing guessed."""
    found: dict[str, str] = {}

    def texts(sections) -> Iterable[str]:
        for section in sections:
            yield section.title
            yield section.text
            yield from texts(section.subsections)
    for text in texts(facts.sections):
        for match in _DEFINED_ABBREVIATION.finditer(text or ""):
            short = match.group(2)
            if short not in found and sum(char.isupper() for char in short) >= 2 and short not in _WORDS_IN_CAPITALS:
                long = _long_form(short, match.group(1))
                if long:
                    found[short] = long
        for match in _LEGEND_ABBREVIATION.finditer(text or ""):
            if match.group(1) not in _WORDS_IN_CAPITALS:
                found.setdefault(match.group(1), match.group(2).strip())
    return found


def _expand_abbreviations(text: str, abbreviations: dict[str, str], expanded: set[str]) -> str:
    """Each abbreviation the label defines, written out at its first use (`OA` -> `Osteoarthritis (OA)`)."""
    def expand(match: re.Match[str]) -> str:
        short = match.group(0)
        if short in expanded:
            return short
        expanded.add(short)
        long = abbreviations[short]
        if long.istitle() and "-" not in long:  # `Rheumatoid Arthritis (RA)`: a heading's capitals
            long = long.lower()
        if match.start() == 0:
            long = long[:1].upper() + long[1:]
        return f"{long} ({short})"
    if not abbreviations:
        return text
    pattern = r"(?<![\w(])(?:" + "|".join(re.escape(short) for short in sorted(abbreviations, key=len, reverse=True)) \
        + r")(?![\w)])"
    return re.sub(pattern, expand, text)


def _dosage(writer: _Writer) -> TextSection | None:
    dosing = writer.facts.dosing
    statements = _first_distinct(dosing.statements)
    if not statements:
        return None
    # `OA: 200 mg once daily`: the label's own abbreviations written out at their first use here.
    abbreviations, expanded = _abbreviations_of(writer), set()
    items = [item for item in (writer.item("dosage", fact, _expand_abbreviations(fact.text, abbreviations, expanded))
                               for fact in statements) if item is not None]
    if not items:
        return None
    # A prescription medicine's dose is the prescriber's; an over-the-counter one's is the pack's directions.
    lead = ("Follow the directions on the pack. The label says:" if writer.facts.otc
            else "Your doctor decides your dose. The label gives these doses:")
    return TextSection(lead=writer.sentence("dosage", lead, None), items=items)


def _side_effects(writer: _Writer) -> SideEffects | None:
    """The label's most common side effects, the most common first, each with how often it happened.

    From the adverse-reaction tables when the label has them: the reactions of the label's own
    "most common" sentence (each with its rate from the table), else those at or above the
    threshold that sentence states, else the most frequent few. Without tables, the terms of the
    most-common sentence, with the incidence or range it gives."""
    facts = writer.facts
    statement = _most_common_statement(facts)
    chosen = _common_rates(facts, statement)
    name = writer.name.lower()
    items: list[SideEffect] = []
    seen: set[str] = set()
    if chosen:
        # Rates from an arm with another drug (`GLUMETZA + Glyburide`) say so: that drug may cause some of them.
        with_others = {rate.taken_with for rate in chosen}
        other = with_others.pop() if len(with_others) == 1 else ""
        studied = f"{name} taken with {other.lower() if other.istitle() else other}" if other else name
        lead = writer.sentence("side_effects", _COMMON_LEAD.format(name=studied, how=_HOW_MANY),
                               statement or chosen[0], quote=(statement or chosen[0]).text)
        for rate in chosen:
            effect_name = _reaction_name(writer, rate.term)
            if effect_name.lower() in seen:
                continue
            seen.add(effect_name.lower())
            explanation = _how_common(rate.percent, rate.frequency)
            writer.sentence("side_effects", f"{effect_name}: {explanation}", rate, quote=rate.text)
            items.append(SideEffect(name=effect_name, explanation=explanation))
    elif statement is not None:
        general = _statement_frequency(statement)
        numbers = general != _NOT_STATED or any(term.incidence_percent is not None for term in statement.terms)
        lead = writer.sentence("side_effects", _LABEL_LEAD.format(name=name, how=_HOW_MANY if numbers else ""),
                               statement, quote=statement.text)
        for term in statement.terms[:_MAX_SIDE_EFFECTS]:
            effect_name = _reaction_name(writer, term.term)
            if not effect_name or effect_name.lower() in seen:
                continue
            seen.add(effect_name.lower())
            explanation = _how_common(term.incidence_percent, f"{term.incidence_percent:g}%") \
                if term.incidence_percent is not None else general
            writer.sentence("side_effects", f"{effect_name}: {explanation}", statement, quote=statement.text)
            items.append(SideEffect(name=effect_name, explanation=explanation))
    else:
        return None
    if not items:
        return None
    closing = writer.sentence(
        "side_effects", "Tell your doctor about any side effect that bothers you or does not go away.", None)
    return SideEffects(lead=lead, items=items, closing=closing)


# From a table of clinical-trial rates; a label's sentence alone may not say where it comes from.
_COMMON_LEAD = "In clinical studies, these were the most common side effects of {name}{how}:"
_LABEL_LEAD = "The label names these as the most common side effects of {name}{how}:"
_HOW_MANY = ", with how many of every 100 people had each"
_NOT_STATED = "Frequency not stated."
# How many side effects a page lists when the label states no "most common" threshold.
_MOST_COMMON_COUNT = 8
_MAX_SIDE_EFFECTS = 12
# A row naming a body system or a total, should one reach here: a group, not a reaction.
_GROUP_ROW = re.compile(r"\bdisorders?$|^(?:any|total|all)\b|^body as a whole$|\bsystem$", re.IGNORECASE)
# A label's qualifiers of a coded term: `Headache NOS`, `(not otherwise specified)`, `(i.e., hot flash[es])`.
_NOS = re.compile(r"\s*\(?\b(?:NOS|not otherwise specified)\b\)?", re.IGNORECASE)
_I_E = re.compile(r"\s*\(i\.e\.,?\s[^()]*\)")
_APPLICATION_SITE = re.compile(r"^application site\s+|\s*\((?P<non>non-)?application site\)", re.IGNORECASE)
# A statement that speaks of a whole class (`In patients taking diclofenac or other NSAIDs, ...`).
_CLASS_STATEMENT = re.compile(r"\bor other NSAIDs\b|\bother (?:drugs|medicines) (?:in|of) (?:this|the) class\b",
                              re.IGNORECASE)


def _most_common_statement(facts: LabelFacts) -> CommonAdverseReactions | None:
    """The label's own "most common adverse reactions" sentence about this medicine: the one with
    a threshold or incidences, else the first; one about a whole class of medicines only when it is
    the label's only one."""
    with_terms = [s for s in facts.common_adverse_reactions if s.terms]
    # One about the whole class (`... or other NSAIDs`) only when the label says nothing else.
    statements = [s for s in with_terms if not _CLASS_STATEMENT.search(s.text)] or with_terms
    if not statements:
        return None
    return max(statements, key=lambda s: (sum(t.incidence_percent is not None for t in s.terms),
                                          s.threshold_percent is not None, -statements.index(s)))


def _term_words(term: str) -> frozenset[str]:
    words = normalise(_NOS.sub(" ", term)).split()
    return frozenset(stem(word) for word in words if word not in ("and", "or", "of", "the", "in", "i", "e"))


def _matching_rate(term: str, rates: list[ReactionRate]) -> ReactionRate | None:
    """The table row of a term of the most-common sentence: the same words (`Lacrimation increased`
    for `increased lacrimation`), else the closest row whose words hold the term's or the other way."""
    words = _term_words(term)
    if not words:
        return None
    best: tuple[int, ReactionRate] | None = None
    for rate in rates:
        row = _term_words(rate.term)
        if row == words:
            return rate
        if row and (row <= words or words <= row):
            distance = len(row ^ words)
            if best is None or distance < best[0]:
                best = (distance, rate)
    return best[1] if best else None


def _common_rates(facts: LabelFacts, statement: CommonAdverseReactions | None) -> list[ReactionRate]:
    """The table rows a page lists, the most common first (see `_side_effects`)."""
    rates = [rate for rate in facts.adverse_reaction_rates
             if rate.percent > 0 and not _GROUP_ROW.search(rate.term.strip()) and rate.term.strip() != rate.group.strip()]
    if not rates:
        return []
    if statement is not None:
        matched: dict[int, ReactionRate] = {}
        for term in statement.terms:
            rate = _matching_rate(term.term, rates)
            if rate is not None and id(rate) not in matched:
                # The sentence's words name it (`accidental injury`, not the row's `Injury-Accidental`),
                # unless the row keeps an abbreviation the sentence lower-cased (`ALT and/or AST`).
                keep_row = re.search(r"\b[A-Z]{2,}\b", rate.term) is not None
                matched[id(rate)] = rate if keep_row else rate.model_copy(update={"term": term.term})
        found = sorted(matched.values(), key=lambda rate: -rate.percent)
        # The sentence's terms are the table's rows (not a group such as `application site reactions`
        # that matches one minor row): most of them found, and the most frequent among the common ones.
        typical = sorted(rate.percent for rate in rates)[len(rates) // 2]
        if found and len(found) >= max(1, len(statement.terms) // 2) and found[0].percent >= typical:
            return found[:_MAX_SIDE_EFFECTS]
    ordered = sorted(rates, key=lambda rate: -rate.percent)  # stable: the first table's row first on a tie
    if statement is not None and statement.threshold_percent is not None:
        above = [rate for rate in ordered if rate.percent >= statement.threshold_percent]
        if above:
            return above[:_MAX_SIDE_EFFECTS]
    cut = ordered[:_MOST_COMMON_COUNT]
    # Ties with the last one kept stay together (two reactions at 8% are equally common).
    cut += [rate for rate in ordered[_MOST_COMMON_COUNT:_MOST_COMMON_COUNT + 2] if rate.percent == cut[-1].percent]
    return cut


def _reaction_name(writer: _Writer, term: str) -> str:
    """A label term in plain words: `Headache NOS` -> `Headache`, `Dyspepsia` -> `Indigestion`,
    `Bradycardia` -> `Slow heartbeat (bradycardia)` (the glossary's words, the label's term kept),
    `Application site dermatitis` -> `Dermatitis at the application site`."""
    term = _SPACES.sub(" ", _I_E.sub("", _NOS.sub("", term))).strip(" ,;.")
    site = ""
    at_site = _APPLICATION_SITE.search(term)
    if at_site:
        site = " away from the application site" if at_site.group("non") else " at the application site"
        term = (term[:at_site.start()] + term[at_site.end():]).strip(" ,") or "skin reaction"
    base = re.sub(r"\s*\band/or\b\s*", " or ", re.split(r",\s|\s\(", term)[0].strip() or term)
    parts = [part.strip() for part in base.split("/")]
    if len(parts) > 1 and all(parts) and lay_term(base.lower()) == base.lower():
        # `Nausea/Abdominal Pain`: either of them.
        plain = ", ".join(_plain_reaction(writer, part) for part in parts[:-1]) + " or " + \
            _plain_reaction(writer, parts[-1])
    else:
        plain = _plain_reaction(writer, base)
    return plain[:1].upper() + plain[1:] + site


def _plain_reaction(writer: _Writer, term: str) -> str:
    """One reaction's plain words: the lexicon's, else the glossary's with the label's term in
    brackets, else the term in lower case (abbreviations kept: `ALT and/or AST increased`)."""
    key = term.lower()
    plain = lay_term(key)
    if plain != key:
        return plain
    entry = glossary_entries().get(key)
    if entry is not None:
        writer.glossary.explained.add(key)
        return f"{re.sub(r'^(?:an?|the) ', '', entry.explanation)} ({key})"
    defined = _abbreviations_of(writer)  # `gi fullness` -> `GI fullness`: the label defines GI
    return " ".join(word.upper() if word.upper() in defined else word if word.isupper() and len(word) > 1
                    else word.lower() for word in term.split())


def _abbreviations_of(writer: _Writer) -> dict[str, str]:
    """The label's own abbreviations (`label_abbreviations`), read once per page."""
    if not hasattr(writer, "_abbreviations"):
        writer._abbreviations = label_abbreviations(writer.facts)
    return writer._abbreviations


def _how_common(percent: float | None, frequency: str) -> str:
    """How many of every 100 people had it, in four words at most (the lead says "of every 100
    people", and the checks read a longer sentence said three times as a loop): `9.7%` ->
    `About 10 in 100.`, `<1` -> `Under 1 in 100.`, `3% to 9%` -> `3–9 in 100.`"""
    written = frequency.strip()
    bounds = re.search(r"(\d+(?:\.\d+)?)\s*%?\s*(?:to|-|–)\s*(\d+(?:\.\d+)?)\s*%", written)
    if bounds:
        return f"{float(bounds.group(1)):g}–{float(bounds.group(2)):g} in 100."
    if "<" in written or (percent is not None and percent < 0.5):
        return "Under 1 in 100."
    if percent is None:
        return ""
    if percent >= 95:
        return "Nearly everyone."
    return f"About {int(percent + 0.5)} in 100."


def _statement_frequency(statement: CommonAdverseReactions) -> str:
    """How often the most-common sentence says its reactions happened, when it gives a range or threshold."""
    text = statement.text
    bounds = re.search(r"(\d+(?:\.\d+)?)\s*%?\s*(?:to|-|–)\s*(\d+(?:\.\d+)?)\s*%", text)
    if bounds:
        return f"{float(bounds.group(1)):g}–{float(bounds.group(2)):g} in 100."
    if statement.threshold_percent is not None:
        strict = (statement.threshold or "").lstrip()[:1] == ">"
        return f"Over {statement.threshold_percent:g} in 100." if strict else f"At least {statement.threshold_percent:g}%."
    return _NOT_STATED


def _serious_side_effects(writer: _Writer) -> TextSection | None:
    serious = writer.facts.serious_adverse_reactions
    if serious is None or not serious.terms:
        return None
    lead = writer.sentence("serious_side_effects", "The label lists these serious side effects. "
                           "Get medical help straight away if you think you have one:", None)
    items = [ListItem(text=writer.sentence("serious_side_effects", _end(writer.plain(term)), serious, quote=term))
             for term in serious.terms[:MAX_ITEMS]]
    return TextSection(lead=lead, items=items)


def _other_product_note(writer: _Writer, differences: Sequence[str], note: TextSection | None) -> TextSection | None:
    """The Important Note, led by what differs when the label is another product's (fixed wording)."""
    if not differences:
        return note
    warning = (f"This page is compiled from the label of another product, {writer.facts.source.title} "
               f"({'; '.join(differences)}): its doses and directions are for that product. Ask a pharmacist "
               f"how they apply to {writer.medicine.title}.")
    if note is None:
        return TextSection(lead=warning)
    return note.model_copy(update={"lead": f"{warning} {note.lead}" if note.lead else warning})


def _important_note(writer: _Writer) -> TextSection | None:
    """The boxed warning, then who must not use the medicine: its lead line just before its list."""
    facts = writer.facts
    boxed = _boxed_sentences(writer)
    avoid_facts = [fact for fact in _first_distinct(facts.contraindications or facts.do_not_use, limit=MAX_ITEMS * 2)
                   if not fact.text.rstrip().endswith(":")]  # a list's own lead line: its items follow
    none = next((fact for fact in avoid_facts if _NONE.match(clean_label_text(fact.text))), None)
    items = writer.items("important_note", [fact for fact in avoid_facts if fact is not none])[:MAX_ITEMS]
    parts = [f"Boxed warning: {' '.join(boxed)}"] if boxed else []
    if items:
        parts.append(writer.sentence("important_note", f"Do not take {writer.name.lower()} if any of these apply:", None))
    elif none is not None:
        parts.append(writer.sentence(
            "important_note", f"The label names no condition in which {writer.name.lower()} must not be used.", none))
    if not parts:
        return None
    return TextSection(lead=" ".join(parts), items=items)


# Sentences of a boxed warning addressed to the prescriber, not the patient (REMS duties, assessments).
_TO_PRESCRIBERS = re.compile(
    r"\bREMS\b|\bprescrib|\bhealthcare providers?\b|\bassess each patient|\bconsider other tools\b|^follow patients\b"
    r"|^monitor (?:all )?patients\b|^limit dosages\b|^counsel\b|^emphasize\b|^perform\b|^reserve\b|^initiat",
    re.IGNORECASE)


def _boxed_sentences(writer: _Writer) -> list[str]:
    """The boxed warning's sentences for a patient: every headline's statement, not the prescriber's duties."""
    written: list[str] = []
    for fact in writer.facts.boxed_warning:
        if fact.highlights and any(not other.highlights for other in writer.facts.boxed_warning):
            continue  # the full text says it in whole sentences
        for candidate in sentences(clean_label_text(fact.text)):
            if _TO_PRESCRIBERS.search(candidate) or len(candidate.split()) < 4 or candidate.rstrip()[-1:] in ",;:" \
                    or _is_title(candidate):
                continue  # a heading inside the box (`Gastrointestinal Bleeding, Ulceration, and Perforation.`)
            text = _end(writer.plain(candidate))
            if text and text not in written and len(written) < 12:
                written.append(writer.sentence("important_note", text, fact, quote=fact.text))
    return written


def _precautions(writer: _Writer) -> TextSection | None:
    warnings = writer.facts.serious_warnings
    if not warnings:
        warnings_otc = writer.items("precautions", _first_distinct(
            writer.facts.ask_doctor + writer.facts.stop_use + writer.facts.when_using, limit=MAX_ITEMS * 2))
        if not warnings_otc:
            return None
        lead = writer.sentence("precautions", "Ask a doctor or pharmacist before use, or stop and ask, if:", None)
        return TextSection(lead=lead, items=warnings_otc[:MAX_ITEMS + 2])
    items: list[ListItem] = []
    seen: set[str] = set()
    for warning in warnings:
        title = writer.plain(warning.title)
        first = _first_statement(writer, warning, title)
        if first is None or first.lower() in seen:
            continue
        seen.add(first.lower())
        text = writer.sentence("precautions", first, warning, quote=warning.text)
        items.append(ListItem(label=f"{title}:" if title else None, text=text))
        if len(items) == MAX_ITEMS + 2:
            break
    if not items:
        return None
    return TextSection(lead=writer.sentence("precautions", "The label warns about:", None), items=items)


def _first_statement(writer: _Writer, warning: Fact, title: str) -> str | None:
    """The first sentence of a warning that says something beyond its heading, in plain words."""
    text = _HEADING_PREFIX.sub("", warning.text.strip())
    for candidate in sentences(text) or [text]:
        if ANIMAL_STUDY.search(candidate) or _is_title(candidate):
            continue  # a finding in animals is the prescriber's concern; the label is in Sources
        written = _end(writer.plain(candidate))
        bare = written.rstrip(".").strip().lower()
        if not bare or bare == title.lower() or bare == warning.title.strip().lower() or len(bare.split()) < 3:
            continue
        return written
    return None


def _how_it_works(writer: _Writer) -> TextSection | None:
    facts = writer.facts
    parts = []
    mechanism = _end(writer.plain(facts.mechanism[0].text)) if facts.mechanism else ""
    # `Bromfenac is a nonsteroidal anti-inflammatory drug (NSAID) that ...`: the label says what it is; once.
    class_words = set(re.findall(r"[a-z]{3,}", " ".join(facts.pharmacologic_classes).lower()))
    if facts.pharmacologic_classes and not (mechanism.startswith(f"{writer.name} is a")
                                            and class_words <= set(re.findall(r"[a-z]{3,}", mechanism.lower()))):
        classes = " and ".join(facts.pharmacologic_classes)
        parts.append(writer.sentence("how_it_works", f"{writer.name} is an {classes}." if classes[:1].lower() in "aeiou"
                                     else f"{writer.name} is a {classes}.", None))
    if facts.mechanism:
        parts.append(writer.sentence("how_it_works", mechanism, facts.mechanism[0]))
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
    items = [item for item in (writer.item("interactions", fact, _first_sentences(fact.text, 2)) for fact in facts)
             if item is not None]
    if not items:
        return None
    lead = writer.sentence("interactions", "Tell your doctor and pharmacist about every medicine you take. "
                           "The label warns about taking it with these:", None)
    return TextSection(lead=lead, items=items)


def _from_facts(writer: _Writer, section: str, facts: list[Fact]) -> TextSection | None:
    facts = _first_distinct(facts)
    if not facts:
        return None
    # A long section (Overdosage) says most to a clinician: its first sentences, the label has the rest.
    keep = 2 if section == "overdose" else 4
    written = [writer.sentence(section, text, fact) for fact in facts
               if (text := _end(writer.plain(_first_sentences(fact.text, keep, animal=False))))]
    return TextSection(lead=" ".join(written)) if written else None


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




def _first_sentences(text: str, count: int, *, animal: bool = True) -> str:
    """The first `count` sentences, not counting a heading standing as one (`Clinical Presentation.`),
    nor, with `animal=False`, a finding in animals (the prescriber's concern; the label is in Sources)."""
    return " ".join([sentence for sentence in (sentences(text) or [text]) if not _is_title(sentence)
                     and (animal or not _IN_ANIMALS.search(sentence))][:count])


# A finding in animals (not ANIMAL_STUDY's `mg/kg`, which an overdose section uses for people too).
_IN_ANIMALS = re.compile(r"\b(?:rats?|rabbits?|mice|dogs?|monkeys?|animals?|pups?)\b", re.IGNORECASE)


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
        if _is_caption(fact.text) or _is_heading(fact):
            continue
        key = _SPACES.sub(" ", _SECTION_REFERENCE.sub("", fact.text)).strip().lower().rstrip(".")
        if not key or key in seen:
            continue
        # Abbreviations count: `... signs and symptoms of OA` is not `... of RA`.
        words = frozenset(re.findall(r"[a-z]{3,}", key) + [word.lower() for word in re.findall(r"\b[A-Z]{2,}\b", fact.text)]) \
            - _QUALIFYING_WORDS
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


def _is_heading(fact: Fact) -> bool:
    """A statement that is only its section's heading (`Storage and Handling`)."""
    def bare(text: str) -> str:
        return re.sub(r"[^a-z ]", "", text.lower()).strip()
    return bool(fact.heading) and bare(fact.text) == bare(re.sub(r"^[\d.\s]+", "", fact.heading))


# Small words a Title Case heading keeps in lower case.
_TITLE_SMALL_WORDS = frozenset({"and", "or", "of", "the", "in", "with", "to", "for", "a", "an", "on", "at", "by", "from"})


def _is_title(sentence: str) -> bool:
    """A heading standing as a sentence (`Gastrointestinal Bleeding, Ulceration, and Perforation.`):
    two or more words, every word capitalised but the small ones, so no verb of a statement."""
    words = re.findall(r"[A-Za-z][\w'-]*", _SECTION_REFERENCE.sub("", sentence))
    content = [word for word in words if word.lower() not in _TITLE_SMALL_WORDS]
    return len(content) >= 2 and all(word[0].isupper() for word in content)


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
