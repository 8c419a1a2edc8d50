"""The static website: HTML pages, search index and sitemap, built incrementally (`build_site`).

Imported lazily: a build with nothing to do needs only `state`, not the templates and the search.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medpages.publish.site.builder import SiteReport, build_site
    from medpages.publish.site.serve import serve_site

__all__ = ["SiteReport", "build_site", "serve_site"]


def __getattr__(name: str) -> Any:
    if name in ("SiteReport", "build_site"):
        from medpages.publish.site import builder

        return getattr(builder, name)
    if name == "serve_site":
        from medpages.publish.site.serve import serve_site

        return serve_site
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
