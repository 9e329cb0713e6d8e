"""The phone app around the pages: manifest, service worker, offline page, and two safety
features every page offers — quick exit and "forget this device".

The service worker's source lives in ``web/static/js/sw.js``; ``/sw.js`` serves it at the
root scope behind a generated first line (``const MUSTER = {...}``) that names this
deploy's version, the versioned static files to precache and the pages kept for offline
use. The version is a hash of every static file and template, so any deploy that changes
what a page looks like changes the worker's bytes: the browser installs the new worker,
which deletes the caches of the old version.

Kept pages (the volunteer's "my signups" pages and action scripts) are marked
``Cache-Control: no-store`` for HTTP caches, yet the worker deliberately stores them in
Cache Storage: a volunteer at the rally, with no network, still sees their signup, the
address and their call script (a kept page's links to other kept pages are stored too,
one level deep, so "my signups" brings each signup along). The trade-off: that personal
page stays on the phone. It stays only on the volunteer's own device (never a shared
cache), is refreshed on every visit online, is dropped when its link stops working
(404/410), outlives a deploy on purpose (the ticket must not vanish the morning of the
rally), and "forget this device" deletes it with everything else (POST /forget answers
``Clear-Site-Data``; app.js first empties Cache Storage and web storage itself).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from server import i18n
from server.i18n import N_
from server.web.auth import current_organizer
from server.web.templates import STATIC_DIR, TEMPLATE_DIR, render, static_url

# A neutral, well-known site: where "quick exit" sends a volunteer who must hide the page.
# The same URL is in base.html (data-quick-exit); tests/test_pwa.py keeps them equal.
QUICK_EXIT_URL = "https://www.wikipedia.org/"

APP_NAME = "Muster"
DESCRIPTION = N_("Find rallies near you, sign up, and act for human rights.")
THEME_COLOUR = "#5b2a86"
BACKGROUND_COLOUR = "#f6f3f9"  # --bg in app.css
OFFLINE_PATH = "/offline"

# Versioned static files every page needs: precached when the worker installs, so a page
# kept for offline use renders with its style and scripts.
PRECACHE_STATIC = (
    "css/app.css",
    "js/app.js",
    "js/exit-guard.js",  # personal pages load it: offline too, Back after quick exit leaves
    "vendor/htmx-2.0.11.min.js",
    "icons/icon.svg",
    "icons/icon-192.png",
    "js/actions.js",  # the action scripts' page helper: kept pages must work offline
)
# Pages the worker keeps for offline use once visited (JavaScript regular expressions
# over the path): a volunteer's "my signups" pages (/my/<token>...) and signup manage
# links (/m/<token>), and the campaign actions with their scripts.
KEEP_OFFLINE = (
    r"^/my/",
    r"^/m/",
    r"^/actions$",
    r"^/campaigns/[0-9a-f-]{36}/actions$",
)

ICONS = (
    ("icons/icon-192.png", "192x192", "any"),
    ("icons/icon-512.png", "512x512", "any"),
    ("icons/icon-maskable-512.png", "512x512", "maskable"),
)
SW_SOURCE = STATIC_DIR / "js" / "sw.js"
# Public and free of personal data: no session and no CSRF cookie for these GETs.
ANONYMOUS_GET: dict[str, Any] = {"skip_session": True, "exclude_from_csrf": True}


@cache
def build_version() -> str:
    """A hash of everything a cached page is made of: static files and templates."""
    digest = hashlib.sha256()
    for root in (STATIC_DIR, TEMPLATE_DIR):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def manifest(language: str = i18n.SOURCE) -> dict[str, Any]:
    """The installed app's manifest in ``language`` (pages link to theirs: ``?lang=``)."""
    return {
        "id": "/",
        "name": APP_NAME,
        "short_name": APP_NAME,
        "description": i18n.gettext(DESCRIPTION, language),
        "lang": language,
        "dir": i18n.direction(language),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["social", "utilities"],
        "icons": [
            {"src": static_url(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }


@cache
def _manifest_body(language: str) -> bytes:
    return json.dumps(manifest(language), separators=(",", ":"), ensure_ascii=False).encode()


@cache
def service_worker_source() -> bytes:
    config = {
        "version": build_version(),
        # Only files that exist: one missing file would fail the worker's whole install.
        "precache": [static_url(p) for p in PRECACHE_STATIC if (STATIC_DIR / p).is_file()],
        "offline": OFFLINE_PATH,
        "keep": list(KEEP_OFFLINE),
    }
    prelude = f"const MUSTER = {json.dumps(config, separators=(',', ':'))};\n"
    return prelude.encode() + SW_SOURCE.read_bytes()


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _revalidated(request: Request[Any, Any, Any], body: bytes, media_type: str) -> Response[Any]:
    """Always revalidated (no-cache), answered 304 when unchanged."""
    tag = _etag(body)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if request.url.path == "/sw.js":
        headers["Service-Worker-Allowed"] = "/"
    if request.headers.get("if-none-match") == tag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@get("/manifest.webmanifest", include_in_schema=False, opt=ANONYMOUS_GET)
async def manifest_route(request: Request[Any, Any, Any]) -> Response[Any]:
    return _revalidated(request, _manifest_body(i18n.current.get()), "application/manifest+json")


@get("/sw.js", include_in_schema=False, opt=ANONYMOUS_GET)
async def service_worker(request: Request[Any, Any, Any]) -> Response[Any]:
    """The worker at the root scope; ``no-cache`` so a deploy reaches phones at once."""
    return _revalidated(request, service_worker_source(), "text/javascript; charset=utf-8")


@get(OFFLINE_PATH, include_in_schema=False, opt=ANONYMOUS_GET)
async def offline(request: Request[Any, Any, Any]) -> Template:
    """What the worker shows for a page it cannot reach; precached, so nothing personal."""
    return render(
        request, "pages/offline.html", {"viewer": None}, headers={"Cache-Control": "no-cache"}
    )


@get("/exit", include_in_schema=False, opt=ANONYMOUS_GET)
async def quick_exit() -> Redirect:
    """Quick exit without JavaScript (with it, app.js leaves without asking us)."""
    return Redirect(QUICK_EXIT_URL, status_code=303, headers={"Cache-Control": "no-store"})


@get("/forget", include_in_schema=False)
async def forget_page(request: Request[Any, Any, Any], done: FromQuery[bool] = False) -> Template:
    viewer = await current_organizer(request)
    return render(request, "pages/forget.html", {"viewer": viewer, "done": done}, private=True)


@post("/forget", include_in_schema=False)
async def forget_device(request: Request[Any, Any, Any]) -> Response[Any]:
    """Ask the browser to drop everything it holds for us: HTTP cache, cookies (so the
    session and CSRF token), Cache Storage, local storage and the service worker.
    The server-side session goes too. app.js clears what it can before this arrives, for
    browsers that ignore ``Clear-Site-Data``."""
    request.clear_session()
    return Redirect(
        "/forget?done=1",
        status_code=303,
        headers={"Clear-Site-Data": '"cache", "cookies", "storage"', "Cache-Control": "no-store"},
    )


ROUTES = [manifest_route, service_worker, offline, quick_exit, forget_page, forget_device]
