"""Jinja environment (texts in the reader's language), the page/fragment renderer, and
the accessors page handlers share (``jinja``, ``app_settings``, ``render_page``)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_decimal
from babel.units import format_unit
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import MediaType, Request
from litestar.plugins.htmx import HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from server import i18n
from server.settings import PROJECT_ROOT, Settings
from server.tokens import utcnow

WEB_ROOT = PROJECT_ROOT / "web"
TEMPLATE_DIR = WEB_ROOT / "templates"
STATIC_DIR = WEB_ROOT / "static"


@cache
def static_version(relative: str) -> str:
    """A content hash for cache-busting: static files are cached for a year and immutable."""
    path = STATIC_DIR / relative
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "0"


def static_url(relative: str) -> str:
    return f"/static/{relative}?v={static_version(relative)}"


# ``|local(tz, style)``: an instant in the event's own zone, in the reader's language
# (Babel/CLDR patterns: 24-hour where the language uses it).
_STYLES = {
    "full": ("yMMMEd", True, True),  # Sat, 5 Dec 2026, 18:00 CET
    "short": ("MMMEd", True, False),  # Sat, 5 Dec, 18:00
    "date": ("yMMMd", False, False),  # 5 Dec 2026
    "day": ("MMMd", False, False),  # 5 Dec
    "day_time": ("MMMd", True, False),  # 5 Dec, 18:00
    "time": (None, True, False),  # 18:00
    "time_zone": (None, True, True),  # 18:00 CET
    "timezone": (None, False, True),  # CET
    "day_number": ("d", False, False),  # 5 (the date badge of a card)
}


def relative_day(value: datetime, tz: str) -> int | None:
    """0 for an instant today in ``tz``, 1 for tomorrow, else None: the part of "today" and
    "tomorrow" that a cached rendering must be keyed on."""
    zone = ZoneInfo(tz)
    days = (value.astimezone(zone).date() - utcnow().astimezone(zone).date()).days
    return days if days in (0, 1) else None


def format_local(value: datetime, tz: str, style: str = "full") -> str:
    """An instant shown in the event's own zone (18:00 CET), in the reader's language, with
    "today" or "tomorrow" for the day where it is one of them; ``iso`` is the
    language-neutral "2026-12-05 18:00" of logs and audit lists."""
    local = value.astimezone(ZoneInfo(tz))
    if style == "iso":
        return local.strftime("%Y-%m-%d %H:%M")
    locale = i18n.babel_locale(i18n.current.get())
    if style == "month":  # "Dec", standing alone (a pattern: no skeleton gives it)
        return format_date(local, "LLL", locale=locale)
    skeleton, with_time, with_zone = _STYLES[style]
    day = relative_day(value, tz) if style in ("full", "short") else None
    if day is not None:
        named = str(locale._data["date_fields"]["day"]["relative"][day])  # CLDR: "tomorrow"
        date_text = named[:1].upper() + named[1:]
    else:
        date_text = format_skeleton(skeleton, local, locale=locale) if skeleton else ""
    time_text = format_time(local, "short", locale=locale) if with_time else ""
    if date_text and time_text:  # the language's own joining ("{1}, {0}"; Arabic "،")
        text = str(locale.datetime_formats["short"]).format(time_text, date_text)
    else:
        text = date_text or time_text
    if with_zone:
        zone = local.strftime("%Z")
        text = f"{text} {zone}" if text else zone
    return text


_UNITS = ((10080, "duration-week"), (1440, "duration-day"), (60, "duration-hour"))


def format_duration(minutes: int) -> str:
    """ "1 week", "2 hours", "90 minutes" in the reader's language: the largest unit that
    says it exactly (never rounded: a reminder is sent at that very time)."""
    locale = i18n.babel_locale(i18n.current.get())
    for size, unit in _UNITS:
        if minutes and minutes % size == 0:
            return format_unit(minutes // size, unit, locale=locale)
    return format_unit(minutes, "duration-minute", locale=locale)


def format_number(value: float | int) -> str:
    return format_decimal(value, locale=i18n.babel_locale(i18n.current.get()))


def personal_page(path: str) -> bool:
    """A volunteer's own page (its address holds a secret, or it says "you're going"): it
    leaves again when reached by Back after a quick exit, and the language switcher shows it
    again with ``?lang=`` instead of putting its address in another URL."""
    return path.startswith(("/my/", "/m/")) or path.endswith("/rsvp/done")


def isolate(value: object) -> Markup:
    """``value`` (escaped) inside ``<bdi>``: typed names and addresses in a translated
    sentence read the right way round in Arabic too."""
    return Markup("<bdi>{}</bdi>").format(value)


def _gettext(message: str) -> str:
    return i18n.gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.ngettext(singular, plural, n)


def build_environment(*, auto_reload: bool = True) -> Environment:
    """``auto_reload`` (development) re-reads changed templates; production skips the stat calls.

    Texts are translated into ``i18n.current`` (the request's language) as they render.
    """
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        auto_reload=auto_reload,
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["static"] = static_url
    env.globals["language"] = i18n.current.get
    env.globals["direction"] = i18n.direction
    env.globals["languages"] = i18n.LANGUAGES
    env.globals["personal_page"] = personal_page
    env.filters["local"] = format_local
    env.filters["number"] = format_number
    env.filters["duration"] = format_duration
    # Errors and messages written in Python (``N_``/``Text``), in the reader's language.
    env.filters["tr"] = i18n.translate
    # A name or address inside a sentence keeps its own direction (Latin in Arabic).
    env.filters["bidi"] = isolate
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
