"""Country names in the reader's language, from CLDR (Babel), for pickers and pages.

Only current countries: the gazetteer's codes that CLDR still names (so no "Netherlands
Antilles" or "Serbia and Montenegro"). Sorted as the reader's language sorts, closely
enough without ICU: case and accents are ignored ("Österreich" sits with the O's).
"""

from __future__ import annotations

import unicodedata
from functools import cache

from server import i18n
from server.geo import gazetteer


def _sort_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _names(language: str) -> dict[str, str]:
    territories = i18n.babel_locale(language).territories
    return {code: territories[code] for code in gazetteer.countries() if code in territories}


def country_name(code: str, language: str | None = None) -> str:
    """``DE`` → "Germany" / "Германия" / "ألمانيا"; the code itself when unknown."""
    return _names(language or i18n.current.get()).get(code, code)


@cache
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(_names(language).items(), key=lambda item: _sort_key(item[1])))


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of every current country, sorted by name in the reader's language."""
    return list(_choices(language or i18n.current.get()))
