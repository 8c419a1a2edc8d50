"""The memoised name reader gives exactly what reading the whole name in one go gave.

`read_name` reads each strength text once and the words between strengths once per distinct
piece, with atomic number groups in the strength pattern. The reference below is the reader
as first written (one pass over the whole name, backtracking numbers); on any name, built
from the words, numbers, units, forms and separators catalogues use, both must agree.

One change was made to the reference on purpose: `PhEur` written as one word was a qualifier
only when another qualifier word was in the name; now it always is (names._QUALIFIER_WORDS).
And a pack size at the end of a name (`Pack 120`, `x 100`, `24s`) is taken off before reading,
in both (names.without_pack_size). Release and form words (`gastro-resistant`, `SR`) make the
form, and homeopathic potencies (`30C`) and a UK compound's unitless amounts (`Co-codamol
30/500`) are strengths, in both.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from medpages.catalog import names
from medpages.catalog.names import parse_name, read_name

_REFERENCE_STRENGTH = re.compile(
    rf"(?<![\w.,])(?P<amount>{names._AMOUNT})"
    rf"(?:\s*/\s*(?P<second>{names._AMOUNT}))?"
    rf"\s*(?P<unit>{names._alternation(names._UNIT_SPELLINGS)})"
    r"(?P<wv>\s*[wv]/[wv])?"
    rf"(?:\s*(?:/|\bper\b)\s*(?P<per_amount>{names._AMOUNT})?\s*"
    rf"(?P<per_unit>{names._alternation(names._PER_UNIT_SPELLINGS)}))?"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
_FORM_WORDS = max(len(written.split()) for written in names._FORMS)


def _reference_phrase_size(text, words, lowered, index):
    for size in range(min(_FORM_WORDS, len(words) - index), 0, -1):
        phrase = words[index:index + size]
        before = text[phrase[0].start() - 1] if phrase[0].start() else " "
        after = text[phrase[-1].end()] if phrase[-1].end() < len(text) else " "
        if before == "-" or after == "-":
            continue
        if all(text[a.end():b.start()].isspace() for a, b in zip(phrase, phrase[1:])):
            if " ".join(lowered[index:index + size]) in names._FORMS:
                return size
    return 0


def _reference_take_form(text):
    words = list(names._WORD.finditer(text))
    lowered = [w.group(0).lower() for w in words]
    form = None
    cut = []
    index = 0
    while index < len(words):
        first_words = names._FORM_FIRST_WORDS
        size = _reference_phrase_size(text, words, lowered, index) if lowered[index] in first_words else 0
        if not size:
            index += 1
            continue
        form = form or names._FORMS[" ".join(lowered[index:index + size])]
        start = words[index - 1].start() if index and lowered[index - 1] == "for" else words[index].start()
        cut.append((start, words[index + size - 1].end()))
        index += size
    for start, end in reversed(cut):
        text = f"{text[:start]} {text[end:]}"
    return text, form


def reference_parse(title):
    title = names.without_pack_size(title)  # on purpose, as read_name does: a pack size is no ingredient
    strengths = []
    rest = title
    pieces = []
    end = 0
    matches = list(_REFERENCE_STRENGTH.finditer(title))
    others = list(names._POTENCY.finditer(title))
    if names._COMPOUND_NAME.match(title):
        others += names._UNITLESS_RATIO.finditer(title)
    matches += [o for o in others if not any(m.start() < o.end() and o.start() < m.end() for m in matches)]
    for match in sorted(matches, key=lambda m: m.start()):
        strengths.extend(names._strengths_from(match))
        pieces += (title[end:match.start()], " + ")
        end = match.end()
    if pieces:
        rest = "".join(pieces) + title[end:]
    descriptors = [m["d"] for m in names._DESCRIPTOR.finditer(rest)]
    descriptors = ["-".join(d.lower().split()).replace("--", "-") for d in descriptors]
    rest = names._DESCRIPTOR.sub(" ", rest)
    form = None
    if not names._FORM_FIRST_WORDS.isdisjoint(names._WORD.findall(rest.lower())):
        rest, form = _reference_take_form(rest)
    qualifiers = []
    if not names._QUALIFIER_WORDS.isdisjoint(names._WORD.findall(rest)):
        qualifiers = [match["q"] for match in names._QUALIFIER.finditer(rest)]
        rest = names._QUALIFIER.sub(" ", rest)
    ingredients = [names._tidy_ingredient(part) for part in names._INGREDIENT_SEPARATOR.split(rest)]
    marks = [names._RELEASE_MARKS[q] for q in qualifiers if q in names._RELEASE_MARKS]
    form = names._full_form(form, tuple(dict.fromkeys(descriptors + marks)))
    return [name for name in ingredients if name], strengths, form, qualifiers


WORDS = [
    "Paracetamol", "Clavulanic Acid", "amoxicillin", "Vitamin B", "Co-Tab", "Water", "Pack", "for", "For",
    "Tablets", "tab", "Eye", "Drops", "Oral", "Suspension", "Powder", "Injection", "nebuliser", "solution",
    "SR", "EC", "gastro-resistant", "film coated", "chewable", "soluble", "30C", "6x", "Co-codamol", "IP", "Ph.", "Eur.", "PhEur", "Ph Eur", "BP", "xl", "ODT", "per", "w/w", "x", "Ärzte", "İlaç", "باراسيتامول",
]
NUMBERS = ["500", "0.5", ".5", "1,000", "2,5", "1,000,5", "12", "800/160", "1.5.5", "0"]
UNITS = ["mg", "MG", "g", "gm", "mcg", "µg", "IU", "i.u.", "units", "u", "%", "ml", "l", "mmol", "mgx", ""]
PER = ["", "/5ml", "/ 5 ml", "/ml", "/dose", " per tablet", "/125mg", "/h", "/x"]
GLUE = [" ", "  ", "", "-", "+", " + ", ", ", ",", "/", " / ", "&", "(", ")", ".", "\t"]

pieces = st.one_of(
    st.sampled_from(WORDS),
    st.builds(lambda n, u, p: f"{n}{u}{p}", st.sampled_from(NUMBERS), st.sampled_from(UNITS), st.sampled_from(PER)),
    st.builds(lambda n, u: f"{n} {u}", st.sampled_from(NUMBERS), st.sampled_from(UNITS)),
)
names_like_catalogues = st.lists(st.tuples(pieces, st.sampled_from(GLUE)), max_size=10).map(
    lambda parts: "".join(piece + glue for piece, glue in parts)
)


@settings(max_examples=3000, deadline=None)
@given(names_like_catalogues | st.text(max_size=80))
@example("Water for 10mg Injection Foo")
@example("Powder for 5mg Oral Suspension")
@example("Isoniazid + Azithromycin 100 units/ml Tablets IP Pack 0")
@example("A/Tablets/B 5mg")
@example("Paracetamol 1,000,5mg")
def test_reading_a_name_in_pieces_gives_what_reading_it_whole_gave(title: str) -> None:
    ingredients, strengths, form, qualifiers = reference_parse(title)
    reading = read_name(title)
    assert list(reading.ingredients) == ingredients
    assert list(reading.strengths) == strengths
    assert reading.form == form
    assert list(reading.qualifiers) == qualifiers
    parsed = parse_name(title)
    assert (parsed.ingredients, parsed.strengths, parsed.form, parsed.qualifiers) == (
        ingredients, strengths, form, qualifiers
    )
