"""Jinja environment (gettext from the first template), the page/fragment renderer, and
the accessors page handlers share (``jinja``, ``app_settings``, ``render_page``)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import MediaType, Request
from litestar.plugins.htmx import HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from server.settings import PROJECT_ROOT, Settings

WEB_ROOT = PROJECT_ROOT / "web"
TEMPLATE_DIR = WEB_ROOT / "templates"
STATIC_DIR = WEB_ROOT / "static"
LOCALE_DIR = WEB_ROOT / "locales"
SUPPORTED_LOCALES = ("en",)


@cache
def static_version(relative: str) -> str:
    """A content hash for cache-busting: static files are cached for a year and immutable."""
    path = STATIC_DIR / relative
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "0"


def static_url(relative: str) -> str:
    return f"/static/{relative}?v={static_version(relative)}"


def format_local(value: datetime, tz: str, fmt: str = "%a %d %b %Y, %H:%M %Z") -> str:
    """An instant shown in the event's own zone with its abbreviation (18:00 CET)."""
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


def translations(locale: str) -> NullTranslations:
    loaded = Translations.load(str(LOCALE_DIR), [locale], domain="messages")
    return loaded


def build_environment(*, auto_reload: bool = True) -> Environment:
    """``auto_reload`` (development) re-reads changed templates; production skips the stat calls."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        auto_reload=auto_reload,
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations("en"), newstyle=True)  # type: ignore[attr-defined]
    env.globals["static"] = static_url
    env.filters["local"] = format_local
    return env


def template_config(*, auto_reload: bool = True) -> TemplateConfig[JinjaTemplateEngine]:
    environment = build_environment(auto_reload=auto_reload)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def render(
    request: Request[Any, Any, Any],
    page: str,
    context: dict[str, Any],
    *,
    fragment: str | None = None,
    status_code: int = 200,
    private: bool = False,
    headers: dict[str, str] | None = None,
) -> Template:
    """A full page, or only ``fragment`` when htmx asks (the page includes that fragment).

    ``private`` marks pages with personal data: ``Cache-Control: no-store`` (invariant 5).
    """
    # Boosted navigation also sends HX-Request but wants the whole page.
    is_htmx = isinstance(request, HTMXRequest) and bool(request.htmx) and not request.htmx.boosted
    all_headers = {"Vary": "HX-Request"}
    if private:
        all_headers["Cache-Control"] = "no-store"
    all_headers.update(headers or {})
    return Template(
        template_name=fragment if (fragment and is_htmx) else page,
        context=context,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers=all_headers,
    )


def template_exists(name: str) -> bool:
    return (TEMPLATE_DIR / Path(name)).is_file()


def render_page(
    request: Request[Any, Any, Any],
    template: str,
    viewer: Any,
    *,
    status_code: int = 200,
    fragment: str | None = None,
    **context: Any,
) -> Template:
    """A page from ``web/templates/pages/`` with personal data or a form: ``render_page(
    request, "events/list.html", viewer, ...)``. No-store (invariant 5), with empty form
    state by default.

    Every feature's organizer and personal pages render through this, so the privacy
    header and the ``viewer``/``errors``/``values`` context the templates expect are set
    in one place.
    """
    return render(
        request,
        f"pages/{template}",
        {"viewer": viewer, "errors": {}, "values": {}, **context},
        fragment=fragment,
        status_code=status_code,
        private=True,
    )


def jinja(request: Request[Any, Any, Any]) -> Environment:
    """The app's Jinja environment, for pages rendered to bytes outside a ``Template``
    response (cached public pages)."""
    return cast(JinjaTemplateEngine, request.app.template_engine).engine


def app_settings(request: Request[Any, Any, Any]) -> Settings:
    """The settings the app was built with (``app.state.settings``)."""
    settings: Settings = request.app.state.settings
    return settings
