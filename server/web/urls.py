"""Absolute URLs for links in pages, API answers and calendar files."""

from __future__ import annotations

from typing import Any

from litestar import Request


def base_url(request: Request[Any, Any, Any]) -> str:
    """The configured ``BASE_URL`` (no trailing slash), never the request's Host header:
    a client chooses that header, and a link built from it (a manage link, a feed URL)
    could send a volunteer to another site."""
    return str(request.app.state.settings.base_url)
