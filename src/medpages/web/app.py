"""The review web app: `create_app(project)` wires the reading pages, the suggest and review forms,
the JSON API and the security middleware onto one FastAPI app (`medpages serve` runs it).

Everything is read from the project's database on each request (through `AppContext`); what one
process keeps in memory is only a cache checked against the database, so several processes, on
several machines, serve the same pages.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from medpages.project import Project
from medpages.publish.site.render import STATIC_DIR, SiteRenderer
from medpages.publish.site.views import SiteConfig
from medpages.web import community, pages
from medpages.web.api import router as api_router
from medpages.web.context import AppContext
from medpages.web.search import SiteSearch
from medpages.web.security import SecurityMiddleware, load_secret
from medpages.web.templating import APP_STATIC_DIR, AppTemplates

PROJECT_VARIABLE = "MEDPAGES_PROJECT"
API_PREFIX = "/api/v1"


def create_app(project: Project) -> FastAPI:
    """The app for one project: its pages, forms and API, with `app.state.context` for the handlers."""
    base = AppContext.for_project(project)
    site = project.settings.site
    config = SiteConfig(base_url=site.base_url, site_name=site.name, edit_url=None)
    config = replace(config, edit_url=config.base_path + "{letter}/{slug}/suggest/{section}/")
    context = replace(base, renderer=SiteRenderer(config))

    app = FastAPI(title=f"{site.name} API", openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None,
                  redoc_url=None)
    app.state.context = context
    app.state.secret = load_secret(project.state_dir)
    app.state.search = SiteSearch(context.store)
    app.state.templates = AppTemplates(config)
    app.state.pages = pages.PageCache(context)
    app.state.rebuilder = community.Rebuilder()

    app.include_router(api_router, prefix=API_PREFIX)
    app.add_api_route("/static/{path:path}", _site_static, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_api_route("/app-static/{path:path}", _app_static, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_api_route("/robots.txt", _robots, methods=["GET", "HEAD"], include_in_schema=False)
    # The community routes first: /review/ and /login/ would otherwise be read as letters.
    app.include_router(community.router)
    app.include_router(pages.router)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_middleware(SecurityMiddleware, max_body_bytes=context.web.max_body_kb * 1024)
    return app


def app_from_environment() -> FastAPI:
    """The factory `uvicorn --factory` calls in each worker process: the project named by MEDPAGES_PROJECT."""
    return create_app(Project.load(Path(os.environ[PROJECT_VARIABLE])))


def _static_file(folder: Path, path: str) -> Response | None:
    """A file inside `folder`, never outside it (no `..`, no absolute paths, no links out)."""
    if not path or "\\" in path or any(part in ("", ".", "..") for part in path.split("/")):
        return None
    target = (folder / path).resolve()
    if not target.is_relative_to(folder.resolve()) or not target.is_file():
        return None
    return FileResponse(target, headers={"Cache-Control": "public, max-age=3600"})


def _site_static(request: Request, path: str) -> Response:
    return _static_file(STATIC_DIR, path) or pages.not_found(request)


def _app_static(request: Request, path: str) -> Response:
    return _static_file(APP_STATIC_DIR, path) or pages.not_found(request)


def _robots(request: Request) -> Response:
    # The app's history, suggest and review pages are for people; the reading pages may be indexed.
    text = "User-agent: *\nDisallow: /review/\nDisallow: /suggestions/\nDisallow: /login/\nDisallow: /api/\n"
    return Response(text, media_type="text/plain; charset=utf-8")


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    if request.url.path.startswith(API_PREFIX + "/"):
        return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)
    if error.status_code == 404:
        return pages.not_found(request)
    return Response(f"{error.detail}\n", status_code=error.status_code, media_type="text/plain; charset=utf-8",
                    headers=error.headers)


async def _invalid_request(request: Request, error: RequestValidationError) -> Response:
    if request.url.path.startswith(API_PREFIX + "/"):
        return JSONResponse({"detail": str(error.errors())[:1000]}, status_code=400)
    return Response("Bad request.\n", status_code=400, media_type="text/plain; charset=utf-8")
