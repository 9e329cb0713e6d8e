"""Pure helpers for action scripts and one-tap links: placeholders, ``mailto:``, ``tel:``.

Scripts may use ``{volunteer_name}``, ``{city}`` and ``{target_name}`` and nothing else.
They are organizer-written text, so they are never handed to ``str.format`` (which would
allow ``{0.__class__}`` tricks): ``string.Formatter().parse`` only splits the text, and
``fill`` looks each name up in a plain dict. ``{{`` and ``}}`` stand for literal braces.
"""

from __future__ import annotations

import re
from string import Formatter
from urllib.parse import quote, urlsplit

from server.i18n import N_, Text

PLACEHOLDERS = ("volunteer_name", "city", "target_name")
_FORMATTER = Formatter()


class ScriptError(ValueError):
    """A script that cannot be used; the message is meant for the organizer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message  # kept as marked (``str(exc)`` would lose a ``Text``)


def placeholders(template: str) -> list[str]:
    """The placeholder names in ``template``; ``ScriptError`` for unknown ones or stray braces."""
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise ScriptError(N_("A brace is not closed. Write {{ or }} for a literal brace.")) from exc
    names = []
    allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + name
                + ("!" + conversion if conversion else "")
                + (":" + spec if spec else "")
                + "}"
            )
            raise ScriptError(
                Text(
                    "Unknown placeholder %(shown)s: use only %(allowed)s.",
                    shown=shown,
                    allowed=allowed,
                )
            )
        names.append(name)
    return names


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with each placeholder replaced by ``values[name]`` (validated templates only)."""
    out = []
    for literal, name, _, _ in _FORMATTER.parse(template):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def mailto(to: str, subject: str = "", body: str = "") -> str:
    """A ``mailto:`` URI (RFC 6068): UTF-8 percent-encoding, spaces as %20, lines as %0D%0A.

    ``quote`` with ``safe=""`` encodes everything outside the unreserved set, so "&", "=",
    "?", "#" and "+" in the text cannot end a header early, and "+" is never read as a space.
    The address keeps "@" (and is encoded otherwise, e.g. a "?" in it).
    """
    uri = "mailto:" + quote(to.strip(), safe="@")
    headers = []
    if subject:
        headers.append("subject=" + quote(_one_line(subject), safe=""))
    if body:
        headers.append("body=" + quote(_crlf(body), safe=""))
    return uri + ("?" + "&".join(headers) if headers else "")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _crlf(text: str) -> str:
    """Line breaks in a mailto body are CRLF (RFC 6068, section 5)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


_PHONE_ALLOWED = re.compile(r"^[0-9+()./\s-]+$")


def phone_digits(phone: str) -> str:
    """The dialable form: digits, with a leading "+" kept. "+47 00 00 00 00" → "+4700000000"."""
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    return ("+" + digits) if text.startswith("+") and digits else digits


def phone_error(phone: str) -> str | None:
    """Why ``phone`` cannot be a ``tel:`` number, or None."""
    if not phone:
        return None
    if not _PHONE_ALLOWED.match(phone) or "+" in phone.strip()[1:]:
        return N_(
            "Use digits, spaces and dashes, with an optional leading +, like +47 22 00 00 00."
        )
    digits = phone_digits(phone).lstrip("+")
    if not 3 <= len(digits) <= 17:
        return N_("A phone number has 3 to 17 digits.")
    return None


def tel(phone: str) -> str:
    return "tel:" + phone_digits(phone)


def url_error(url: str) -> str | None:
    """Why ``url`` may not be linked (only http and https), or None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return N_("Use an http:// or https:// link.")
    if any(c.isspace() or ord(c) < 32 for c in url):
        return N_("A link cannot contain spaces.")
    return None
