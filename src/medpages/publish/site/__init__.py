"""The static website: HTML pages, search index and sitemap, built incrementally (`build_site`)."""

from medpages.publish.site.builder import SiteReport, build_site
from medpages.publish.site.serve import serve_site

__all__ = ["SiteReport", "build_site", "serve_site"]
