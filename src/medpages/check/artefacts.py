"""AI artefacts: text a model left that no pharmacy page should carry.

First person outside quotes, "As an AI" and "language model", refusals, placeholders,
unfinished sentences, repeated sentences and repetition loops, stray Markdown or JSON, and
control characters. FAQ questions are in the patient's voice ("Can I drink alcohol?"), so
first person is allowed there.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from medpages.check.page_text import Passage, page_passages, plain, quote, split_sentences, words
from medpages.model import Finding, Page

_AI_SELF = re.compile(
    r"\bas an? (?:ai|artificial intelligence)\b|\b(?:large |ai )?language model\b|\bas an? (?:chatbot|"
    r"virtual assistant|ai assistant|assistant)\b|\bi(?:'m| am) (?:just |only )?an? (?:ai|bot|chatbot|"
    r"assistant)\b|\bmy (?:training data|knowledge cut-?off)\b|\bknowledge cut-?off\b|\bi am not a "
    r"(?:doctor|medical professional|pharmacist)\b|\bi'm not a (?:doctor|medical professional|pharmacist)\b"
    # A chat assistant's framing left in the text: "Sure! Here is the information you asked for", "I hope this helps".
    r"|^(?:sure|certainly|absolutely)!|\bhere (?:is|are) (?:the |some )?(?:information|details|overview|summary)\b"
    r".{0,30}?\b(?:you|requested|asked)\b|\bi hope (?:this|that) helps\b|\blet me know if\b"
    r"|\bfeel free to (?:ask|reach out)\b",
    re.IGNORECASE)
_REFUSAL = re.compile(
    r"\b(?:i|we)\s+(?:cannot|can't|can ?not|am unable to|are unable to|won't|will not|am not able to|"
    r"are not able to|must decline to)\s+(?:provide|give|offer|answer|help|assist|recommend|share)"
    r"|\b(?:cannot|can't|unable to|not able to)\s+(?:provide|give|offer)\s+(?:you\s+)?(?:with\s+)?"
    r"(?:medical|specific|personali[sz]ed|professional)\s+(?:medical\s+)?(?:advice|recommendations|guidance)"
    r"|\bi(?:'m| am) sorry,? but\b|\bi apologi[sz]e\b|\bi'm sorry\b|\bsorry, i\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"\[(?:insert|add|placeholder|medicine name|drug name|todo|tbd|name of)[^\]]*\]|\bTODO\b|\bTBD\b|"
    r"lorem ipsum|\{\{[^}]*\}\}|<(?:medicine|drug|product)[ _-]?name>|\bXX+\b", re.IGNORECASE)
# First person; "I" only as a capital on its own (not "Type I", "Phase I").
_FIRST_PERSON = re.compile(
    r"(?<![\w'’-])(?:I(?:'m|'ve|'d|'ll|’m|’ve|’d|’ll)?|[Mm]e|[Mm]y|[Mm]ine|[Mm]yself|[Ww]e(?:'re|'ve|'d|'ll|’re|’ve)?"
    r"|[Oo]ur|[Oo]urs|[Oo]urselves|us|Us)(?![\w'’-])")
_ROMAN_I = re.compile(r"\b(?:type|phase|class|grade|stage|category|schedule|part|group|factor)\s+$", re.IGNORECASE)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|‘[^’]*’|(?<!\w)'[^']*'(?!\w)")
_CODE_FENCE = re.compile(r"```|~~~")
_JSON = re.compile(r"\{\s*\"|\"\s*:\s*[\[{\"]|\[\s*\{|\}\s*,\s*\{|^\s*[\[{]\s*$", re.MULTILINE)
_HEADING_MARK = re.compile(r"(?:^|\s)#{2,6}(?:\s|$)|^#\s", re.MULTILINE)
_HTML_TAG = re.compile(r"</?(?:br|div|p|span|b|i|strong|em|ul|li|ol|h[1-6]|table|tr|td)\b[^>]*>", re.IGNORECASE)
_LITERAL_NEWLINE = re.compile(r"\\n|\\t")
_ELLIPSIS = re.compile(r"(?:\.\.\.|…)\s*$")
_DANGLING = frozenset(
    "the a an and or but nor to of with in on at for by from that which who whose because such as including "
    "like is are was were be been being your their its this these those may can will should would could "
    "than then if when while into about between among e.g i.e".split())
_TERMINAL = tuple(".!?:)\"'”’*]")
# Passages that are prose (end in a full stop); names, labels and questions are not.
_PROSE_KINDS = frozenset({"lead", "closing", "explanation", "answer", "item", "advice", "text"})


def check_artefacts(page: Page) -> list[Finding]:
    passages = page_passages(page)
    findings: list[Finding] = []
    for passage in passages:
        findings += _passage_artefacts(passage)
    findings += _repetition(passages)
    return findings


def _finding(code: str, severity: str, passage: Passage, message: str) -> Finding:
    return Finding(code=code, severity=severity, section=passage.section, message=f"{passage.where}: {message}")


def _passage_artefacts(passage: Passage) -> list[Finding]:
    text = passage.text
    findings: list[Finding] = []
    controls = sorted({f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t"})
    if controls:
        findings.append(_finding("artefact.control_character", "warning", passage,
                                 f"contains control characters ({', '.join(controls[:5])})"))
    flagged_sentences: set[str] = set()
    for sentence in split_sentences(text) or [text]:
        for code, pattern, what in (("artefact.ai_self_reference", _AI_SELF,
                                     "the writer refers to itself as an AI or talks as a chat assistant"),
                                    ("artefact.refusal", _REFUSAL, "a refusal or apology left by the model"),
                                    ("artefact.placeholder", _PLACEHOLDER, "a placeholder was never filled in")):
            match = pattern.search(sentence)
            if match:
                findings.append(_finding(code, "error", passage, f"{what}: {quote(match.group(0))!r} "
                                                                 f"in {quote(sentence, 80)!r}"))
                flagged_sentences.add(sentence)
        if passage.kind != "question" and sentence not in flagged_sentences:
            word = _first_person(sentence)
            if word:
                findings.append(_finding("artefact.first_person", "warning", passage,
                                         f"first person {word!r} in {quote(sentence, 80)!r}; "
                                         "a page speaks to the patient, not as a person"))
                flagged_sentences.add(sentence)
    markup = _markup(passage)
    findings += markup
    if not any(f.severity == "error" for f in markup):  # JSON or code ends oddly: one finding is enough
        findings += _unfinished(passage)
    return findings


def _first_person(sentence: str) -> str | None:
    unquoted = _QUOTED.sub(" ", sentence)
    for match in _FIRST_PERSON.finditer(unquoted):
        word = match.group(0)
        if word in ("I",) and _ROMAN_I.search(unquoted[: match.start()]):
            continue
        if word in ("Us", "us") and unquoted[match.start() - 2: match.start()] == "U.":
            continue
        return word
    return None


def _markup(passage: Passage) -> list[Finding]:
    text = passage.text
    found: list[Finding] = []
    if _CODE_FENCE.search(text):
        found.append(_finding("artefact.stray_markup", "error", passage, "a code fence (```) left in the text"))
    json_match = _JSON.search(text)
    if json_match:
        found.append(_finding("artefact.stray_markup", "error", passage,
                              f"JSON left in the text near {quote(text[json_match.start():], 40)!r}"))
    if _HEADING_MARK.search(text):
        found.append(_finding("artefact.stray_markup", "warning", passage, "a Markdown heading mark (##) inside the text"))
    if text.count("**") % 2:
        found.append(_finding("artefact.stray_markup", "warning", passage, "bold markers (**) that are not closed"))
    tag = _HTML_TAG.search(text)
    if tag:
        found.append(_finding("artefact.stray_markup", "warning", passage, f"an HTML tag {quote(tag.group(0))!r}"))
    if _LITERAL_NEWLINE.search(text):
        found.append(_finding("artefact.stray_markup", "warning", passage, "an escaped line break (\\n) in the text"))
    return found[:1] if found and found[0].severity == "error" else found


def _unfinished(passage: Passage) -> list[Finding]:
    if passage.kind not in _PROSE_KINDS and passage.kind not in ("question", "item_label"):
        return []
    text = plain(passage.text).rstrip()
    if not text:
        return []
    tail = quote(text[-50:], 50)
    if _ELLIPSIS.search(text):
        return [_finding("artefact.unfinished_sentence", "error", passage, f"the text trails off: {tail!r}")]
    last_words = words(text[-40:])
    if passage.kind == "item_label":
        return []
    last = last_words[-1].lower() if last_words else ""
    if text[-1] in ",;(-–—/&" or (text[-1].isalnum() and last in _DANGLING):
        return [_finding("artefact.unfinished_sentence", "error", passage, f"the sentence is cut off: {tail!r}")]
    if passage.kind in _PROSE_KINDS and text[-1] not in _TERMINAL and len(words(text)) >= 6:
        return [_finding("artefact.unfinished_sentence", "warning", passage,
                         f"the text ends without a full stop, perhaps cut off: {tail!r}")]
    return []


_LOOP = re.compile(r"\b((?:\w+\W+){2,8}?)\1{2,}", re.IGNORECASE)
_STUTTER = re.compile(r"\b(\w{2,})(?:\s+\1\b){2,}", re.IGNORECASE)


def _repetition(passages: list[Passage]) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[str, list[Passage]] = defaultdict(list)
    looped: set[tuple[str, int | None, str]] = set()
    for passage in passages:
        text = plain(passage.text)
        loop = _LOOP.search(text + " ") or _STUTTER.search(text)
        if loop:
            looped.add((passage.section, passage.item, passage.kind))
            findings.append(_finding("artefact.repetition_loop", "error", passage,
                                     f"the same words repeat in a loop: {quote(loop.group(0), 70)!r}"))
            continue
        for sentence in split_sentences(passage.text):
            key = " ".join(words(sentence.lower()))
            if len(key.split()) >= 5:
                seen[key].append(passage)
    for key, where in seen.items():
        if len(where) < 2:
            continue
        first = where[0]
        places = ", ".join(dict.fromkeys(p.where for p in where))
        if len(where) >= 3:
            findings.append(_finding("artefact.repetition_loop", "error", first,
                                     f"the sentence {quote(key, 70)!r} appears {len(where)} times ({places})"))
        else:
            findings.append(_finding("artefact.repeated_sentence", "warning", first,
                                     f"the sentence {quote(key, 70)!r} appears twice ({places})"))
    return findings
