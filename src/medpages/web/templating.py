"""The app's own pages (suggest, sign in, the review queue, history) rendered with the static site's
base template around them, so they look like the site; autoescape on, as everywhere."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from medpages.publish.site import views
from medpages.publish.site.render import TEMPLATE_DIR, template_version
from medpages.web.security import form_token, set_cookies, signed_in_user

HERE = Path(__file__).parent
APP_TEMPLATE_DIR = HERE / "templates"
APP_STATIC_DIR = HERE / "static"
HTML = "text/html; charset=utf-8"


class AppTemplates:
    """The app's templates first, then the site's (`base.html.j2`, the A–Z macros)."""

    def __init__(self, config: views.SiteConfig) -> None:
        self.config = config
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(APP_TEMPLATE_DIR), FileSystemLoader(TEMPLATE_DIR)]),
            autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined, auto_reload=False,
        )
        self.env.globals.update(format_date=views.format_date, asset_version=template_version(),
                                letter_label=views.letter_label)

    def render(self, template: str, /, **values: object) -> bytes:
        values.setdefault("root", self.config.base_path)
        values.setdefault("canonical", None)
        values.setdefault("description", "")
        values.setdefault("user", None)
        values.setdefault("csrf", "")
        values.setdefault("app_root", self.config.base_path)
        return self.env.get_template(template).render(site=self.config, **values).encode("utf-8")

    def render_fragment(self, template: str, /, **values: object) -> str:
        return self.env.get_template(template).render(site=self.config, **values)


def page(request: Request, template: str, /, *, status: int = 200, headers: dict[str, str] | None = None,
         **values: object) -> Response:
    """An app page with the signed-in user and a CSRF token for its forms (and the cookie behind it)."""
    values.setdefault("user", signed_in_user(request))
    values["csrf"] = form_token(request)
    body = request.app.state.templates.render(template, **values)
    response = Response(body, status_code=status, media_type=HTML, headers=headers)
    response.headers["cache-control"] = "no-store"
    set_cookies(request, response)
    return response
