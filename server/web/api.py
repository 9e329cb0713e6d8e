"""What every JSON API controller (/api/v1) shares: who asks, and private answers.

Handlers declare ``viewer: Viewer`` or ``organizer: SignedIn`` (see
web/auth.py) instead of looking the organizer up, and return their data: the controller
marks every answer ``no-store`` (invariant 5). The few answers that are the same for
every anonymous reader pass ``headers=public_cache(viewer)``.
"""

from __future__ import annotations

from litestar import Controller
from litestar.datastructures import CacheControlHeader

from server.accounts.service import OrganizerView
from server.web.auth import API_PREFIX, VIEWER_DEPENDENCIES
from server.web.caching import PUBLIC

# Keyed by the name Litestar gives the controller's header (lower case): a response's
# own headers win over the controller's only under the same key.
PUBLIC_CACHE = {CacheControlHeader.HEADER_NAME: PUBLIC}
_PRIVATE: dict[str, str] = {}


class ApiController(Controller):
    path = API_PREFIX.rstrip("/")
    dependencies = VIEWER_DEPENDENCIES
    cache_control: CacheControlHeader | None = CacheControlHeader(no_store=True)


def public_cache(viewer: OrganizerView | None) -> dict[str, str]:
    """A public answer may sit in a cache for a minute, but only one made for nobody in
    particular: a signed-in viewer's copy keeps the controller's no-store."""
    return PUBLIC_CACHE if viewer is None else _PRIVATE


def page_window(page: int, per_page: int) -> dict[str, int]:
    """``limit`` and ``offset`` of a 1-based page, one row over: the extra row only tells
    whether there is a next page (``has_next=len(rows) > per_page``)."""
    return {"limit": per_page + 1, "offset": (page - 1) * per_page}
