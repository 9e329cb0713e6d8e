"""Email text from Jinja templates (web/templates/email/) in the recipient's language.

One Jinja environment per locale, with that locale's gettext catalogue installed (English,
the source language, when there is none), and dates and durations formatted by Babel.
``.html`` templates are autoescaped, ``.txt`` ones are not (they are plain text). Pure:
nothing here touches the database or the network.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time, format_timedelta
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from server import i18n
from server.web.templates import TEMPLATE_DIR

EMAIL_DIR = TEMPLATE_DIR / "email"
DASH = "\u2013"  # an en dash between start and end times


def babel_locale(locale: str) -> str:
    """The CLDR locale that formats dates for a recipient's stored language."""
    return str(i18n.babel_locale(i18n.normalize(locale)))


def _local(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz))


def _joined(date_text: str, time_text: str, loc: str) -> str:
    """Date and time joined the language's way ("{1}, {0}"; Arabic "،")."""
    pattern = str(i18n.babel_locale(i18n.normalize(loc)).datetime_formats["medium"])
    return pattern.format(time_text, date_text)


def when(starts: datetime, ends: datetime, tz: str, locale: str) -> str:
    """ "Saturday, 5 December 2026, 18:00 to 20:00 CET" in the event's own zone."""
    loc = babel_locale(locale)
    start, end = _local(starts, tz), _local(ends, tz)
    first = _joined(
        format_date(start, "full", locale=loc), format_time(start, "short", locale=loc), locale
    )
    if end.date() == start.date():
        last = format_time(end, "short", locale=loc)
    else:
        last = _joined(
            format_date(end, "full", locale=loc), format_time(end, "short", locale=loc), locale
        )
    return f"{first} {DASH} {last} {end.strftime('%Z')}"


def short_when(starts: datetime, tz: str, locale: str) -> str:
    """ "Sat 5 Dec, 18:00" (for subjects)."""
    loc = babel_locale(locale)
    start = _local(starts, tz)
    return _joined(
        format_skeleton("MMMEd", start, locale=loc), format_time(start, "short", locale=loc), locale
    )


def weekday(starts: datetime, tz: str, locale: str) -> str:
    return format_date(_local(starts, tz), "EEEE", locale=babel_locale(locale))


def lead_time(minutes: int, locale: str) -> str:
    """ "in 1 day", "in 2 hours"."""
    return format_timedelta(
        timedelta(minutes=minutes), add_direction=True, locale=babel_locale(locale)
    )


def expires(value: datetime, locale: str) -> str:
    return format_date(value, "long", locale=babel_locale(locale))


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(EMAIL_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,  # a missing value is a bug, not an empty line in a mail
    )
    env.install_gettext_translations(catalogue(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def catalogue(locale: str) -> Any:
    return i18n.catalogue(i18n.normalize(locale))


def gettext(locale: str) -> Callable[..., str]:
    """``_("Text %(name)s", name=...)`` for subjects, like the templates' ``_``."""
    messages = catalogue(locale)

    def _(message: str, **values: Any) -> str:
        text: str = messages.gettext(message)
        return text % values if values else text

    return _


def render(template: str, locale: str, /, **context: Any) -> str:
    """``email/<template>`` rendered in ``locale``."""
    return environment(i18n.normalize(locale)).get_template(template).render(**context)
