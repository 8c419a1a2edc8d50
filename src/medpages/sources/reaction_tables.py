"""Adverse-reaction tables -> each reaction with its frequency in the medicine's arm.

Real tables come in several shapes: one column per dose or per age group beside placebo's and
comparators' columns; rows grouped by body system ("Gastrointestinal", "BODY AS A WHOLE", a
group row with or without its own total); several reactions written in one cell on separate
lines beside a cell of as many rates (carvedilol); frequencies as `12%`, `12`, `(12)`,
`292 (32)`, `31/335 (9.3%)`, `<1`. The rule for the column (docs/sources.md, "Adverse-reaction
tables"):

1. columns headed placebo, vehicle, comparator or control are never the medicine's;
2. the medicine's columns are those that name its brand; else those that name its ingredients;
   else, when the other columns name only doses (`25 mg`, `n=312`), those; else the first column
   that is not placebo's (an abbreviation such as `CBX`, the label's own drug); a column naming
   the medicine with another drug (`GLUMETZA + Glyburide`) is used only when none names it alone;
3. of the medicine's columns, an overall one (`all doses`, `any`, `total`, `pooled`) wins; else
   each row takes the highest rate among them (so a dose-ranging table gives the rate at the
   dose where it was most common).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from medpages.model.facts import ReactionRate
from medpages.model.label import LabelSection, LabelTable

_COMPARATOR = re.compile(r"placebo|vehicle|comparator|control|sham|untreated|active[- ]comparator", re.IGNORECASE)
_OVERALL = re.compile(r"\b(all doses|all|any dose|total|overall|pooled|combined)\b", re.IGNORECASE)
_PERCENT_HINT = re.compile(r"%|percent|incidence|rate\b|frequency", re.IGNORECASE)
_MARKS = "*†‡§¶#ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ¹²³⁴⁵⁶⁷⁸⁹⁰"
_CELL_PERCENT = re.compile(r"^(?=\(.*\)$|[^()]*$)\(?\s*(<|≤|>|≥)?\s*(\d+(?:\.\d+)?)\s*(%?)\s*\)?$")
_CELL_COUNT_PERCENT = re.compile(r"^\d[\d,]*(?:\s*/\s*\d[\d,]*)?\s*\(\s*(<|≤)?\s*(\d+(?:\.\d+)?)\s*%?\s*\)$")
_EMPTY_CELL = re.compile(r"^(?:—|–|-|−|NA|N/A|nr|ND)?$", re.IGNORECASE)
_N = re.compile(r"\bn\s*=\s*([\d,]+)", re.IGNORECASE)
# Words that say a dose or a count, not a drug: left out when asking whether a header names one.
_DOSE_WORDS = re.compile(
    r"\b(?:\d+(?:\.\d+)?|mg|mcg|g|kg|ml|µg|ug|iu|units?|n|%|twice|once|daily|day|bid|tid|qd|dose[sd]?|"
    r"all|any|total|every|hours?|weeks?|times|per|a|or|to|and|of|with|mg/kg|mg/day|percent|patients|"
    r"subjects|number|treatment|group|arm)\b|[/()=,:+%<>≥≤\-–]", re.IGNORECASE)
# A row that names a body system or a total, not a reaction.
_GROUP = re.compile(
    r"^(?:body as a whole|any\b.*|total\b.*|other|others|"
    r"general(?: disorders.*)?|infections(?: and infestations)?|injury,? (?:and )?poisoning.*|investigations.*|"
    r".+ disorders|.*\bsystem(?: disorders)?|gastrointestinal(?: \(gi\))?|cardiovascular|musculoskeletal|"
    r"respiratory|metabolic.*|hemic.*|hematologic(?:al)?|psychiatric|special senses|skin (?:and|&) .+|"
    r"renal.*urinary|urogenital|dermatologic(?:al)?|neurologic(?:al)?|vascular|hepatobiliary|"
    r"(?:local|systemic|general|solicited|ocular|non-ocular|nonocular) (?:adverse )?(?:reactions|events)|"
    r"adverse (?:reactions|events)|ocular events|preferred term)$", re.IGNORECASE)
# Rows of tables that are not reactions: by age, confidence intervals, severity subsets, sizes.
_NOT_A_REACTION = re.compile(
    r"^(?:all patients|patients|95%|confidence|n\b|number|study|trial)|confidence interval"
    r"|\b\d+\s*(?:months?|years?)\b|\bgrade\s*[1-4]|[>≥]\s*\d+\s*mm|\baged\b", re.IGNORECASE)
# `X + Y`, `X plus Y`, `X with Y`, `X in combination with Y`: an arm of the medicine with another drug.
_COMBINATION = re.compile(r"\+|\bplus\b|\bwith\b|\bin combination\b|\badded to\b", re.IGNORECASE)
# Words after `with` that name no drug (`with food`, `with or without MTX` is a drug, so only these).
_NOT_A_DRUG = frozenset({"food", "meals", "meal", "water", "milk", "placebo", "vehicle", "diet", "exercise",
                         "background", "therapy", "dosing", "titration", "tablets", "tablet", "capsules",
                         "capsule", "solution", "suspension", "injection", "years", "aged", "mild", "moderate",
                         "severe", "renal", "hepatic", "impairment", "patients", "subjects", "years"})
# A caption of a table of reactions where the medicine was given, and one that also has others.
_LOCAL_CAPTION = re.compile(r"\b(?:local|injection[- ]site|application[- ]site|infusion[- ]site)\s+"
                            r"(?:adverse\s+)?(?:reactions|events|symptoms)", re.IGNORECASE)
_SYSTEMIC_CAPTION = re.compile(r"\b(?:general|systemic)\b", re.IGNORECASE)
_POSTMARKETING = re.compile(r"post-?marketing|spontaneous", re.IGNORECASE)


@dataclass
class _Column:
    index: int
    header: str


def reaction_rates(sections: Iterable[LabelSection], names: Iterable[str], brands: Iterable[str]
                   ) -> list[ReactionRate]:
    """The reactions with their rate in the medicine's arm, from the tables of Adverse Reactions sections.

    `names` are the medicine's ingredient and generic names, `brands` its product names: the
    columns are told apart by them (see the module docstring). A reaction in several tables keeps
    its rate in the first (the label's main table comes first; later ones are subgroups).
    """
    ingredient_words = _words(names)
    brand_words = _words(brands) - ingredient_words
    found: dict[str, ReactionRate] = {}
    for section in sections:
        for inner in section.walk():
            if _POSTMARKETING.search(inner.heading):
                continue
            for table in inner.tables:
                for rate in _table_rates(table, inner, ingredient_words, brand_words):
                    found.setdefault(rate.term.lower(), rate)
    return list(found.values())


def _words(names: Iterable[str]) -> set[str]:
    words = set()
    for name in names:
        words |= {word for word in re.findall(r"[a-z][a-z-]{3,}", name.lower())
                  if word not in ("sodium", "potassium", "hydrochloride", "tablets", "tablet", "capsules",
                                  "extended", "release", "delayed", "oral", "solution", "suspension", "film",
                                  "coated", "injection", "with", "topical")}
    return words


def _table_rates(table: LabelTable, section: LabelSection, ingredient_words: set[str], brand_words: set[str]
                 ) -> list[ReactionRate]:
    rows = _split_lines(table.rows)
    first_data = next((i for i, row in enumerate(rows) if _values(row)), None)
    if first_data is None:
        return []
    value_columns = sorted({index for row in rows[first_data:] for index, _ in _values(row)})
    # Group rows just above the first rates (`Nervous system disorders`) are data, not header.
    while first_data > 0 and sum(1 for cell in rows[first_data - 1] if cell.strip()) == 1 \
            and rows[first_data - 1][0].strip():
        first_data -= 1
    header_rows = rows[:first_data]
    width = max(len(row) for row in rows)
    headers = [_header(header_rows, index) for index in range(width)]
    hint = table.caption + " " + " ".join(headers)
    as_percent = bool(_PERCENT_HINT.search(hint))
    columns = _medicine_columns([_Column(index, headers[index]) for index in value_columns],
                                ingredient_words, brand_words)
    if not columns:
        return []
    rates: list[ReactionRate] = []
    group = _opening_group(header_rows, table.caption or section.heading)
    for row in rows[first_data:]:
        term = _term(row, value_columns[0])
        values = dict(_values(row))
        if not term:
            continue
        if not values or _GROUP.match(term) or (term.isupper() and len(term) > 4 and _has_lower_terms(rows)):
            group = term
            continue
        if _NOT_A_REACTION.search(term) or len(term) > 80:
            continue
        best: tuple[float, str, _Column] | None = None
        for column in columns:
            parsed = values.get(column.index)
            if parsed is None:
                continue
            percent, written = _percent(parsed, column.header, as_percent)
            if percent is not None and (best is None or percent > best[0]):
                best = (percent, written, column)
        if best is None or best[0] <= 0:
            continue
        rates.append(ReactionRate(
            section="adverse_reactions", heading=section.heading, text=" | ".join(" ".join(c.split()) for c in row),
            lead=table.caption, term=term, percent=best[0], frequency=best[1], column=best[2].header, group=group,
            taken_with=_other_drug(best[2].header, brand_words | ingredient_words),
        ))
    return rates


def _opening_group(header_rows: list[list[str]], caption: str) -> str:
    """The group of the first rows: the last header row's first cell when it names one (`Local
    Adverse Reactions` above `Pain`, its cells the columns' `n =`), else the caption's when the
    table is only of local or injection-site reactions."""
    if len(header_rows) > 1:
        first = " ".join(header_rows[-1][0].split()).rstrip(_MARKS).strip(" :") if header_rows[-1] else ""
        if first and _GROUP.match(first) and all(first != " ".join(row[0].split()) for row in header_rows[:-1] if row):
            return first
    local = _LOCAL_CAPTION.search(caption)
    if local and not _SYSTEMIC_CAPTION.search(caption):
        return " ".join(local.group(0).split())
    return ""


def _split_lines(rows: list[list[str]]) -> list[list[str]]:
    """A row whose cells each list several reactions and rates on separate lines -> one row per line."""
    split: list[list[str]] = []
    for row in rows:
        lines = [cell.split("\n") for cell in row]
        if len(row) > 1 and len(lines[0]) > 1 and any(len(cell) > 1 for cell in lines[1:]) \
                and any(_cell_value(line) for cell in lines[1:] for line in cell):
            for number in range(max(len(cell) for cell in lines)):
                split.append([cell[number] if number < len(cell) else "" for cell in lines])
        else:
            split.append([" ".join(cell.split()) for cell in row])
    return split


def _header(rows: list[list[str]], index: int) -> str:
    parts: list[str] = []
    for row in rows:
        if len(set(row)) == 1:
            continue  # a title across the whole table ("… Placebo Controlled Clinical Trials …")
        if index < len(row) and row[index] and (not parts or parts[-1] != row[index]):
            parts.append(row[index])
    return " ".join(" ".join(parts).split())


def _cell_value(cell: str) -> str | None:
    """The cell as a rate (`12%`, `12`, `<1`, `292 (32)`, `31/335 (9.3%)`), footnote marks left out; else None."""
    cell = cell.strip().rstrip(_MARKS).strip()
    if _CELL_PERCENT.match(cell) or _CELL_COUNT_PERCENT.match(cell):
        return cell
    return None


def is_rate(cell: str) -> bool:
    """Whether a table cell (or any line of it) holds a rate such as `12%`, `12`, `(12)`, `<1`."""
    return any(_cell_value(line) for line in cell.split("\n"))


def _values(row: list[str]) -> list[tuple[int, str]]:
    """The (column, cell) pairs of a row that hold rates; the first column is the reaction's."""
    found = [(index, value) for index, cell in enumerate(row) if index > 0 and (value := _cell_value(cell))]
    if not found:
        return []
    # Dashes beside rates are rates of zero.
    return found + [(index, "0") for index, cell in enumerate(row)
                    if index > found[0][0] and _EMPTY_CELL.match(cell.strip()) and cell.strip()]


def _term(row: list[str], first_value: int) -> str:
    """The reaction: the last named cell before the rates (tables may indent it by an empty column)."""
    for cell in reversed(row[:max(first_value, 1)]):
        text = cell.strip().rstrip(_MARKS).strip(" :")
        if text and not _cell_value(text):
            return " ".join(text.split())
    return ""


def _has_lower_terms(rows: list[list[str]]) -> bool:
    return any(row and any(character.islower() for character in row[0]) for row in rows)


def _medicine_columns(columns: list[_Column], ingredient_words: set[str], brand_words: set[str]) -> list[_Column]:
    candidates = [column for column in columns if not _COMPARATOR.search(column.header)]
    if not candidates:
        return []

    def names(column: _Column, words: set[str]) -> bool:
        header = column.header.lower()
        return any(re.search(rf"\b{re.escape(word)}", header) for word in words)

    for words in (brand_words, ingredient_words):
        chosen = [column for column in candidates if words and names(column, words)]
        if chosen:
            # `GLUMETZA + Glyburide`: the medicine with another drug is a combination arm, not the
            # medicine's own; never used beside a column of the medicine alone. A table with only
            # combination arms keeps them, and `column` names the other drug.
            alone = [column for column in chosen
                     if not _with_another_drug(column.header, brand_words | ingredient_words)]
            chosen = alone or chosen
            break
    else:
        doses_only = [column for column in candidates if not re.search(r"[a-z]{3,}", _DOSE_WORDS.sub(" ", column.header),
                                                                         re.IGNORECASE)]
        chosen = doses_only if doses_only == candidates else candidates[:1]
    overall = [column for column in chosen if _OVERALL.search(column.header)]
    return overall or chosen


def _with_another_drug(header: str, medicine_words: set[str]) -> bool:
    """Whether a header names the medicine together with another drug (`GLUMETZA + Glyburide`,
    `X plus Y`, `X in combination with Y`); the medicine's own ingredients joined (`FIORINAL with
    CODEINE`, `Hydrocodone/Ibuprofen`) are not another drug."""
    joined = _COMBINATION.search(header)
    if not joined:
        return False
    words = re.findall(r"[a-z][a-z-]{3,}", _DOSE_WORDS.sub(" ", header[joined.end():]).lower())
    return any(not any(word.startswith(own) or own.startswith(word) for own in medicine_words)
               and word not in _NOT_A_DRUG for word in words)


def _other_drug(header: str, medicine_words: set[str]) -> str:
    """The other drug of a combination arm's header as written (`Glyburide` of `GLUMETZA + Glyburide
    (n=431)`), or "" for a column of the medicine alone."""
    if not _with_another_drug(header, medicine_words):
        return ""
    joined = _COMBINATION.search(header)
    other = re.sub(r"\s*[\[(][^\])]*[\])]", "", header[joined.end():])  # `(n=431)`
    return " ".join(_DOSE_WORDS.sub(" ", other).split()).strip(" ,;:")


def _percent(cell: str, header: str, as_percent: bool) -> tuple[float | None, str]:
    """(percent, as written) of one cell; bare numbers are counts when the table gives no sign of %."""
    count = _CELL_COUNT_PERCENT.match(cell)
    if count:
        return float(count.group(2)), cell
    match = _CELL_PERCENT.match(cell)
    if match is None:
        return None, cell
    value = float(match.group(2))
    if match.group(3) or as_percent or match.group(1):
        written = cell if match.group(3) or cell.startswith("(") else f"{cell}%"
        return value, written
    total = _N.search(header)
    if total and float(total.group(1).replace(",", "")) > 0:
        patients = float(total.group(1).replace(",", ""))
        return round(100 * value / patients, 1), f"{cell} of {total.group(1)}"
    return None, cell
