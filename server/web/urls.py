"""Absolute URLs for links in pages, API answers and calendar files."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request


def base_url(request: Request[Any, Any, Any]) -> str:
    """The configured ``BASE_URL`` (no trailing slash), never the request's Host header:
    a client chooses that header, and a link built from it (a manage link, a feed URL)
    could send a volunteer to another site."""
    return str(request.app.state.settings.base_url)


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a local path on this site, else None (no open redirect)."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return None
    # Browsers read "\" as "/" and drop tabs and newlines, so "/\evil" or "/\t/evil" would
    # leave the site: accept printable ASCII without backslashes only.
    if "\\" in value or any(not 0x21 <= ord(c) < 0x7F for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value
