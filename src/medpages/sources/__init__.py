"""Reference labels: DailyMed SPL XML and openFDA drug-label JSON, read into `LabelFacts`.

`add_sources(store, paths)` reads label files, folders and archives into the store;
`medpages.sources.download.download_openfda` fetches openFDA's bulk files (imported on its
own, so that reading labels does not load the HTTP client). `read_spl` and
`iter_openfda_labels` read one format each into a `LabelDocument`; `extract_facts` turns a
document into the facts pages are written and checked from. The label and fact types belong to
the content model (`medpages.model.label`, `medpages.model.facts`) and are re-exported here.
"""

from medpages.model.facts import (
    CommonAdverseReactions,
    Dosing,
    Fact,
    LabelFacts,
    LabelSource,
    ReactionTerm,
    SeriousAdverseReactions,
    SeriousWarning,
)
from medpages.model.label import LabelDocument, LabelIngredient, LabelProduct, LabelSection
from medpages.sources.facts import extract_facts
from medpages.sources.ingest import FileReport, SourcesReport, add_sources
from medpages.sources.ingredients import canonical_ingredient, canonical_ingredients
from medpages.sources.openfda import iter_openfda_labels
from medpages.sources.spl import read_spl

__all__ = [
    "CommonAdverseReactions",
    "Dosing",
    "Fact",
    "FileReport",
    "LabelDocument",
    "LabelFacts",
    "LabelIngredient",
    "LabelProduct",
    "LabelSection",
    "LabelSource",
    "ReactionTerm",
    "SeriousAdverseReactions",
    "SeriousWarning",
    "SourcesReport",
    "add_sources",
    "canonical_ingredient",
    "canonical_ingredients",
    "extract_facts",
    "iter_openfda_labels",
    "read_spl",
]
