"""What medpages takes from a label: `LabelFacts`, one per label, each fact with its section and words.

The types only; `medpages.sources.facts.extract_facts` reads them out of a `LabelDocument`.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from medpages.model.label import LabelProduct, LabelSection, SourceKind

# Bumped when extraction changes, so labels read by an older medpages can be told apart.
EXTRACTOR_VERSION = 3  # 2: adverse-reaction tables (`adverse_reaction_rates`); 3: a rate's `taken_with`


class _FactModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LabelSource(_FactModel):
    """Where a label's facts come from: enough to cite it and to tell which version is newer."""

    kind: SourceKind
    set_id: str
    version: int | None = None
    effective_date: date | None = None
    title: str
    publisher: str
    labeler: str | None = None
    url: str
    document_type: str | None = None


class Fact(_FactModel):
    """A statement of the label, in its words, with the section it stands in."""

    section: str  # the section's key (`adverse_reactions`), or `unclassified`
    heading: str = ""  # the (sub)section heading: `6.1 Clinical Trial Adverse Experiences`
    text: str
    lead: str = ""  # the text that introduces a list item: `LIPITOR is indicated to:`
    highlights: bool = False  # from the label's Highlights box rather than its full text


class ReactionTerm(_FactModel):
    term: str  # as the label writes it, lower-cased: `pain in extremity`
    incidence_percent: float | None = None


class CommonAdverseReactions(Fact):
    """`The most common adverse reactions (incidence ≥ 2%) are a, b and c`: the terms and threshold."""

    terms: list[ReactionTerm] = Field(default_factory=list)
    threshold: str | None = None  # `≥ 2%`
    threshold_percent: float | None = None


class ReactionRate(Fact):
    """One row of an adverse-reaction table: the reaction and how often it happened on the medicine.

    `text` is the row as the label writes it (`Dizziness | 32 | 19 | 24 | 17`); `percent` the
    share of patients in the medicine's arm (from the overall column, else the highest of its
    dose columns; never placebo's or a comparator's), `frequency` that cell as written (`<1%`,
    `32%`, `292 (32)`), `column` that column's header and `group` the body system it is under.
    """

    term: str
    percent: float
    frequency: str
    column: str = ""
    group: str = ""
    taken_with: str = ""  # the other drug of a combination arm (`Glyburide` in `GLUMETZA + Glyburide`)


class SeriousWarning(Fact):
    """A serious risk: a subsection of Warnings and Precautions (`5.1 Skeletal Muscle`)."""

    number: str | None = None  # `5.1`
    title: str = ""  # `Skeletal Muscle`


class SeriousAdverseReactions(Fact):
    """`The following serious adverse reactions are discussed ...: a [see 5.1], b [see 5.2]`."""

    terms: list[str] = Field(default_factory=list)


class Dosing(_FactModel):
    frequencies: list[str] = Field(default_factory=list)  # `once daily`, `every 4 hours`
    routes: list[str] = Field(default_factory=list)  # `oral`
    statements: list[Fact] = Field(default_factory=list)


class LabelFacts(_FactModel):
    """What one label says that a medicine page can use, with its source."""

    source: LabelSource
    extractor_version: int = EXTRACTOR_VERSION
    ingredients: list[str] = Field(default_factory=list)  # canonical, lower-case, sorted
    products: list[LabelProduct] = Field(default_factory=list)
    product_names: list[str] = Field(default_factory=list)
    generic_names: list[str] = Field(default_factory=list)
    forms: list[str] = Field(default_factory=list)
    routes: list[str] = Field(default_factory=list)
    strengths: list[str] = Field(default_factory=list)  # `10 mg`, `6.25 mg/5 mL`
    pharmacologic_classes: list[str] = Field(default_factory=list)
    rxcuis: list[str] = Field(default_factory=list)
    otc: bool = False

    boxed_warning: list[Fact] = Field(default_factory=list)
    indications: list[Fact] = Field(default_factory=list)
    purposes: list[Fact] = Field(default_factory=list)  # OTC "Purpose"
    dosing: Dosing = Field(default_factory=Dosing)
    contraindications: list[Fact] = Field(default_factory=list)
    serious_warnings: list[SeriousWarning] = Field(default_factory=list)
    serious_adverse_reactions: SeriousAdverseReactions | None = None
    common_adverse_reactions: list[CommonAdverseReactions] = Field(default_factory=list)
    adverse_reaction_rates: list[ReactionRate] = Field(default_factory=list)  # from the tables
    interactions: list[Fact] = Field(default_factory=list)
    mechanism: list[Fact] = Field(default_factory=list)
    pregnancy: list[Fact] = Field(default_factory=list)
    pregnancy_category: str | None = None
    pregnancy_contraindicated: bool = False
    lactation: list[Fact] = Field(default_factory=list)
    breastfeeding_contraindicated: bool = False
    storage: list[Fact] = Field(default_factory=list)
    overdose: list[Fact] = Field(default_factory=list)
    missed_dose: list[Fact] = Field(default_factory=list)
    # OTC "Drug Facts" warnings
    do_not_use: list[Fact] = Field(default_factory=list)
    ask_doctor: list[Fact] = Field(default_factory=list)
    when_using: list[Fact] = Field(default_factory=list)
    stop_use: list[Fact] = Field(default_factory=list)

    # The label's full text. The store keeps it apart from the facts and returns it on request.
    sections: list[LabelSection] = Field(default_factory=list)

    @property
    def ingredients_key(self) -> str:
        return " + ".join(self.ingredients)

    def common_adverse_reaction_terms(self) -> list[str]:
        """Every term of the most-common-adverse-reactions statements, first mention first."""
        terms = (term.term for statement in self.common_adverse_reactions for term in statement.terms)
        return list(dict.fromkeys(terms))
