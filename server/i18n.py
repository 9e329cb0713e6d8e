"""The languages Muster speaks, their catalogues, and the reader's language.

- ``LANGUAGES``: adding a language is its catalogue (``web/locales/<code>/LC_MESSAGES/
  messages.po``) and one line here.
- Catalogues are read from the ``.po`` files on first use and compiled in memory (no
  build step; fuzzy entries are left out, so they read as English until reviewed).
- ``current``: the language of this request or mail, a context variable. The locale
  middleware (``web/language.py``) sets it for each request; mail composing sets it for
  each recipient. Templates and ``translate`` read it.
- Texts written in Python are marked ``N_("...")`` (extraction only: the text itself stays
  English so API clients, logs and tests see one source), or ``Text("... %(n)s", n=3)``
  when they carry values. They are translated where a person reads them: form errors,
  problem details, mail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from server.settings import PROJECT_ROOT

LOCALE_DIR = PROJECT_ROOT / "web" / "locales"
SOURCE = "en"
# Each language by its own name, in the switcher's order (English first, then by code).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "ar": "العربية",
    "de": "Deutsch",
    "es": "Español",
    "fr": "Français",
    "it": "Italiano",
    "ru": "Русский",
}
RIGHT_TO_LEFT = frozenset({"ar"})
COOKIE = "lang"

current: ContextVar[str] = ContextVar("language", default=SOURCE)
_default = SOURCE


def set_default(language: str) -> None:
    """``DEFAULT_LANGUAGE`` (checked by Settings): what a reader gets with no preference."""
    global _default
    _default = language if language in LANGUAGES else SOURCE


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue; it is translated later, where it is shown."""
    return text


class Text(str):
    """A marked message with named values. Reads as the English text with the values filled
    in; ``translate`` gives it in the reader's language."""

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, **values: Any) -> Text:
        english = {k: _value(v, SOURCE) for k, v in values.items()}
        made = super().__new__(cls, msgid % english if values else msgid)
        made.msgid = msgid
        made.values = values
        return made


@cache
def catalogue(language: str) -> NullTranslations:
    """The compiled catalogue of ``language``; the source language (and any unknown one)
    has none: its texts are the message ids."""
    if language == SOURCE or language not in LANGUAGES:
        return NullTranslations()
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as po:
        parsed = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, parsed)  # fuzzy entries are skipped
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def gettext(message: str, language: str | None = None) -> str:
    return catalogue(language or current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int, language: str | None = None) -> str:
    return catalogue(language or current.get()).ngettext(singular, plural, n)


def translate(message: str, language: str | None = None) -> str:
    """``message`` in the reader's language: a ``Text`` with its values filled in again, a
    plain marked string looked up as it is (unknown ones come back unchanged)."""
    if not message:
        return ""  # gettext("") is the catalogue's header
    if isinstance(message, Text):
        code = language or current.get()
        translated = gettext(message.msgid, code)
        if not message.values:
            return translated
        return translated % {k: _value(v, code) for k, v in message.values.items()}
    return gettext(str(message), language)


def _value(value: Any, language: str) -> Any:
    """A value inside a message, in the reader's language too: a ``Text`` translated (plain
    strings are names and input, kept as they are), a number written the language's way
    (1 000 000, 1.000.000)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return format_decimal(value, locale=babel_locale(language))
    if isinstance(value, Text):
        return translate(value, language)
    return value


@contextmanager
def speaking(language: str) -> Iterator[str]:
    """Compose something (a mail, a calendar) in ``language`` whatever the request's is."""
    chosen = language if language in LANGUAGES else _default
    token = current.set(chosen)
    try:
        yield chosen
    finally:
        current.reset(token)


def direction(language: str | None = None) -> str:
    return "rtl" if (language or current.get()) in RIGHT_TO_LEFT else "ltr"


# How each language writes dates, times and numbers, where the bare code is not the right
# CLDR locale: Muster's English readers are mostly in Europe, so 18:00 and 5 December.
_FORMATS = {"en": "en_GB"}


def normalize(code: str | None) -> str:
    """One of ``LANGUAGES`` for a stored or typed code ("ru", "ru-RU", "pt_BR"): its base
    language when we speak it, else the default."""
    base = (code or "").replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else _default


@cache
def babel_locale(language: str) -> Locale:
    code = language if language in LANGUAGES else SOURCE
    return Locale.parse(_FORMATS.get(code, code))


_RANGE = re.compile(
    r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*$"
)


def from_accept_language(header: str | None) -> str | None:
    """The best of our languages for an ``Accept-Language`` header, by quality, with the
    base language standing for its regions (``fr-CA`` is ``fr``); ``None`` if none fits."""
    if not header:
        return None
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header[:512].split(",")[:32]):
        match = _RANGE.match(part)
        if not match:
            continue
        base = match.group(1).lower()
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if base not in LANGUAGES or not 0 < quality <= 1:
            continue
        rank = (quality, -position, base)
        if best is None or rank[:2] > best[:2]:
            best = rank
    return best[2] if best else None


def choose(cookie: str | None, accept_language: str | None) -> str:
    """An explicit choice (the cookie) beats the browser's list, which beats the default."""
    if cookie in LANGUAGES:
        return str(cookie)
    return from_accept_language(accept_language) or _default
