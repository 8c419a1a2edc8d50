"""Review: the review desk of a project (the web app, the API and `medpages review` use it)."""

from __future__ import annotations

from medpages.project import Project
from medpages.review import ReviewDesk
from medpages.stages.checking import check_settings
from medpages.stages.references import label_lookup


def review_desk(project: Project) -> ReviewDesk:
    """The project's review workflow: its store, its checks' thresholds, its label lookup."""
    store = project.store()
    return ReviewDesk(store=store, check_settings=check_settings(project), facts_for=label_lookup(store))
