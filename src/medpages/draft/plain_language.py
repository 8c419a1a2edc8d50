"""A label's sentence in a patient's words: plain vocabulary, the reader's voice, shorter sentences.

`plain_words(text)` swaps label wording for plain words from `plain_phrases.json` (whole words,
longest phrase first, each safe in every context). `reader_voice(sentence, name)` turns a
sentence addressed to the prescriber into what the reader needs, or drops it (None) when it
only tells the doctor how to practise. `split_long(text)` cuts a long sentence where both
halves are whole clauses. None of them adds a fact: they reword what the label says.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def plain_phrases() -> dict[str, str]:
    """Label phrase -> plain words, as `plain_phrases.json` lists them."""
    data = json.loads(resources.files("medpages.draft").joinpath("plain_phrases.json").read_text(encoding="utf-8"))
    return dict(data["phrases"])


@lru_cache(maxsize=1)
def _phrase_pattern() -> re.Pattern[str]:
    # Acronyms (`GI`, `CABG`) match only in capitals; other phrases in any case. An article before
    # the phrase is caught so it can agree with the plain words (`an elevated` -> `a raised`).
    def alternative(phrase: str) -> str:
        escaped = re.escape(phrase)
        if phrase == phrase.lower():
            return f"(?i:{escaped})"
        # `gastrointestinal (GI)`: its acronym in capitals, its first word also with a capital (a heading's).
        first = phrase[:1]
        return escaped if phrase.isupper() or not first.islower() else f"[{first}{first.upper()}]{escaped[1:]}"
    phrases = sorted(plain_phrases(), key=len, reverse=True)
    return re.compile(r"(?:(?<![\w-])(?P<article>[Aa]n?) )?(?<![\w-])(?P<phrase>"
                      + "|".join(alternative(phrase) for phrase in phrases) + r")(?![\w-])")


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    return {phrase.lower(): plain for phrase, plain in plain_phrases().items()}


# Small words a Title Case heading keeps in lower case.
_TITLE_SMALL_WORDS = frozenset({"and", "or", "of", "the", "in", "with", "to", "for", "a", "an", "on", "at", "by", "from"})


def is_title_case(text: str) -> bool:
    """A heading in Title Case (`Gastrointestinal Bleeding, Ulceration, and Perforation`): two or
    more words, each capitalised but the small ones."""
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    content = [word for word in words if word.lower() not in _TITLE_SMALL_WORDS]
    return len(content) >= 2 and all(word[0].isupper() for word in content)


def _title_case(words: str) -> str:
    return " ".join(word if word in _TITLE_SMALL_WORDS | {"as"} or not word[:1].isalpha() else word[:1].upper() + word[1:]
                    for word in words.split(" "))


# `have been usually limited` -> `have usually been limited`: the adverb before `been`.
_ADVERB_AFTER_BEEN = re.compile(r"\b(has|have|had) been (usually|generally|often|typically|mostly|rarely|always|never)\b")


def plain_words(text: str) -> str:
    """`text` with label wording in plain words; a capital at the start of a replaced phrase is
    kept, a phrase inside a Title Case heading is written in Title Case too, and `a`/`an` before
    it agrees with the new words."""
    title = is_title_case(text)

    def replace(match: re.Match[str]) -> str:
        found = match.group("phrase")
        plain = _lookup()[found.lower()]
        first_word = found.split()[0]
        acronym = len(first_word) > 1 and first_word.isupper()
        if title and not (acronym and plain.isupper()):
            plain = _title_case(plain)
        if (found[:1].isupper() and not acronym) or (acronym and _starts_sentence(text, match.start("phrase"))):
            plain = plain[:1].upper() + plain[1:]
        article = match.group("article")
        if not article:
            return plain
        vowel = plain[:1].lower() in "aeio" or plain.lower().startswith("un")
        agreed = "an" if vowel else "a"
        return f"{agreed[:1].upper() + agreed[1:] if article[:1].isupper() else agreed} {plain}"
    return _ADVERB_AFTER_BEEN.sub(r"\1 \2 been", _phrase_pattern().sub(replace, text))


def _starts_sentence(text: str, index: int) -> bool:
    before = text[:index].rstrip()
    return not before or before[-1] in ".!?"


def capitalise_sentences(text: str) -> str:
    """A capital at the start of each sentence (`... hemostasis. taking celecoxib ...`): a word
    that a cleaning step moved to a sentence's start. Abbreviations (`e.g.`) are not ends."""
    text = text[:1].upper() + text[1:]
    return re.sub(r"(?<![A-Za-z]\.[a-z])(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\bapprox)([.!?]\s+)([a-z])",
                  lambda m: m.group(1) + m.group(2).upper(), text)


# ----------------------------------------------------------------- the reader's voice

_WHO = r"(?P<who>(?:all |the |your )?(?:[\w-]+ ){0,5}?(?:patients?|people|women|men|females|males|mothers|parents|" \
       r"caregivers|them|adults|children)(?: [\w-]+){0,6}?)"
# `Advise patients to seek medical help ...` -> `People should seek medical help ...`.
_TOLD_TO = re.compile(rf"^(?:Advise|Instruct|Counsel|Encourage|Remind|Tell|Inform) {_WHO} to (?P<rest>.+)$")
# `Inform patients that NSAIDs may cause ...` -> `NSAIDs may cause ...`.
_TOLD_THAT = re.compile(rf"^(?:Advise|Instruct|Counsel|Inform|Tell|Remind) {_WHO} that (?P<rest>.+)$")
# `Inform patients of the warning signs of ...`: how the doctor counsels; the reader is told elsewhere.
_COUNSEL = re.compile(r"^(?:Advise|Instruct|Counsel|Inform|Remind|Educate) (?:all |the )?(?:[\w-]+ ){0,3}?"
                      r"(?:patients|people|women|females|males|men|mothers|parents|caregivers)\b")
# `Monitor blood pressure.` -> `Your doctor may check blood pressure.`
_CHECK = re.compile(r"^(?:(?P<how>Closely|Carefully|Periodically|Regularly) )?(?:[Mm]onitor|[Ee]valuate|[Aa]ssess|[Rr]e-?evaluate)"
                    r"(?: (?P<how2>closely|carefully|periodically|regularly))? (?P<rest>.+)$")
# `Avoid use of X in patients with Y` -> `X should be avoided in people with Y`.
_AVOID_IN = re.compile(r"^Avoid (?:the )?(?:use of )?(?P<what>.+?) (?P<rest>(?:in|for) (?:patients|people|women|"
                       r"children|adults|those|pregnant|elderly|neonates|infants)\b.*)$")
_AVOID_USE = re.compile(r"^Avoid (?:the )?(?:concomitant )?use (?P<rest>of .+)$")
# `Use with caution in patients with ...` -> `It should be used with caution in people with ...`.
_CAUTION = re.compile(r"^Use (?P<what>[\w-]+ )?with caution\b(?P<rest>.*)$")
# `Discontinue X if ...` -> `X should be stopped if ...`.
_STOP_WHEN = r"(?:if|in|when|at|immediately|promptly|before|prior to|during)\b"
_STOP = re.compile(rf"^Discontinue (?:the )?(?:use of )?(?:(?P<what>(?!{_STOP_WHEN})[\w-]+(?: (?!{_STOP_WHEN})[\w-]+){{0,3}}) )?"
                   rf"(?P<rest>{_STOP_WHEN}.*)$")
_ITEM_HEAD = re.compile(r"^(?P<head>(?:[^:.]|\.(?!\s+[A-Z])){2,200}?: )(?P<body>[A-Z][a-z].*)$")
_CLAUSE_HEAD = re.compile(r"^(?P<head>(?:In|If|When|For|During|After|Before) [^,]{3,100}, )"
                          r"(?P<body>(?:monitor|evaluate|assess|avoid|discontinue|consider|use|advise|instruct|inform|"
                          r"counsel|closely|carefully)\b.*)$")
_SECOND_INSTRUCTION = re.compile(r"\band (?:avoid|evaluate|monitor|institute|treat|consider|seek|start|switch|initiate|"
                                 r"use|give|administer|contact|call|notify|obtain|perform|refer|report|do not)\b")
# Sentences that only tell a clinician how to practise.
_PRACTICE = re.compile(r"^(?:Consider|Weigh|Reserve|Individualize|Titrate|Dispense|Manage|Treat|Institute|Obtain|"
                       r"Perform|Employ)\b")


def reader_voice(sentence: str, name: str) -> str | None:
    """The sentence as the reader needs it: advice for the prescriber turned into what it means
    for the reader by a fixed rule, or None when it only tells the doctor how to practise. A
    sentence in the reader's voice already is returned as it was."""
    text = sentence.strip()
    # `Digoxin: Monitor serum digoxin levels.`, `In such patients, monitor ...`: the advice after its lead.
    lead = _ITEM_HEAD.match(text) or _CLAUSE_HEAD.match(text)
    if lead:
        body = lead.group("body")
        voiced = reader_voice(_capital(body), name)
        if voiced is None:
            return None
        if voiced == _capital(body):
            return sentence
        if lead.re is _CLAUSE_HEAD and not voiced.startswith("Your"):
            voiced = voiced[:1].lower() + voiced[1:]
        elif lead.re is _CLAUSE_HEAD:
            voiced = "your" + voiced[4:]
        return lead.group("head") + voiced
    if _PRACTICE.match(text):
        return None
    told = _TOLD_TO.match(text)
    if told:
        return f"{_subject(told.group('who'))} should {told.group('rest')}"
    told = _TOLD_THAT.match(text)
    if told:
        rest = told.group("rest")
        return rest[:1].upper() + rest[1:]
    if _COUNSEL.match(text):
        return None
    check = _CHECK.match(text)
    if check:
        how = (check.group("how") or check.group("how2") or "").lower()
        return f"Your doctor may {how + ' ' if how else ''}check {check.group('rest')}"
    avoid = _AVOID_USE.match(text)
    if avoid:
        # `Avoid use with X` names what not to combine only in its heading: the reader's imperative as it is.
        return _avoided(avoid.group("rest")[3:])
    avoid = _AVOID_IN.match(text)
    if avoid:
        return f"{_capital(avoid.group('what'))} should be avoided {avoid.group('rest')}"
    caution = _CAUTION.match(text)
    if caution:
        what = (caution.group("what") or "").strip() or name
        return f"{_capital(what)} should be used with caution{caution.group('rest')}"
    stop = _STOP.match(text)
    if stop and not _SECOND_INSTRUCTION.search(stop.group("rest")):
        # (`Discontinue X immediately and avoid ...`: a second instruction; the imperative stays.)
        what = (stop.group("what") or "").strip() or name
        return f"{_capital(what)} should be stopped {stop.group('rest')}"
    return sentence


def _avoided(rest: str) -> str:
    """`X with Y in patients ...` -> `Taking X with Y should be avoided in patients ...`."""
    match = re.match(r"^(?P<what>.+?) (?P<when>\b(?:in|if|when|unless|during)\b.*)$", rest)
    if not match:
        return f"Taking {rest.rstrip('.')} should be avoided."
    return f"Taking {match.group('what')} should be avoided {match.group('when')}"


def _subject(who: str) -> str:
    who = re.sub(r"^(?:all |the |your )", "", who)
    who = "people" if who == "them" else who
    return _capital(who)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# ----------------------------------------------------------------- shorter sentences

# A finite verb: the sign that the words after `, and` are a clause of their own, not a list's last item.
_FINITE = r"(?:may|might|can|could|should|must|will|would|is|are|was|were|has|have|had|does|do|did)"
_AND_CLAUSE = re.compile(rf",\s+(?:and|but)\s+(?=(?:the |this |these |a |an |it |they |you |[A-Za-z][\w-]* )"
                         rf"(?:[\w-]+ ){{0,3}}?{_FINITE}\b)")
_LONG = 20  # words: a sentence longer than this is cut where it safely can be


# `..., including heart attack and stroke, which can be fatal.`: the danger as a sentence of its own.
_WHICH_FATAL = re.compile(r",? which (?:can|may) be fatal\.$")


_WHICH = re.compile(r", which (?P<verb>has|have|is|are|was|were|can|may|could|might)\b(?P<rest>[^,;:()]+[.!?])$")


def _which_as_sentence(sentence: str) -> str:
    """`... nausea, vomiting, and pain, which have been usually reversible with care.` -> `... and pain.
    These have been ...`: a closing `which` clause of a long sentence as a sentence of its own; `These`
    or `This` as the verb (or, after a modal, the word before) says, so the reference stays as wide."""
    match = _WHICH.search(sentence)
    before = sentence[:match.start()] if match else ""
    if not match or len(sentence.split()) <= 20 or len(before.split()) < 8:
        return sentence
    verb = match.group("verb")
    plural = verb in ("have", "are", "were") or (verb not in ("has", "is", "was") and
                                                 (before.endswith("s") or bool(_ENDS_WITH_LIST.search(before))))
    subject = _SUBJECT.match(before)
    if plural and subject and (verb not in ("has", "is", "was")):
        # `Symptoms after ... are limited to A, B, and C, which are ...`: the subject, named again,
        # says what `These` means (a list before `which` leaves it open).
        return f"{before}. These {subject.group('noun').lower()} {verb}{match.group('rest')}"
    return f"{before}. {'These' if plural else 'This'} {verb}{match.group('rest')}"


# A list closing the words before `which` (`... addiction, abuse, and misuse`): `which` means all of it.
_ENDS_WITH_LIST = re.compile(r",(?: [\w-]+){1,4},? (?:and|or) [\w-]+(?: [\w-]+){0,3}$")
# A sentence whose subject is one plural noun before its verb (`Symptoms after acute overdose are ...`).
_SUBJECT = re.compile(r"^(?P<noun>[A-Z][a-z]{3,}s) (?:after|of|from|in|with|following)\b[^,]*? (?:are|were|have)\b")


def split_long(text: str) -> str:
    """A sentence of more than `_LONG` words cut at `, and`/`, but` before a clause with its own verb,
    when the part before is a clause too and not a list (`A, B, and C have occurred` stays); a long
    sentence's closing `, which can be fatal.` becomes `These can be fatal.`."""
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text):
        if len(sentence.split()) > 15 and _WHICH_FATAL.search(sentence):
            sentence = _WHICH_FATAL.sub(". These can be fatal.", sentence)
        sentence = _which_as_sentence(sentence)
        if len(sentence.split()) <= _LONG:
            out.append(sentence)
            continue
        match = _AND_CLAUSE.search(sentence)
        before = sentence[:match.start()] if match else ""
        if not match or "," in before or not re.search(rf"\b{_FINITE}\b|\b\w+s\b", before) \
                or len(before.split()) < 6 or len(sentence[match.end():].split()) < 6:
            out.append(sentence)
            continue
        after = sentence[match.end():]
        out.append(f"{before}. {after[:1].upper()}{after[1:]}")
    return " ".join(out)
