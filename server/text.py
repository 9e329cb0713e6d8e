"""Rules for text people type: names and titles, control characters, email addresses.

Pure functions, no I/O; every feature that accepts user text uses these, so one rule
holds everywhere (``server.accounts.service`` re-exports the older names).
"""

from __future__ import annotations

import re

from server.i18n import N_

# Control characters (NUL above all: PostgreSQL refuses it in text, which would be a 500)
# have no place in names, notes or addresses; tab and line breaks are fine in long text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Invisible bidirectional formatting: embeddings and overrides (U+202A-U+202E), isolates
# (U+2066-U+2069) and the direction marks (U+200E, U+200F, U+061C). In a name, U+202E
# makes "Ahmed" read "demhA" on the check-in list and can flip the text around it.
# Names and titles need none of them: pages show user text inside <bdi> / dir="auto",
# which gets Arabic and Hebrew right by their letters, which are kept as they are.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")

EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
EMAIL_MAX = 254
EMAIL_MISSING = N_("Enter an email address.")
EMAIL_INVALID = N_("Enter a valid email address, like name@example.org.")
# Our mail goes out without SMTPUTF8 (many relays lack it, and a volunteer's
# confirmation must not bounce days later): the part before the @ must be ASCII.
EMAIL_LOCAL_NOT_ASCII = N_(
    "Use only Latin letters, digits and . _ - + before the @: our mail cannot reach this address."
)


def has_control_chars(*values: str) -> bool:
    return any(_CONTROL.search(value) for value in values)


def strip_bidi_controls(value: str) -> str:
    """``value`` without invisible direction controls; every visible letter is kept."""
    return _BIDI_CONTROLS.sub("", value)


def one_line(value: str) -> str:
    """A name or title as stored: no direction controls, runs of whitespace made one
    space, trimmed (so a name of only invisible characters becomes empty)."""
    return " ".join(strip_bidi_controls(value).split())


def _ascii_domain(domain: str) -> str | None:
    """The domain as mail servers read it (IDNA, "bücher.de" -> "xn--bcher-kva.de"),
    or None when it cannot be one."""
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def normalize_email(email: str) -> str:
    """Trimmed and lower-cased; an internationalised domain in its ASCII form, so the
    same address is always the same row and the mail needs no SMTPUTF8."""
    email = email.strip().lower()
    local, at, domain = email.rpartition("@")
    if at and local and domain and not domain.isascii():
        ascii_domain = _ascii_domain(domain)
        if ascii_domain:
            return f"{local}@{ascii_domain}"
    return email


def validate_email(email: str, field: str = "email") -> dict[str, str]:
    """A field error for an address we cannot use, else {}. Give it normalised."""
    if not email:
        return {field: EMAIL_MISSING}
    if len(email) > EMAIL_MAX or not EMAIL_RE.match(email) or has_control_chars(email):
        return {field: EMAIL_INVALID}
    local, _, domain = email.rpartition("@")
    if not local.isascii():
        return {field: EMAIL_LOCAL_NOT_ASCII}
    if _ascii_domain(domain) is None:
        return {field: EMAIL_INVALID}
    return {}
