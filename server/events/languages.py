"""Languages of an event: the one it is written in, the ones spoken at it, and their names.

Names come from Babel/CLDR in the reader's language ("Deutsch" for a German reader,
"немецкий" for a Russian one), so no language name is ever typed into a catalogue.
Spoken languages may be any ISO 639 code that CLDR names ("ce" for Chechen): people
fleeing persecution often speak languages the site itself is not translated into.
"""

from __future__ import annotations

import re
from functools import cache

from server import i18n
from server.i18n import N_, Text

MAX_SPOKEN = 8
_CODE = re.compile(r"^[a-z]{2,3}$")
_SEPARATORS = re.compile(r"[\s,;]+")


@cache
def known_codes() -> frozenset[str]:
    """ISO 639 codes CLDR has a name for (two or three letters; no regions or scripts)."""
    names = i18n.babel_locale(i18n.SOURCE).languages
    return frozenset(str(c) for c in names if isinstance(c, str) and _CODE.match(c))


def language_name(code: str, reader: str | None = None) -> str:
    """``code``'s name in the reader's language; the code itself when CLDR has none."""
    names = i18n.babel_locale(reader or i18n.current.get()).languages
    return str(names.get(code) or code)


def split_codes(text: str) -> list[str]:
    """Codes typed as "de, ru" or "de ru" (what the form's text field sends)."""
    return [part for part in _SEPARATORS.split(text.strip().lower()) if part]


def stored_codes(stored: str | None) -> list[str]:
    """The stored "de,ru" as ["de", "ru"]."""
    return [part for part in (stored or "").split(",") if part]


def clean_spoken(codes: list[str]) -> tuple[str, str | None]:
    """The stored form ("de,ru": lower case, no repeats, in the given order) and an error."""
    cleaned: list[str] = []
    for raw in codes:
        code = raw.strip().lower().replace("_", "-").split("-")[0]
        if not code:
            continue
        if code not in known_codes():
            return "", Text(
                "“%(code)s” is not a language code we know. Use ISO 639 codes, like de or ru.",
                code=raw.strip()[:16],
            )
        if code not in cleaned:
            cleaned.append(code)
    if len(cleaned) > MAX_SPOKEN:
        return "", Text("Name at most %(n)s languages.", n=MAX_SPOKEN)
    return ",".join(cleaned), None


def clean_written(code: str | None) -> tuple[str | None, str | None]:
    """The language an event is written in: one of ours, or ``None`` (keep or default)."""
    if code is None or not code.strip():
        return None, None
    if code.strip() not in i18n.LANGUAGES:
        return None, N_("Choose a language from the list.")
    return code.strip(), None
