"""Listed names made into titles by the original script's rules, and the checks a title must pass.

`Amoxicillin, Clavulanic Acid 625mg` -> `Amoxicillin + Clavulanic Acid 625mg` (PRODUCT.md §2).
"""

from __future__ import annotations

import re
import unicodedata

from medpages.catalog.names import reading_without_a_name

MAX_TITLE_LENGTH = 300

_REMOVED = str.maketrans("", "", "()\"'")
# A comma between ingredients becomes ` +`, exactly as the original script wrote it. A comma
# between two digits is part of a number (`1,000mg`, `2,5mg`) and is kept: the original
# turned `1,000mg` into `1 +000mg`, which is a bug no site should keep.
_INGREDIENT_COMMA = re.compile(r"(?<!\d),|,(?!\d)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Explicit embedding, override and isolate marks can make a name display as something else
# ("Trojan source"). Right-to-left text itself, and the plain RLM/LRM marks, are fine.
_DIRECTION_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# Any of the characters above, so a good title (nearly all of them) is checked in one pass.
_SUSPECT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def title_from_listed_name(raw: str) -> str:
    """The original conventions: trim; drop `(` `)` `"` `'`; a comma between names becomes ` +`."""
    text = raw.strip()
    if "(" in text or ")" in text or '"' in text or "'" in text:
        text = text.translate(_REMOVED)
    if "," in text:
        text = _INGREDIENT_COMMA.sub(" +", text)
    return text.strip()


def title_problem(title: str, max_length: int = MAX_TITLE_LENGTH) -> str | None:
    """Why a title cannot be a medicine's, in words a publisher understands; None if it can."""
    if not title:
        return "empty after removing ( ) \" ' characters"
    if len(title) > max_length:
        return f"name is {len(title):,} characters long; the limit is {max_length}"
    if _SUSPECT.search(title):
        problem = _character_problem(title)
        if problem:
            return problem
    if not _LETTER_OR_DIGIT.match(title):
        if not _LETTER_OR_DIGIT.search(title):
            return "no letters or digits, only punctuation or symbols"
        return f"starts with {title[0]!r}; a medicine name starts with a letter or digit"
    return nameless_problem(title)


def nameless_problem(title: str) -> str | None:
    """Why a title names no medicine, only what kind of product it would be (`Oral Tablet`,
    `500mg tablets`, `Children's`); None if it names one. Such a line is a column header or the
    end of a name wrapped onto its own line, and imported it would be a page about nothing."""
    reading = reading_without_a_name(title)
    if reading is None:
        return None
    said = []
    if reading.strengths:
        said.append("a strength" if len(reading.strengths) == 1 else "strengths")
    if reading.form:
        said.append(f"a dosage form ({reading.form})")
    elif reading.route:
        said.append(f"a route ({reading.route})")
    if reading.audience:
        said.append(f"who it is for ({reading.audience})")
    if reading.qualifiers and not said:
        said.append(f"a mark ({', '.join(reading.qualifiers)})")
    if not said:
        return "no medicine name"
    return f"no medicine name, only {' and '.join(said)}"


# A line that tells someone what to do is not a medicine's name: a dosing instruction pasted
# from a label or a prescription (`Take two tablets twice daily`, `Keep out of reach of children`).
_INSTRUCTION_VERBS = frozenset(
    """take use apply keep store do don't dont give swallow shake ask consult see read avoid call
    contact dissolve chew insert inhale place rub discard remove wash stop continue repeat follow
    please seek tell""".split()
)
_INSTRUCTION_PHRASE = re.compile(
    r"\b(?:(?:once|twice|three times|four times|\d+\s+times)\s+(?:a\s+|per\s+|every\s+)?(?:day|daily|week|weekly)"
    r"|every\s+\d+(?:\s*(?:-|to)\s*\d+)?\s*(?:hours?|hrs?)|as\s+directed|reach\s+of\s+children"
    r"|(?:before|after|with)\s+(?:food|meals?)|by\s+mouth|at\s+bedtime)\b",
    re.IGNORECASE,
)
_SENTENCE_WORDS = 12


def instruction_problem(title: str) -> str | None:
    """Why a title reads as an instruction or a sentence rather than a medicine's name; None if it does not."""
    words = title.split()
    first = words[0].lower().strip(".,:;!") if words else ""
    if len(words) >= 3 and first in _INSTRUCTION_VERBS:
        return f"reads as an instruction ('{words[0]} …'), not a medicine name"
    phrase = _INSTRUCTION_PHRASE.search(title)
    if phrase:
        return f"reads as an instruction ('{phrase.group(0)}'), not a medicine name"
    if len(words) >= _SENTENCE_WORDS or (len(words) >= 5 and title.rstrip().endswith((".", "!", "?"))):
        return "reads as a sentence, not a medicine name"
    return None


def _character_problem(title: str) -> str | None:
    control = _CONTROL.search(title)
    if control and control.group() == "\t":
        return "contains a tab; a list with columns should be saved as .csv or .tsv"
    if control:
        return f"contains a control character ({_codepoint(control.group())})"
    surrogate = _LONE_SURROGATE.search(title)
    if surrogate:
        return _surrogate_problem(surrogate.group())
    direction = _DIRECTION_CONTROL.search(title)
    if direction:
        return f"contains an invisible text-direction control ({_codepoint(direction.group())})"
    return None


def duplicate_key(title: str) -> str:
    """Titles with the same key are one medicine: case, spacing and Unicode forms ignored.

    Spacing is ignored only where it cannot change what a name says: repeated white space,
    white space around punctuation (`A + B`, `A +B`) and between an amount and its unit
    (`625 mg`, `625mg`). Between two words or two numbers it stays, so `Vitamin B1 25mg` and
    `Vitamin B12 5mg` (or `Iron 1 10mg` and `Iron 110mg`) are never one medicine.
    """
    key = unicodedata.normalize("NFKC", title).casefold()
    key = _SPACE_AROUND_PUNCTUATION.sub(r"\1", key)
    key = _SPACE_BEFORE_UNIT.sub("", key)
    return " ".join(key.split())


_SPACE_AROUND_PUNCTUATION = re.compile(r"\s*([^\w\s])\s*")
_SPACE_BEFORE_UNIT = re.compile(r"(?<=\d)\s+(?=[^\W\d_])")


def _surrogate_problem(char: str) -> str:
    code = ord(char)
    # Bytes that are not UTF-8 arrive as U+DC80..U+DCFF (Python's "surrogateescape").
    if 0xDC80 <= code <= 0xDCFF:
        return f"not valid UTF-8 (byte 0x{code - 0xDC00:02x}); save the file as UTF-8"
    return f"contains an invalid character (U+{code:04X}, half of a surrogate pair)"


def _codepoint(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}".strip()
