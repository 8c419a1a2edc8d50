"""Unsupported claims: side effects and uses on the page that the label does not contain.

Only run with label facts. A side effect is supported when it, or an equivalent from the lexicon
or the glossary ("joint pain" for "arthralgia", "low blood pressure" for "hypotension"), appears
in the label's adverse reactions facts or in the full text of its adverse reactions, warnings and
patient information sections, word parts read as plain words ("stomach pain" for "abdominal
pain"). A use is supported when most of its condition words appear in the label's indications
(or OTC uses and purposes).
Both are warnings: the match is by words, so a reviewer decides.
"""

from __future__ import annotations

import re
from functools import lru_cache

from medpages.check.label_evidence import LabelEvidence, synonym_phrases
from medpages.check.page_text import Passage, page_passages, plain, quote, split_sentences
from medpages.check.settings import CheckSettings
from medpages.model import Finding, Medicine, Page
from medpages.sources.lexicon import concept_words, normalise

# Words that qualify a side effect without changing what it is.
_MODIFIERS = re.compile(
    r"\b(?:mild|moderate|severe|serious|rare|rarely|commonly|occasional|occasionally|temporary|some|"
    r"slight|possible|possibly|increased|increase|risk of|risk|of|in|a|an|the|sudden|new|unusual|unexplained|"
    r"persistent|general|generalised|generalized|feeling of|signs of|symptoms of|symptoms|signs|problems with|other|"
    r"including|such as|especially|very|may|can|occur|occurs|be|is|are|that gets worse|that get worse|gets worse|"
    r"that does not go away|that lasts|that will not go away)\b", re.IGNORECASE)
_SPLIT_EFFECTS = re.compile(r"\s*(?:,|/|;|\band\b|\bor\b|&)\s*", re.IGNORECASE)
_USE_VERB = re.compile(
    r"\b(?:used\s+(?:to|for|in|with)|is\s+indicated|indicated\s+(?:to|for)|treats?|treating|prevents?|"
    r"preventing|relieves?|relieving|relief\s+of|lowers?|lowering|reduces?|reducing|helps?|helping|"
    r"controls?|manages?|eases?|works\s+(?:for|against)|is\s+for|prescribed\s+(?:to|for))\b", re.IGNORECASE)
# Words that say how or for whom, not what: they neither support nor contradict a use.
_GENERIC = frozenset(concept_words(
    "use used uses using treat treats treated treatment treating help helps helping prevent prevents "
    "prevention relieve relieves relief lower lowers lowering reduce reduces reducing control manage ease "
    "risk chance chances patient patients people person adult adults child children kid kids your you "
    "it its this that these those medicine medicines medication drug product tablet tablets syrup "
    "temporarily temporary condition conditions symptom symptoms certain some other also may can will "
    "is are be been being the a an and or of to for in on with by as from at such who which when their "
    "them they into along together level levels amount amounts high low higher lower healthy "
    "alongside combination plus well work works working indicated prescribed doctor doctors usually "
    "often type types main mainly primarily specifically especially including include includes like "
    "minor due caused cause causes associated related common disease diseases problem problems "
    "adjunct addition part plan program programme lifestyle changes change exercise "
    "several various kind kinds form forms sort sorts "
    "body daily day age aged ages year years old month months week weeks infant infants teen teens teenager teenagers baby babies under over older younger men women "
    "get gets getting got develop develops developing developed have having has "
    "sign signs symptom symptoms"))
# What a use does for a condition ("eases the pain and stiffness of arthritis", "helps with the
# swelling of …"): when the label treats a condition's "signs and symptoms", these words name
# them and claim nothing; the use is read for the condition words around them.
_SYMPTOM_WORDS = frozenset(concept_words(
    "pain ache aches stiffness stiff swelling swollen tenderness tender discomfort flare flares flare-ups "
    "inflammation redness"))
_SYMPTOMS_TREATED = frozenset(concept_words("symptom symptoms sign signs"))


def check_claims(page: Page, medicine: Medicine, evidence: LabelEvidence, settings: CheckSettings) -> list[Finding]:
    findings = _side_effects(page, evidence)
    findings += _uses(page, medicine, evidence, settings)
    return findings


# --------------------------------------------------------------------------- side effects


def _effect_supported(name: str, evidence: LabelEvidence) -> list[str]:
    """The parts of a side effect the label does not support (empty: supported)."""
    text = plain(name).strip(" :.")
    if not text:
        return []
    if evidence.reactions.has_any_equivalent(text):
        return []
    main = re.sub(r"\([^)]*\)", " ", text)
    inside = " , ".join(re.findall(r"\(([^)]*)\)", text))
    missing_main = _missing_parts(main, evidence)
    if inside.strip() and (not missing_main or not _missing_parts(inside, evidence)):
        return []
    return missing_main


def _missing_parts(text: str, evidence: LabelEvidence) -> list[str]:
    missing: list[str] = []
    for part in _SPLIT_EFFECTS.split(text):
        part = part.strip(" .:-")
        if not part or evidence.reactions.has_any_equivalent(part):
            continue
        bare = " ".join(_MODIFIERS.sub(" ", part).split())
        if not bare or evidence.reactions.has_any_equivalent(bare):
            continue
        missing.append(part)
    return missing


def _side_effects(page: Page, evidence: LabelEvidence) -> list[Finding]:
    findings: list[Finding] = []
    names: list[tuple[str, str, int]] = []
    if page.side_effects is not None:
        names += [("side_effects", item.name, index) for index, item in enumerate(page.side_effects.items)]
    if page.serious_side_effects is not None:
        names += [("serious_side_effects", item.label or "", index)
                  for index, item in enumerate(page.serious_side_effects.items) if item.label]
    for section, name, index in names:
        missing = _effect_supported(name, evidence)
        if missing:
            title = "Side Effects" if section == "side_effects" else "Serious Side Effects"
            listed = ", ".join(repr(quote(part, 50)) for part in missing)
            findings.append(Finding(
                code="claim.unsupported_side_effect", severity="warning", section=section,
                message=f"{title}, item {index + 1}: {listed} is not among the label's adverse reactions "
                        f"or warnings ({evidence.citation})"))
    return findings


# --------------------------------------------------------------------------- uses


def _names_of(medicine: Medicine, evidence: LabelEvidence) -> frozenset[str]:
    facts = evidence.facts
    names = [medicine.title, medicine.generic_name or "", *medicine.ingredients, *medicine.brands,
             *medicine.synonyms, medicine.form or "", *facts.product_names, *facts.generic_names,
             *facts.ingredients, *facts.forms]
    return frozenset(s for name in names for s in concept_words(name))


def _use_claims(page: Page) -> list[tuple[Passage, str, tuple[str, ...]]]:
    """(passage, the words that state a use, other readings of them) for each Usage statement."""
    claims: list[tuple[Passage, str, tuple[str, ...]]] = []
    for passage in page_passages(page):
        if passage.section != "usage":
            continue
        if passage.kind == "item_label":
            # "**Period pain:** menstrual cramps.": a text with no use verb may say the same use in
            # other words; the label alone, or the two read together, may be supported.
            text = page.usage.items[passage.item].text if page.usage is not None and passage.item is not None else ""
            explained = text and not _USE_VERB.search(text)
            claims.append((passage, passage.text, (f"{passage.text} {text}",) if explained else ()))
            continue
        labelled = passage.kind == "item" and page.usage is not None and bool(page.usage.items[passage.item].label)
        # "**Osteoarthritis:** eases pain and stiffness": the text says what it does for the bold condition.
        condition = f"{page.usage.items[passage.item].label} " if labelled else ""
        for position, sentence in enumerate(split_sentences(passage.text)):
            match = _USE_VERB.search(sentence)
            if match:
                claims.append((passage, condition + sentence[match.end():], ()))
            elif passage.kind == "item" and position == 0 and not labelled:
                claims.append((passage, sentence, ()))  # a bare bullet under "used to:" is a use
    return claims


@lru_cache(maxsize=1)
def _multiword_phrases() -> tuple[str, ...]:
    """Synonym phrases (lexicon and glossary) of two words or more, longest first."""
    return tuple(sorted((p for p in synonym_phrases() if len(p.split()) > 1), key=lambda p: (-len(p), p)))


def _uses(page: Page, medicine: Medicine, evidence: LabelEvidence, settings: CheckSettings) -> list[Finding]:
    if not (evidence.facts.indications or evidence.facts.purposes):
        return []  # a label without indications cannot support or refute a use
    names = _names_of(medicine, evidence)
    findings: list[Finding] = []
    for passage, claim, readings in _use_claims(page):
        if all(not _use_supported(reading, names, evidence, settings) for reading in (claim, *readings)):
            findings.append(Finding(
                code="claim.unsupported_use", severity="warning", section="usage",
                message=f"{passage.where}: {quote(claim.strip(), 70)!r} is not among the label's indications "
                        f"({evidence.citation})"))
    return findings


def _use_supported(claim: str, names: frozenset[str], evidence: LabelEvidence, settings: CheckSettings) -> bool:
    """Whether at least `use_support_share` of the claim's units (phrases and words) are in the indications."""
    label_stems = evidence.indications.stem_set()
    # A bracketed explanation ("erectile dysfunction (trouble getting an erection)") explains the
    # use in plain words; it claims nothing the words before it do not.
    unbracketed = re.sub(r"\([^)]*\)", " ", claim)
    claim = unbracketed if concept_words(unbracketed) else claim
    # A synonym phrase ("high blood pressure") is one unit: found only as itself or an equivalent.
    rest = f" {normalise(claim)} "
    units: list[bool] = []
    for phrase in _multiword_phrases():
        if f" {phrase} " in rest:
            units.append(evidence.indications.has_any_equivalent(phrase))
            rest = rest.replace(f" {phrase} ", " | ")
    said = frozenset(_GENERIC | names | (_SYMPTOM_WORDS if _SYMPTOMS_TREATED & label_stems else frozenset()))
    units += [s in label_stems for s in concept_words(rest) if s not in said and not s.isdigit() and len(s) > 2]
    if not units:
        return True  # nothing but generic words and names: no claim to judge
    return sum(units) / len(units) >= settings.use_support_share
