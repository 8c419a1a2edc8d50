"""The facts medpages takes from a label: `LabelFacts`, one per label, each fact with its section.

`extract_facts(document)` reads a `LabelDocument` (from SPL or openFDA) and picks out what a
medicine page needs: indications, the most common adverse reactions with their incidence
threshold, serious risks from Warnings and Precautions, mechanism and class, dosing frequency
and route, contraindications, pregnancy and breastfeeding, storage, overdose, missed dose and
the boxed warning. Every fact keeps the words of the label and the heading they stand under;
the label's source (set id, version, date, URL) is kept once for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from medpages.model.facts import (
    CommonAdverseReactions,
    Dosing,
    Fact,
    LabelFacts,
    LabelSource,
    ReactionRate,
    ReactionTerm,
    SeriousAdverseReactions,
    SeriousWarning,
)
from medpages.model.label import PUBLISHERS, LabelDocument, LabelIngredient, LabelSection
from medpages.sources.ingredients import canonical_ingredients
from medpages.sources.reaction_tables import is_rate, reaction_rates
from medpages.sources.text import sentences, text_units


def extract_facts(document: LabelDocument) -> LabelFacts:
    """The facts of one label. Nothing is invented: a fact the label does not state stays empty."""
    reader = _LabelReader(document)
    pregnancy = reader.pregnancy()
    lactation = reader.lactation()
    category = _PREGNANCY_CATEGORY.search(" ".join(fact.text for fact in pregnancy))
    return LabelFacts(
        source=_source(document),
        ingredients=_ingredients(document),
        products=document.products,
        product_names=_unique(product.name for product in document.products),
        generic_names=_unique(product.generic_name for product in document.products),
        forms=_unique(product.form for product in document.products),
        routes=reader.routes(),
        strengths=_unique(
            ingredient.strength.text
            for product in document.products for ingredient in product.ingredients if ingredient.strength
        ),
        pharmacologic_classes=reader.pharmacologic_classes(),
        rxcuis=document.rxcuis,
        otc="OTC" in (document.document_type or "").upper(),
        boxed_warning=reader.facts_of("boxed_warning"),
        indications=reader.indications(),
        purposes=reader.purposes(),
        dosing=reader.dosing(),
        contraindications=reader.contraindications(),
        serious_warnings=reader.serious_warnings(),
        serious_adverse_reactions=reader.serious_adverse_reactions(),
        common_adverse_reactions=reader.common_adverse_reactions(),
        adverse_reaction_rates=reader.adverse_reaction_rates(),
        interactions=reader.interactions(),
        mechanism=reader.mechanism(),
        pregnancy=pregnancy,
        pregnancy_category=category.group(1).upper() if category else None,
        pregnancy_contraindicated=reader.contraindicates(
            PREGNANCY_WORDS, pregnancy, _CONTRAINDICATED_IN_PREGNANCY),
        lactation=lactation,
        breastfeeding_contraindicated=reader.contraindicates(
            _LACTATION_WORDS, lactation, NOT_WHILE_BREASTFEEDING),
        storage=reader.storage(),
        overdose=reader.overdose(),
        missed_dose=reader.missed_dose(),
        do_not_use=reader.otc_warnings("do_not_use"),
        ask_doctor=reader.otc_warnings("ask_doctor", "ask_doctor_or_pharmacist"),
        when_using=reader.otc_warnings("when_using"),
        stop_use=reader.otc_warnings("stop_use"),
        sections=document.sections,
    )


def _source(document: LabelDocument) -> LabelSource:
    return LabelSource(
        kind=document.kind,
        set_id=document.set_id,
        version=document.version,
        effective_date=document.effective_date,
        title=label_title(document),
        publisher=PUBLISHERS[document.kind],
        labeler=document.labeler,
        url=document.url,
        document_type=document.document_type,
    )


def label_title(document: LabelDocument) -> str:
    """`Lipitor (atorvastatin calcium) tablet, film coated`: what the label is for, to cite it by."""
    if document.products:
        product = document.products[0]
        title = product.name
        if product.generic_name and product.generic_name.lower() != product.name.lower():
            title += f" ({product.generic_name})"
        if product.form:
            title += f" {product.form}"
        return title
    if document.substance_names:
        return ", ".join(name.lower() for name in document.substance_names)
    return document.title or f"label {document.set_id}"


def _ingredients(document: LabelDocument) -> list[str]:
    """Canonical names of the active ingredients: the SPL's active moieties, openFDA's substances."""
    names: list[str] = []
    for product in document.products:
        names += [_ingredient_name(ingredient) for ingredient in product.ingredients]
    if not names:
        names = list(document.substance_names)
    if not names:
        for product in document.products:
            if product.generic_name:
                names += re.split(r",\s*|\s+and\s+", product.generic_name)
    return canonical_ingredients(names)


def _ingredient_name(ingredient: LabelIngredient) -> str:
    """The active moiety, unless it is a bare ion (`MAGNESIUM CATION` of magnesium hydroxide: the
    substance is the medicine); `(SYNTHETIC)` and the like left out."""
    name = ingredient.moiety or ingredient.name
    if re.search(r"\b(?:cation|anion|ion)$", name, re.IGNORECASE):
        name = ingredient.name
    return re.sub(r"\s*\((?:synthetic|natural|anhydrous|racemic)\)", "", name, flags=re.IGNORECASE)


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


# Patterns, written once.
_INDICATION_WORDS = re.compile(
    r"\b(indicated|relieves?|relief|treat(s|ment|ing)?|prevent(s|ion)?|reduces?|used (to|for))\b", re.IGNORECASE)
# An indications lead whose uses follow in subsections: `CELEBREX is indicated`, `... is indicated for:`.
_DANGLING_LEAD = re.compile(r"\bindicated(?:\s+(?:for|to|as|in)(?:\s+the)?)?\s*:?\s*$", re.IGNORECASE)
_CONTINUES_LEAD = re.compile(r"^(?:for|to|as|in)\b", re.IGNORECASE)
_FREQUENCY = re.compile(
    r"\b(?:(?:once|twice|thrice|one time|two times|three times|four times|\d+ times)\s+(?:a|per|each)\s+"
    r"(?:day|week|month)|(?:once|twice|three times|four times)\s+(?:daily|weekly|monthly)"
    r"|every\s+\d+(?:\s*(?:to|-|–|or)\s*\d+)?\s+(?:hours?|days?|weeks?|months?)"
    r"|every\s+(?:morning|evening|night|day|other day|week)|at bedtime|once weekly|once monthly)\b",
    re.IGNORECASE,
)
_DAILY = re.compile(r"\b(?:mg\s+daily|mg/day|daily dose|a day|per day|daily)\b", re.IGNORECASE)
_DOSING_STATEMENT = re.compile(
    r"\b(dose|doses|dosage|take|taken|given|administered|daily|with or without food|with food|"
    r"empty stomach|do not (?:take|give|use|exceed) more than|maximum)\b", re.IGNORECASE)
# `The most common adverse reactions`, `the most frequently reported adverse experiences`, `The most
# frequent adverse reactions`, `The most frequently occurring early side effects` (older labels).
_COMMON_REACTIONS = re.compile(
    r"\bmost\s+(?:common(?:ly)?|frequent(?:ly)?)(?:\s+(?:reported|occurring|observed|seen|noted))?\s+"
    r"(?:\w+\s+){0,2}?(?:(?:adverse\s+(?:drug\s+)?(?:reactions?|events?|experiences?|effects?))|side\s+effects?)",
    re.IGNORECASE)
# Reporting and contact lines are never side effects.
_CONTACT = re.compile(r"\bto report\b|suspected adverse|\bcontact\b|\bcall\b|\d{3}[-.\s]\d{3}[-.\s]\d{4}|"
                      r"1-800|www\.|https?://|\.com\b|\.gov\b|medwatch", re.IGNORECASE)
# `Headache (27%); Infection*; Pain.` after a legend `adverse events marked with an asterisk * = 3% to 9%`.
_STARRED_LEGEND = re.compile(r"asterisk\s*\*?\s*=\s*(\d+(?:\.\d+)?)\s*%\s*to\s*(\d+(?:\.\d+)?)\s*%", re.IGNORECASE)
# `*Incidence of reported reaction between 3% and 9%.`, its `less than 3% ... are unmarked`, the
# lists' lead `in approximately 1% to 10% of patients`, and a list `Central Nervous System: a*, b`.
_GROUP_LIST_LEGEND = re.compile(r"^\*\s*incidence\b[^.]*?\bbetween\s+(\d+(?:\.\d+)?)\s*%?\s*and\s+"
                                r"(\d+(?:\.\d+)?)\s*%", re.IGNORECASE)
_UNMARKED_BELOW = re.compile(r"less than\s+(\d+(?:\.\d+)?)\s*%[^.]*\bunmarked", re.IGNORECASE)
_RANGE_LEAD = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*(?:to|-|–)\s*\d+(?:\.\d+)?\s*%\s*of patients[^.]*:\s*$",
                         re.IGNORECASE)
_GROUP_LIST = re.compile(r"^([A-Z][A-Za-z ()&,-]{2,60}?):\s+([^:]+,[^:]+)$")
_LISTED_RATE = re.compile(r"^([A-Za-z][^;()*]{1,60}?)\s*(?:\((\d+(?:\.\d+)?)\s*%\)|(\*))?$")
_THRESHOLD = re.compile(
    r"(≥|>=|>|greater than or equal to|greater than|more than|at least|in at least)\s*(\d+(?:\.\d+)?)\s*%",
    re.IGNORECASE,
)
_THRESHOLD_SIGNS = {">=": "≥", "greater than or equal to": "≥", "at least": "≥", "in at least": "≥",
                    "greater than": ">", "more than": ">"}
_LIST_START = re.compile(r":\s*|\b(?:were|are|was|is|include|included|includes|including|have been|has been)\s+",
                         re.IGNORECASE)
# Patterns the reference composer uses too (a label's wording, whoever reads it).
_REFERENCE = re.compile(r"\s*[\[(](?:see\s[^\])]*|\d+(?:\.\d+)*(?:\s*,\s*\d+(?:\.\d+)*)*)[\])]")
_INCIDENCE = re.compile(r"\s*\((\d+(?:\.\d+)?)\s*%[^)]*\)")
_SERIOUS_LEAD = re.compile(r"following\s+(?:clinically\s+significant\s+|serious\s+)+adverse\s+reactions?\s+"
                           r"(?:are|is)\s+(?:discussed|described)", re.IGNORECASE)
_SEE_TERM = re.compile(r"([^\[\]:;]+?)\s*\[see\s[^\]]*\]\.?", re.IGNORECASE)
_PREGNANCY_CATEGORY = re.compile(r"\bPregnancy Category\s+([ABCDX])\b", re.IGNORECASE)
PREGNANCY_WORDS = re.compile(r"\bpregnan", re.IGNORECASE)
_LACTATION_WORDS = re.compile(r"\b(nursing|breast[- ]?feed|breastfeed|lactat|breast milk)", re.IGNORECASE)
_CONTRAINDICATED_IN_PREGNANCY = re.compile(
    r"contraindicated\s+(?:for use\s+)?in\s+(?:women\s+who\s+are\s+(?:or\s+may\s+become\s+)?pregnant|pregnan)"
    r"|pregnancy category x\b", re.IGNORECASE)
NOT_WHILE_BREASTFEEDING = re.compile(
    r"should\s+not\s+breast-?\s?feed|not\s+(?:be\s+)?breast-?\s?fe[de]|contraindicated\s+in\s+nursing"
    r"|discontinue\s+nursing|breast-?\s?feeding\s+is\s+not\s+recommended", re.IGNORECASE)
ANIMAL_STUDY = re.compile(r"\b(rats?|rabbits?|mice|dogs?|monkeys?|animals?|pups?|mg/kg)\b", re.IGNORECASE)
_STORAGE = re.compile(r"\b(store|stored|storing|storage|refrigerat\w*|room temperature|freez\w*|"
                      r"protect(?:ed)?\s+(?:\w+\s+)?from\s+(?:\w+\s+)?(?:light|moisture|heat|sunlight))\b|°\s?[CF]\b",
                      re.IGNORECASE)
# OTC warnings written inside Warnings rather than as their own sections.
_OTC_WARNING_TITLES = {
    "do_not_use": re.compile(r"^do not use\b", re.IGNORECASE),
    "ask_doctor": re.compile(r"^ask a doctor(?: or pharmacist)? before use\b", re.IGNORECASE),
    "when_using": re.compile(r"^when using this product\b", re.IGNORECASE),
    "stop_use": re.compile(r"^stop use and ask a doctor\b", re.IGNORECASE),
}
_MISSED_DOSE = re.compile(r"\bmiss(?:ed|es)?\s+(?:a\s+|one\s+|your\s+|the\s+|\d+\s+)?doses?\b|\bmissed\s+dose"
                          r"|\bforget\s+to\s+(?:take|use)|\bforgot\s+to\s+(?:take|use)", re.IGNORECASE)
_OVERDOSE = re.compile(r"\boverdos", re.IGNORECASE)
_CLASS_IN_HIGHLIGHTS = re.compile(r"\bis\s+an?\s+(.{3,120}?)\s+indicated\b")
_PREGNANCY_TITLE = re.compile(r"^pregnan", re.IGNORECASE)
_LACTATION_TITLE = re.compile(r"^(nursing|lactation|breast)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Unit:
    section: LabelSection  # the (sub)section the text is in
    key: str  # the key of the nearest keyed section around it
    kind: str  # paragraph, item, row
    text: str
    lead: str
    introduces_list: bool = False  # a paragraph or item followed by (deeper) list items
    first_row: bool = False  # the first row of a table: its header, usually


class _LabelReader:
    """Walks one label's sections and picks facts; each method is one kind of fact."""

    def __init__(self, document: LabelDocument):
        self.document = document
        # Every section in document order, with the keys of the sections around it.
        self._flat: list[tuple[LabelSection, frozenset[str | None]]] = []
        stack: list[tuple[LabelSection, frozenset[str | None]]] = [
            (section, frozenset()) for section in reversed(document.sections)]
        while stack:
            section, around = stack.pop()
            self._flat.append((section, around))
            inner = around | {section.key}
            stack += [(subsection, inner) for subsection in reversed(section.subsections)]

    # ------------------------------------------------------------------ walking

    def sections(self, *keys: str) -> list[tuple[LabelSection, str]]:
        """Top-most sections with one of `keys` (their subsections are read with them), with the key."""
        wanted = set(keys)
        return [(section, section.key) for section, around in self._flat
                if section.key in wanted and section.key is not None and not (around & wanted)]

    @property
    def otc(self) -> bool:
        return "OTC" in (self.document.document_type or "").upper()

    def purposes(self) -> list[Fact]:
        """OTC Purpose; some labels code it as another section, under the heading `Purpose`."""
        facts = self.facts_of("purpose")
        if not facts and self.otc:
            for section in self.document.all_sections():
                if re.fullmatch(r"purposes?", section.title.strip(), re.IGNORECASE):
                    facts += _facts_from(_units_of(section, "purpose", section.text))
        return _dedupe(facts)

    def otc_warnings(self, *keys: str) -> list[Fact]:
        """An OTC warning (`Do not use`, `Ask a doctor …`, `When using …`, `Stop use …`): its own section,
        or, in labels that write them inside Warnings, the items after its title there."""
        facts = self.facts_of(*keys)
        if facts or not self.otc:
            return facts
        title = _OTC_WARNING_TITLES[keys[0]]
        for section, key in self.sections("warnings"):
            taking = False
            for unit in self.units(section, key):
                if unit.kind == "paragraph":
                    heads = title.match(unit.text)
                    taking = bool(heads)
                    rest = unit.text[heads.end():].strip(" :") if heads else ""
                    if heads and rest and not unit.introduces_list:
                        facts.append(Fact(section=keys[0], heading=unit.section.heading, text=unit.text))
                elif taking and unit.kind == "item":
                    facts.append(Fact(section=keys[0], heading=unit.section.heading, text=unit.text, lead=unit.lead))
        return _dedupe(facts)

    def units(self, section: LabelSection, key: str, *, highlights: bool = False) -> Iterator[_Unit]:
        """The paragraphs, items and rows of a section and its subsections (or of its highlights)."""
        if highlights:
            yield from _units_of(section, key, section.highlights)
            return
        for inner in section.walk():
            inner_key = inner.key if inner.key and inner.key != "unclassified" else key
            yield from _units_of(inner, inner_key, inner.text)

    def facts_of(self, *keys: str, sentence_level: bool = True) -> list[Fact]:
        facts: list[Fact] = []
        for section, key in self.sections(*keys):
            facts += _facts_from(self.units(section, key), sentence_level=sentence_level)
        return _dedupe(facts)

    # ------------------------------------------------------------------ kinds of fact

    def indications(self) -> list[Fact]:
        facts: list[Fact] = []
        for section, key in self.sections("indications"):
            # `CELEBREX is indicated` (or `... indicated for:`) whose uses are the subsections after it
            # (1.1 Osteoarthritis: `For the management of ...`): each subsection's first sentence is a
            # use, with that lead.
            open_lead: tuple[LabelSection, str] | None = None
            done: set[int] = set()
            for unit in self.units(section, key):
                if unit.introduces_list:
                    # Its last sentence is the lead of the items after it, kept as their `lead`; a use
                    # before it in the same paragraph is a use (`X is indicated for acute pain ...`).
                    facts += [_fact(unit, s) for s in sentences(unit.text)[:-1] if _INDICATION_WORDS.search(s)]
                    continue
                if open_lead is not None and unit.section is not open_lead[0] and id(unit.section) not in done \
                        and unit.kind == "paragraph" and _CONTINUES_LEAD.match(unit.text):
                    done.add(id(unit.section))
                    first = (sentences(unit.text) or [unit.text])[0]
                    facts.append(Fact(section=unit.key, heading=unit.section.heading, text=first, lead=open_lead[1]))
                    continue
                if unit.kind == "item" or unit.kind == "row":
                    facts.append(_fact(unit, unit.text))
                elif _DANGLING_LEAD.search(unit.text) and unit.section.subsections:
                    open_lead = (unit.section, unit.text.strip())
                elif not unit.text.endswith(":"):
                    facts += [_fact(unit, s) for s in sentences(unit.text) if _INDICATION_WORDS.search(s)]
        return _dedupe(facts)

    def routes(self) -> list[str]:
        return _unique(route for product in self.document.products for route in product.routes)

    def pharmacologic_classes(self) -> list[str]:
        classes = list(self.document.pharmacologic_classes)
        for section, _key in self.sections("indications"):
            match = _CLASS_IN_HIGHLIGHTS.search(section.highlights)
            if match:
                classes.append(match.group(1).strip())
        return _unique(classes)

    def dosing(self) -> Dosing:
        statements: list[Fact] = []
        frequencies: list[str] = []
        for section, key in self.sections("dosage"):
            use_highlights = bool(section.highlights.strip())
            units = self.units(section, key, highlights=use_highlights)
            for unit in units:
                for text in [unit.text] if unit.kind != "paragraph" else sentences(unit.text):
                    found = [match.group(0).lower() for match in _FREQUENCY.finditer(text)]
                    frequencies += found
                    if found or _DOSING_STATEMENT.search(text) or self.otc:  # OTC Directions: every line
                        statements.append(_fact(unit, text, highlights=use_highlights))
            if use_highlights or not frequencies:
                for unit in self.units(section, key):
                    frequencies += [m.group(0).lower() for m in _FREQUENCY.finditer(unit.text)]
            if not frequencies:
                frequencies += ["daily" for unit in self.units(section, key) if _DAILY.search(unit.text)][:1]
        return Dosing(
            frequencies=_unique(" ".join(f.split()) for f in frequencies),
            routes=self.routes(),
            statements=_dedupe(statements),
        )

    def contraindications(self) -> list[Fact]:
        facts: list[Fact] = []
        for section, key in self.sections("contraindications"):
            if section.highlights.strip():
                facts += _facts_from(self.units(section, key, highlights=True), highlights=True)
                continue
            facts += _facts_from(_units_of(section, key, section.text))
            for subsection in section.subsections:
                # `4.1 Active liver disease ...` (the title is the contraindication), or
                # `4.3 Pregnancy` with its reason: the title and the first sentence.
                if subsection.title:
                    facts.append(Fact(section=key, heading=subsection.heading, text=subsection.title))
                first = next(iter(_facts_from(_units_of(subsection, key, subsection.text))), None)
                if first is not None:
                    facts.append(first)
        return _dedupe(facts)

    def serious_warnings(self) -> list[SeriousWarning]:
        warnings: list[SeriousWarning] = []
        for section, key in self.sections("warnings_and_precautions", "warnings", "precautions"):
            highlight_units = list(self.units(section, key, highlights=True))
            for subsection in section.subsections:
                if subsection.key not in (None, "unclassified") or not subsection.title:
                    continue  # OTC warnings have their own fields; untitled text is no named risk
                summary = _highlight_for(subsection.number, highlight_units)
                if summary is not None:
                    text, from_highlights = summary, True
                else:
                    first = next((u for u in _units_of(subsection, key, subsection.text)), None)
                    text = sentences(first.text)[0] if first and first.kind == "paragraph" and sentences(first.text) \
                        else (first.text if first else subsection.title)
                    from_highlights = False
                warnings.append(SeriousWarning(
                    section=key, heading=subsection.heading, text=text, number=subsection.number,
                    title=subsection.title, highlights=from_highlights,
                ))
        return warnings

    def serious_adverse_reactions(self) -> SeriousAdverseReactions | None:
        for section, key in self.sections("adverse_reactions"):
            units = list(_units_of(section, key, section.text))
            for index, unit in enumerate(units):
                match = _SERIOUS_LEAD.search(unit.text)
                if not match:
                    continue
                tail = unit.text[match.end():].split(":", 1)[1] if ":" in unit.text[match.end():] else ""
                following = [tail] + [u.text for u in units[index + 1:index + 30] if "[see" in u.text.lower()]
                terms = _unique(m.group(1).strip(" ,;•-").strip() for m in _SEE_TERM.finditer(" ".join(following)))
                terms = [t for t in terms if t and len(t) <= 120]
                if terms:
                    return SeriousAdverseReactions(section=key, heading=section.heading, text=unit.text, terms=terms)
        return None

    def common_adverse_reactions(self) -> list[CommonAdverseReactions]:
        found: list[CommonAdverseReactions] = []
        for section, key in self.sections("adverse_reactions"):
            for highlights in (True, False):
                units = list(self.units(section, key, highlights=highlights))
                for index, unit in enumerate(units):
                    for sentence in sentences(unit.text) if unit.kind == "paragraph" else [unit.text]:
                        statement = _common_reactions(unit, sentence, highlights)
                        if statement is None and not highlights and sentence.rstrip().endswith(":"):
                            # `… the most frequently reported adverse experiences … are:` and a list or
                            # a table of them
                            listed = _listed_after(units[index + 1:]) or _listed_in_table(unit.section)
                            statement = _common_reactions(unit, sentence.rstrip() + " " + listed, highlights) \
                                if listed else None
                        if statement is not None:
                            found.append(statement)
        return found

    def adverse_reaction_rates(self) -> list[ReactionRate]:
        """Each reaction with its rate in the medicine's arm: from the tables (`reaction_tables`), then
        from lists such as `Headache (27%); Infection*; Pain.` whose legend says what `*` means."""
        document = self.document
        sections = [section for section, _key in self.sections("adverse_reactions")]
        rates = reaction_rates(
            sections,
            names=[*_ingredients(document), *(p.generic_name or "" for p in document.products),
                   *(i.moiety or i.name for p in document.products for i in p.ingredients)],
            brands=[product.name for product in document.products])
        seen = {rate.term.lower() for rate in rates}
        for section in sections:
            units = list(self.units(section, "adverse_reactions"))
            legend = next((m for u in units if (m := _STARRED_LEGEND.search(u.text))), None)
            for unit in units:
                pieces = [piece.strip() for piece in unit.text.rstrip(".").split(";")]
                if unit.kind != "paragraph" or len(pieces) < (2 if legend else 3) or _CONTACT.search(unit.text):
                    continue
                for piece in pieces:
                    match = _LISTED_RATE.match(piece)
                    if not match or match.group(1).strip().lower() in seen:
                        continue
                    if match.group(2):
                        percent, written = float(match.group(2)), f"{match.group(2)}%"
                    elif match.group(3) and legend:
                        percent, written = float(legend.group(1)), f"{legend.group(1)}% to {legend.group(2)}%"
                    else:
                        continue
                    seen.add(match.group(1).strip().lower())
                    rates.append(ReactionRate(section="adverse_reactions", heading=unit.section.heading,
                                              text=unit.text, lead=unit.lead, term=match.group(1).strip(),
                                              percent=percent, frequency=written))
            rates += _starred_group_lists(units, seen)
        return rates

    def interactions(self) -> list[Fact]:
        facts: list[Fact] = []
        for section, key in self.sections("drug_interactions"):
            if section.highlights.strip():
                units = (u for u in self.units(section, key, highlights=True) if not u.first_row)
                facts += _facts_from(units, highlights=True, sentence_level=False)
                continue
            if section.subsections:
                for subsection in section.subsections:
                    first = next(iter(_units_of(subsection, key, subsection.text)), None)
                    if first is not None:
                        text = sentences(first.text)[0] if first.kind == "paragraph" else first.text
                        facts.append(Fact(section=key, heading=subsection.heading, text=text))
            else:
                facts += _facts_from(self.units(section, key))
        return _dedupe(facts)

    def mechanism(self) -> list[Fact]:
        facts: list[Fact] = []
        for section, key in self.sections("mechanism_of_action"):
            paragraphs = [u for u in self.units(section, key) if u.kind == "paragraph"][:2]
            for unit in paragraphs:
                facts += [_fact(unit, s) for s in sentences(unit.text)]
        return _dedupe(facts)

    def pregnancy(self) -> list[Fact]:
        return self._population_facts(("pregnancy", "teratogenic_effects", "nonteratogenic_effects",
                                       "pregnancy_or_breast_feeding"), _PREGNANCY_TITLE)

    def lactation(self) -> list[Fact]:
        return self._population_facts(("lactation", "nursing_mothers", "pregnancy_or_breast_feeding"),
                                      _LACTATION_TITLE)

    def _population_facts(self, keys: tuple[str, ...], title: re.Pattern[str]) -> list[Fact]:
        facts: list[Fact] = []
        for section, key in self.sections(*keys):
            facts += [f for f in _facts_from(self.units(section, key)) if not ANIMAL_STUDY.search(f.text)]
        # Patient counselling often has untitled-code subsections such as `17.3 Pregnancy`.
        for section in self.document.all_sections():
            if section.key in (None, "unclassified") and title.search(section.title):
                facts += _facts_from(_units_of(section, "information_for_patients", section.text))
        return _dedupe(facts)

    def contraindicates(self, words: re.Pattern[str], facts: list[Fact], statement: re.Pattern[str]) -> bool:
        for section, _key in self.sections("contraindications"):
            for inner in section.walk():
                if inner is not section and words.search(inner.title):
                    return True
                if any(words.search(u.text) and "contraindicated" in u.text.lower()
                       for u in _units_of(inner, "contraindications", inner.text)):
                    return True
            if words.search(section.highlights):
                return True
        return any(statement.search(fact.text) for fact in facts)

    def storage(self) -> list[Fact]:
        # OTC labels code "Other information" as Storage and Handling too: only its storage lines.
        facts = [f for f in self.facts_of("storage_and_handling")
                 if len(f.text.split()) > 2 and (not self.otc or _STORAGE.search(f.text))]
        if not facts:  # OTC labels and older ones state storage in other sections
            for section, key in self.sections("how_supplied", "other_safety_information", "unclassified",
                                              "package_label"):
                units = (unit for unit in self.units(section, key) if _STORAGE.search(unit.text))
                facts += [f for f in _facts_from(units) if _STORAGE.search(f.text) and len(f.text.split()) > 2]
        return _dedupe(facts)

    def overdose(self) -> list[Fact]:
        facts = self.facts_of("overdosage")
        for section, key in self.sections("keep_out_of_reach_of_children"):
            facts += [f for f in _facts_from(self.units(section, key)) if _OVERDOSE.search(f.text)]
        return _dedupe(facts)

    def missed_dose(self) -> list[Fact]:
        facts: list[Fact] = []
        for section in self.document.sections:
            key = section.key or "unclassified"
            if not any(_might_mention_missed_dose(inner.text) for inner in section.walk()):
                continue
            for unit in self.units(section, key):
                if not _MISSED_DOSE.search(unit.text):
                    continue
                if unit.kind != "paragraph":
                    facts.append(_fact(unit, unit.text))
                    continue
                # From the sentence about a missed dose on, while the sentences are about doses.
                said = sentences(unit.text)
                first = next(i for i, sentence in enumerate(said) if _MISSED_DOSE.search(sentence))
                window = [said[first]]
                for sentence in said[first + 1:first + 6]:
                    if not re.search(r"\bdoses?\b", sentence, re.IGNORECASE):
                        break
                    window.append(sentence)
                facts.append(_fact(unit, " ".join(window)))
        return _dedupe(facts)


# --------------------------------------------------------------------------- helpers


def _starred_group_lists(units: list[_Unit], seen: set[str]) -> list[ReactionRate]:
    """Lists by body system whose legend follows them: `Central Nervous System: headache*, dizziness*,
    vertigo` then `*Incidence of reported reaction between 3% and 9%. Those reactions occurring in
    less than 3% of the patients are unmarked.` A starred reaction is 3% to 9%; an unmarked one is
    1% to 3% when the sentence before the lists gives 1% as the lowest (`in approximately 1% to 10%
    of patients are:`), else left out. A run of lists with no legend after it (`In patients taking
    NSAIDs, ...`: the class's) is not read."""
    rates: list[ReactionRate] = []
    for index, unit in enumerate(units):
        legend = _GROUP_LIST_LEGEND.search(unit.text) if unit.kind == "paragraph" else None
        if legend is None:
            continue
        start = index
        while start > 0 and units[start - 1].kind == "paragraph" and _GROUP_LIST.match(units[start - 1].text):
            start -= 1
        if start == index:
            continue
        intro = _RANGE_LEAD.search(units[start - 1].text) if start > 0 else None
        unmarked = _UNMARKED_BELOW.search(unit.text)
        for listed in units[start:index]:
            match = _GROUP_LIST.match(listed.text)
            group = re.sub(r",?\s*including$|\s+experiences$", "", match.group(1).strip(), flags=re.IGNORECASE)
            group = re.sub(r"\s+experiences\b", "", group, flags=re.IGNORECASE)
            for piece in _split_outside_brackets(match.group(2)):
                piece = piece.strip().rstrip(".")
                starred = piece.endswith("*")
                term = piece.rstrip("*").strip()
                if not term or len(term) > 60 or term.lower() in seen:
                    continue
                if starred:
                    low, high = legend.group(1), legend.group(2)
                elif unmarked and intro and float(intro.group(1)) < float(unmarked.group(1)):
                    low, high = intro.group(1), unmarked.group(1)
                else:
                    continue
                seen.add(term.lower())
                rates.append(ReactionRate(section="adverse_reactions", heading=listed.section.heading,
                                          text=listed.text, lead=listed.lead, term=term, percent=float(low),
                                          frequency=f"{low}% to {high}%", group=group))
    return rates


def _might_mention_missed_dose(text: str) -> bool:
    """A quick substring check before the slower `_MISSED_DOSE` pattern."""
    return any(word in text for word in ("miss", "Miss", "MISS", "forg", "Forg", "FORG"))


def _units_of(section: LabelSection, key: str, text: str) -> Iterator[_Unit]:
    """The units of one block of text; list items come with the text that introduces them."""
    units = [unit for unit in text_units(text) if unit.text]
    parents: dict[int, str] = {}
    lead = ""
    for index, unit in enumerate(units):
        following = units[index + 1] if index + 1 < len(units) else None
        if unit.kind == "item":
            parents[unit.depth] = unit.text
            item_lead = parents.get(unit.depth - 1, "") if unit.depth else lead
            has_children = following is not None and following.kind == "item" and following.depth > unit.depth
            yield _Unit(section, key, "item", unit.text, item_lead, introduces_list=has_children)
        else:
            before_list = unit.kind == "paragraph" and following is not None and following.kind == "item"
            lead = unit.text if before_list and (unit.text.endswith(":") or len(unit.text.split()) <= 12) else ""
            introduces = bool(lead)
            parents.clear()
            first_row = unit.kind == "row" and (index == 0 or units[index - 1].kind != "row")
            yield _Unit(section, key, unit.kind, unit.text, "", introduces_list=introduces, first_row=first_row)


def _fact(unit: _Unit, text: str, *, highlights: bool = False) -> Fact:
    return Fact(section=unit.key, heading=unit.section.heading, text=text, lead=unit.lead, highlights=highlights)


def _facts_from(units: Iterable[_Unit], *, highlights: bool = False, sentence_level: bool = True) -> list[Fact]:
    """Items and rows as one fact each; paragraphs one fact per sentence (or whole)."""
    facts: list[Fact] = []
    for unit in units:
        if unit.kind == "paragraph" and sentence_level:
            facts += [_fact(unit, sentence, highlights=highlights) for sentence in sentences(unit.text)]
        else:
            facts.append(_fact(unit, unit.text, highlights=highlights))
    return facts


def _dedupe(facts: list[Fact]) -> list[Fact]:
    seen: set[str] = set()
    unique = []
    for fact in facts:
        key = " ".join(fact.text.lower().split())
        if key not in seen:
            seen.add(key)
            unique.append(fact)
    return unique


def _highlight_for(number: str | None, units: list[_Unit]) -> str | None:
    """The Highlights entry that cites subsection `number` (`... (5.1)`), if any."""
    if not number:
        return None
    cited = re.compile(rf"[(\[,]\s*{re.escape(number)}\s*[,)\]]")
    for unit in units:
        if cited.search(unit.text):
            return unit.text
    return None


def _common_reactions(unit: _Unit, sentence: str, highlights: bool) -> CommonAdverseReactions | None:
    match = _COMMON_REACTIONS.search(sentence)
    if not match or re.search(r"discontinu|withdraw", sentence, re.IGNORECASE) or _CONTACT.search(sentence):
        return None
    rest = sentence[match.end():]
    # The list starts after the first ":" or "were/are/include" that is outside brackets.
    start = _outside_brackets(_LIST_START, rest)
    if start is None:
        return None
    intro, listed = rest[:start[0]], rest[start[1]:]
    if re.match(r"(?:consistent|similar|comparable|generally|those|related|due|attributed)\b", listed, re.IGNORECASE):
        return None  # `… were consistent with the profile of the drug`: no list
    threshold = _THRESHOLD.search(sentence[: match.end()] + intro)
    terms = _reaction_terms(listed)
    if not terms:
        return None
    sign, percent = (threshold.group(1), float(threshold.group(2))) if threshold else (None, None)
    sign = _THRESHOLD_SIGNS.get(sign.lower(), sign) if sign else None
    return CommonAdverseReactions(
        section=unit.key, heading=unit.section.heading, text=sentence, lead=unit.lead, highlights=highlights,
        terms=terms,
        threshold=f"{sign} {percent:g}%" if sign else None,
        threshold_percent=percent,
    )


def _listed_after(units: list[_Unit]) -> str:
    """Short lines after a lead (`abdominal pain*`, `dyspepsia`), as `a, b, c`, up to the next sentence;
    group titles (`Other experiences:`) and footnotes (`*Incidence greater than 10%`) left out."""
    terms: list[str] = []
    for unit in units:
        text = unit.text.strip()
        if unit.kind == "row" or len(text.split()) > 6 or text.endswith("."):
            break
        if text.endswith(":") or re.search(r"\d\s*%|incidence", text, re.IGNORECASE):
            continue
        terms.append(text.strip("* "))
    return ", ".join(dict.fromkeys(terms)) if len(terms) >= 2 else ""


def _listed_in_table(section: LabelSection) -> str:
    """The reactions a table lists without rates (one per line of its cells), as `a, b, c`; the
    table's headings (`Other experiences:`) and footnotes (`*Incidence greater than 10%`) left out."""
    for table in section.tables:
        lines = [line.strip() for row in table.rows for cell in dict.fromkeys(row) for line in cell.split("\n")]
        terms = [line.strip("* ") for line in lines
                 if line and not line.endswith(":") and not re.search(r"\d\s*%|incidence", line, re.IGNORECASE)]
        if terms and not any(is_rate(cell) for row in table.rows for cell in row[1:]):
            return ", ".join(dict.fromkeys(terms))
    return ""


def _outside_brackets(pattern: re.Pattern[str], text: str) -> tuple[int, int] | None:
    for match in pattern.finditer(text):
        before = text[: match.start()]
        if before.count("(") == before.count(")") and before.count("[") == before.count("]"):
            return match.start(), match.end()
    return None


def _reaction_terms(listed: str) -> list[ReactionTerm]:
    listed = _REFERENCE.sub("", listed).strip().rstrip(".;: ")
    # `a (8.3%), b and c` -> pieces on commas and semicolons outside brackets, then the last "and".
    pieces = [piece.strip() for piece in _split_outside_brackets(listed)]
    if pieces and len(pieces) == 1 or (pieces and not re.match(r"(?:and|or)\s", pieces[-1])):
        last = pieces.pop()
        pieces += re.split(r"\s+(?:and|or)\s+(?![^(]*\))", last)
    terms: list[ReactionTerm] = []
    for piece in pieces:
        piece = re.sub(r"^(?:and|or)\s+", "", piece.strip())
        incidence = _INCIDENCE.search(piece)
        term = _INCIDENCE.sub("", piece).strip(" .,;:").lower()
        if not term or len(term) > 80 or len(term.split()) > 8 or _CONTACT.search(term) or "trial" in term:
            continue
        terms.append(ReactionTerm(term=term, incidence_percent=float(incidence.group(1)) if incidence else None))
    return terms


def _split_outside_brackets(text: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    depth = 0
    for character in text:
        if character in "([":
            depth += 1
        elif character in ")]":
            depth = max(0, depth - 1)
        if character in ",;" and depth == 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(character)
    pieces.append("".join(current))
    return [piece for piece in pieces if piece.strip()]
