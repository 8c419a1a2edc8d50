"""Contradictions with the label: reassurance the label rules out, and a boxed warning left unsaid.

Only run with label facts, and only on what the label states: "safe in pregnancy" (or a
Safety Advice verdict of "safe") when the label contraindicates the medicine in pregnancy;
the same for breastfeeding; a boxed warning the page never mentions. These are errors.
"""

from __future__ import annotations

import re

from medpages.check.label_evidence import LabelEvidence
from medpages.check.page_text import page_passages, quote, split_sentences
from medpages.model import Finding, Page
from medpages.sources.lexicon import WARNING_CONCEPTS, equivalent_phrases, stems

_PREGNANCY = r"(?:pregnan\w*|expecting\s+(?:a\s+baby|mothers?|women)|unborn\s+(?:baby|child)|(?:the\s+)?(?:fetus|foetus))"
_BREASTFEEDING = r"(?:breast-?\s?feed\w*|breast-?\s?fed|nursing(?:\s+mothers?|\s+(?:a|your)\s+baby)?|breast\s*milk|lactat\w*)"


def _reassurance(topic: str, child: str) -> re.Pattern[str]:
    """Sentences that tell a patient the medicine is fine for `topic`."""
    return re.compile(
        rf"\bsafe(?:ly)?\b[^.;]{{0,50}}?\b{topic}"
        rf"|\b{topic}[^.;]{{0,50}}?\b(?:is|are|remains?|considered|generally|perfectly|completely|totally)\s+"
        rf"(?:\w+\s+){{0,2}}safe\b"
        rf"|\b{topic}[^.;]{{0,40}}?\b(?:can|may)\s+(?:safely|still|freely|also)\s+(?:take|use|continue|keep)"
        rf"|\b(?:can|may)\s+(?:safely|freely)\s+(?:be\s+)?(?:take|taken|use|used|continue|continued)[^.;]{{0,50}}?\b{topic}"
        rf"|\bno\s+(?:known\s+|real\s+|significant\s+|added\s+|extra\s+)?(?:risks?|harm|danger|problems?|concerns?)\b"
        rf"[^.;]{{0,50}}?\b(?:{topic}|{child})"
        rf"|\b{topic}[^.;]{{0,50}}?\bno\s+(?:known\s+|real\s+)?(?:risks?|harm|danger|problems?|concerns?)\b"
        rf"|\b(?:harmless|will\s+not\s+harm|won't\s+harm|does\s+not\s+harm|doesn't\s+harm|poses\s+no\s+(?:risk|threat))"
        rf"[^.;]{{0,50}}?\b(?:{topic}|{child})"
        rf"|\b(?:fine|okay|ok|no\s+problem|nothing\s+to\s+worry\s+about)\b[^.;]{{0,40}}?\b{topic}"
        rf"|\b{topic}[^.;]{{0,40}}?\b(?:is|are)\s+(?:fine|okay|ok|no\s+problem)\b",
        re.IGNORECASE)


# What turns a reassurance around: "not safe", "has not been shown to be safe", "unsafe".
_NEGATED = re.compile(
    r"\b(?:not|n't|never|no\s+longer)\s+(?:\w+\s+){0,4}?safe|\bunsafe\b|\bnot\s+(?:been\s+)?(?:known|established|"
    r"shown|proven|studied)|\bunknown\b|\bunclear\b|\buncertain\b|\bnot\s+sure\b|\bcan\s*not\b|\bcannot\b"
    r"|\bdo\s+not\b|\bdon't\b|\bmust\s+not\b|\bshould\s+not\b|\bshouldn't\b|\bavoid\b|\bstop\b|\bunless\b",
    re.IGNORECASE)
_SAFE_VERDICT = re.compile(
    r"^\s*(?:generally\s+|probably\s+|likely\s+|usually\s+|considered\s+|mostly\s+)?(?:safe|ok|okay|fine|"
    r"no\s+(?:known\s+)?(?:risk|problem|concern)s?|compatible|low\s+risk|allowed|permitted|yes)\b", re.IGNORECASE)
_TOPICS = {
    "pregnancy": (re.compile(_PREGNANCY, re.IGNORECASE),
                  _reassurance(_PREGNANCY, r"(?:unborn|developing)\s+(?:baby|babies|child)"), "pregnancy"),
    "breastfeeding": (re.compile(_BREASTFEEDING, re.IGNORECASE),
                      _reassurance(_BREASTFEEDING, r"(?:nursing|breastfed|breast-fed)\s+(?:baby|babies|infants?)|infants?"),
                      "breastfeeding"),
}
# Written out, not composed, so that every code can be found in the source (docs/checks.md lists them).
_CODES = {"pregnancy": "contradiction.pregnancy", "breastfeeding": "contradiction.breastfeeding"}


def check_contradictions(page: Page, evidence: LabelEvidence) -> list[Finding]:
    facts = evidence.facts
    findings: list[Finding] = []
    if facts.pregnancy_contraindicated:
        findings += _reassured(page, "pregnancy", evidence)
    if facts.breastfeeding_contraindicated:
        findings += _reassured(page, "breastfeeding", evidence)
    if facts.boxed_warning:
        findings += _boxed_warning(page, evidence)
    return findings


def _reassured(page: Page, topic: str, evidence: LabelEvidence) -> list[Finding]:
    _, reassurance, what = _TOPICS[topic]
    code = _CODES[topic]
    findings: list[Finding] = []
    for row in page.safety_advice or []:
        if row.topic == topic and _SAFE_VERDICT.search(row.verdict) and not _NEGATED.search(row.verdict):
            findings.append(Finding(
                code=code, severity="error", section="safety_advice",
                message=f"Safety Advice: the {what} verdict {quote(row.verdict)!r} contradicts the label, which "
                        f"contraindicates the medicine in {what} ({evidence.citation})"))
    for passage in page_passages(page):
        if passage.kind == "question":
            continue  # "Is it safe during pregnancy?" asks; the answer is checked
        for sentence in split_sentences(passage.text):
            match = reassurance.search(sentence)
            # A negation near the reassurance ("is not safe in pregnancy") turns it around.
            if match and not _NEGATED.search(sentence[max(0, match.start() - 40): match.end() + 15]):
                findings.append(Finding(
                    code=code, severity="error", section=passage.section,
                    message=f"{passage.where}: {quote(sentence, 90)!r} contradicts the label, which "
                            f"contraindicates the medicine in {what} ({evidence.citation})"))
                break
    return findings


# Words of a boxed warning that say nothing on their own.
_BOXED_STOP = frozenset(stems(
    "warning warnings boxed box feature do not use if with around is are or and the a an of in to for may can "
    "be been this that these those who which patients patient any all when while has have had other than"))
# Words of a headline that name no risk of their own ("RISK OF SERIOUS ... EVENTS"), and
# headlines addressed to prescribers, not patients (a REMS programme, reporting duties).
_HEADLINE_FILLER = frozenset(stems(
    "risk risks serious severe increased events event effects effect adverse reactions reaction life threatening "
    "including include from use using concomitant factors affecting drugs drug medicines exacerbation potential "
    "potentially special populations population rems evaluation mitigation strategy opioid analgesic elderly "
    "related syndrome cases"))
_PACKAGING = re.compile(r"\btamper|\bsafety\s+seal|\bseal\b", re.IGNORECASE)
_TITLE = re.compile(r"^\s*(?:boxed\s+)?warnings?\s*[:\-–—]\s*(?P<title>\S.*)$", re.IGNORECASE | re.DOTALL)
_CROSS_REFERENCE = re.compile(r"[\[(]\s*see\b[^\])]*[\])]", re.IGNORECASE)
_ATOM_SPLIT = re.compile(r"\s*(?:;|::|,|\band\b|\bor\b|/)\s*", re.IGNORECASE)


def _boxed_warning(page: Page, evidence: LabelEvidence) -> list[Finding]:
    facts = evidence.facts
    names = set(stems(" ".join([*facts.product_names, *facts.generic_names, *facts.ingredients])))
    boxed_text = " ".join(fact.text for fact in facts.boxed_warning)
    # A packaging notice ("TAMPER-EVIDENT FEATURE: do not use if the seal is broken") has no
    # clinical headline: its words are what a page repeats.
    concepts = {} if _PACKAGING.search(boxed_text) else _headline_concepts(_headlines(facts), names)
    if concepts:
        return _concepts_missing(page, evidence, concepts, boxed_text)
    return _words_missing(page, evidence, names, boxed_text)


def _headlines(facts) -> list[str]:
    """The boxed warning's title ("WARNING: LACTIC ACIDOSIS"); else its short subheadings.

    The title is the section heading or a statement of its own; labels whose box has no title
    ("BOXED WARNING") give their subheadings ("Cardiovascular Thrombotic Events", "RENAL RISK")."""
    candidates = [section.heading for top in facts.sections for section in top.walk()
                  if section.key == "boxed_warning"]
    candidates += [fact.heading for fact in facts.boxed_warning] + [fact.text for fact in facts.boxed_warning]
    titles = []
    for text in candidates:
        match = _TITLE.match(" ".join(text.split()))
        if match and len(match.group("title").split()) <= 60:
            titles.append(match.group("title"))
    if titles:
        return list(dict.fromkeys(titles))
    return [text for fact in facts.boxed_warning if _is_subheading(text := _CROSS_REFERENCE.sub(" ", fact.text).strip())]


def _is_subheading(text: str) -> bool:
    """A short heading in title case or capitals: "Gastrointestinal Bleeding, Ulceration, and Perforation"."""
    words_ = text.replace("-", " ").split()
    if not words_ or len(words_) > 15 or "." in text or text.lower().startswith(("see ", "(see")):
        return False
    long_words = [w for w in words_ if len(w) >= 4 and w[0].isalpha()]
    return bool(long_words) and all(w[0].isupper() for w in long_words)


def _headline_concepts(headlines: list[str], names: set[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Concept name -> the plain phrases that cover it (each a tuple of stemmed phrases, all in one sentence).

    A headline is cut at commas, "and", "or" and semicolons; each piece names lexicon concepts
    by their label words (longest first), and a piece that names none is a concept of its own
    in its words, covered by any of them or their lexicon equivalents."""
    concepts: dict[str, tuple[tuple[str, ...], ...]] = {}
    label_words = sorted(((" ".join(stems(word)), concept) for concept, (words_, _) in WARNING_CONCEPTS.items()
                          for word in words_), key=lambda pair: -len(pair[0]))
    for headline in headlines:
        headline = _CROSS_REFERENCE.sub(" ", headline).replace("(", " ").replace(")", " ")
        for atom in _ATOM_SPLIT.split(headline):
            rest = f" {' '.join(stems(atom))} "
            found = False
            for word, concept in label_words:
                if f" {word} " in rest:
                    rest = rest.replace(f" {word} ", " | ")
                    found = True
                    if concept not in concepts:
                        plain_ = WARNING_CONCEPTS[concept][1] + WARNING_CONCEPTS[concept][0]
                        concepts[concept] = tuple(_phrase_parts(p) for p in plain_)
            if found:
                continue
            content = [s for s in rest.replace("|", " ").split()
                       if s not in _BOXED_STOP and s not in _HEADLINE_FILLER and s not in names and len(s) > 2
                       and not s.isdigit()]
            if content:
                phrase = " ".join(content)
                alternatives = {phrase, *content}
                for part in content:
                    alternatives |= equivalent_phrases(part)
                alternatives |= equivalent_phrases(phrase)
                concepts[phrase] = tuple((" ".join(stems(a)),) for a in sorted(alternatives) if stems(a))
    return concepts


def _phrase_parts(phrase: str) -> tuple[str, ...]:
    return tuple(" ".join(stems(part)) for part in phrase.split("+"))


def _concepts_missing(page: Page, evidence: LabelEvidence, concepts: dict[str, tuple[tuple[str, ...], ...]],
                      boxed_text: str) -> list[Finding]:
    """One finding naming the headline concepts no sentence of the page covers."""
    page_sentences = [f" {' '.join(stems(sentence))} " for passage in page_passages(page)
                      for sentence in split_sentences(passage.text)]
    missing = [concept for concept, alternatives in concepts.items()
               if not any(all(f" {part} " in sentence for part in parts)
                          for parts in alternatives for sentence in page_sentences)]
    if not missing:
        return []
    # A page silent on half the box or more is wrong as it stands; one that misses a lesser part
    # of a long box (one of seven opioid headlines) goes to a reviewer.
    severity = "error" if 2 * len(missing) >= len(concepts) else "warning"
    listed = ", ".join(repr(concept) for concept in missing)
    return [Finding(
        code="contradiction.boxed_warning_missing", severity=severity, section=None,
        message=f"the label's boxed warning {quote(boxed_text, 100)!r} is not fully on the page: nothing says "
                f"{listed} ({len(missing)} of {len(concepts)} headline concepts missing) ({evidence.citation})")]


def _words_missing(page: Page, evidence: LabelEvidence, names: set[str], boxed_text: str) -> list[Finding]:
    """A box without a title or subheadings: at least a quarter of its key words must be on the page."""
    key = [s for s in dict.fromkeys(stems(boxed_text)) if s not in _BOXED_STOP and s not in names and len(s) > 2
           and not s.isdigit()]
    if not key:
        return []
    page_stems = set()
    for passage in page_passages(page):
        page_stems |= set(stems(passage.text))
    covered = [s for s in key if s in page_stems]
    if len(covered) / len(key) >= 0.25:
        return []
    packaging = bool(_PACKAGING.search(boxed_text))
    return [Finding(
        code="contradiction.boxed_warning_missing", severity="warning" if packaging else "error", section=None,
        message=f"the label's boxed warning {quote(boxed_text, 100)!r} is not mentioned on the page"
                + (" (a packaging notice: warning, not error)" if packaging else "") + f" ({evidence.citation})")]
