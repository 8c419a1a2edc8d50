"""What every request handler needs, built once per app process: the project, its store, the
review desk, the site renderer, and the web settings."""

from __future__ import annotations

from dataclasses import dataclass

from medpages.project import Project
from medpages.publish.site.render import SiteRenderer
from medpages.review import ReviewDesk
from medpages.settings import WebSettings
from medpages.store import Store


@dataclass
class AppContext:
    project: Project
    store: Store
    desk: ReviewDesk
    renderer: SiteRenderer
    web: WebSettings

    @classmethod
    def for_project(cls, project: Project) -> AppContext:
        from medpages.publish.site.views import SiteConfig
        from medpages.stages.reviewing import review_desk

        site = project.settings.site
        config = SiteConfig(base_url=site.base_url, edit_url=None, site_name=site.name)
        return cls(project=project, store=project.store(), desk=review_desk(project),
                   renderer=SiteRenderer(config), web=project.settings.web)
