"""The phone app's server side: manifest, service worker, offline page, quick exit and
"forget this device" (the browser half is in tests/e2e/test_pwa.py)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import struct
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from server.web import pwa
from server.web.templates import STATIC_DIR, TEMPLATE_DIR, static_url
from tests.accounts.helpers import sign_in, sign_up
from tests.conftest import csrf_token

AXE_VENDOR = Path(__file__).parent / "e2e" / "vendor"
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (no imaging library needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_manifest_names_everything_an_install_needs(client: httpx.AsyncClient) -> None:
    response = await client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    assert "set-cookie" not in response.headers  # public, the same for everybody
    manifest = response.json()
    assert manifest["name"] == "Muster" and manifest["short_name"] == "Muster"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])

    seen: set[tuple[str, str]] = set()
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        assert icon["src"].startswith("/static/icons/") and "?v=" in icon["src"]
        image = await client.get(icon["src"])
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        width, height = png_size(image.content)
        assert f"{width}x{height}" == icon["sizes"], icon
        seen.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= seen


async def test_manifest_is_revalidated_cheaply(client: httpx.AsyncClient) -> None:
    first = await client.get("/manifest.webmanifest")
    again = await client.get(
        "/manifest.webmanifest", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""


async def test_service_worker_is_served_at_the_root_scope(client: httpx.AsyncClient) -> None:
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"  # a deploy reaches phones at once
    assert "set-cookie" not in response.headers
    # The generated first line, then the worker's own source.
    first_line, rest = response.text.split("\n", 1)
    config = json.loads(first_line.removeprefix("const MUSTER = ").removesuffix(";"))
    assert rest == (STATIC_DIR / "js" / "sw.js").read_text()
    assert config["version"] == pwa.build_version()
    assert config["offline"] == "/offline"
    assert config["keep"], "the worker must know which pages to keep for offline use"
    for url in config["precache"]:
        assert url.startswith("/static/") and "?v=" in url, url  # versioned: cache-first is safe
        assert (await client.get(url)).status_code == 200, url
    again = await client.get("/sw.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


async def test_pages_load_only_files_the_worker_precaches(client: httpx.AsyncClient) -> None:
    """A page kept for offline use renders offline only if its CSS and JS are cached."""
    page = await client.get("/login")
    loaded = set(re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', page.text))
    assert loaded
    precached = {static_url(path) for path in pwa.PRECACHE_STATIC}
    css_and_js = {url for url in loaded if re.search(r"\.(?:css|js)\?", url)}
    assert css_and_js <= precached


def test_a_changed_static_file_changes_the_worker_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    static = tmp_path / "static"
    shutil.copytree(STATIC_DIR, static)
    monkeypatch.setattr(pwa, "STATIC_DIR", static)
    monkeypatch.setattr(pwa, "TEMPLATE_DIR", TEMPLATE_DIR)
    pwa.build_version.cache_clear()
    try:
        before = pwa.build_version()
        assert before == pwa.build_version()  # stable while nothing changes
        css = static / "css" / "app.css"
        css.write_text(css.read_text() + "\n/* new deploy */\n")
        pwa.build_version.cache_clear()
        assert pwa.build_version() != before
    finally:
        pwa.build_version.cache_clear()


async def test_offline_page_is_public_and_holds_nobody(client: httpx.AsyncClient) -> None:
    await sign_up(client, name="Zarina Secretname")
    signed_in_page = await client.get("/organizer")
    assert "Zarina Secretname" in signed_in_page.text
    response = await client.get("/offline")
    assert response.status_code == 200
    assert "You are offline" in response.text
    # Precached by the worker and shown to whoever holds the phone: nothing personal.
    assert "Zarina Secretname" not in response.text and "/logout" not in response.text
    assert "set-cookie" not in response.headers
    assert 'name="_csrf_token"' not in response.text


async def test_every_page_offers_quick_exit_and_forget(client: httpx.AsyncClient) -> None:
    for path in ("/", "/login", "/offline", "/forget", "/no-such-page"):
        response = await client.get(path, headers={"Accept": "text/html"})
        assert "text/html" in response.headers["content-type"], path
        link = re.search(r'<a class="quick-exit" href="/exit"[^>]*>', response.text)
        assert link, f"no quick exit on {path}"
        assert f'data-quick-exit="{pwa.QUICK_EXIT_URL}"' in link.group(0)
        assert 'rel="noreferrer"' in link.group(0)
        assert 'href="/forget"' in response.text, path
        assert 'rel="manifest" href="/manifest.webmanifest?lang=en"' in response.text, path


async def test_quick_exit_without_javascript_leaves_for_a_neutral_site(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/exit")
    assert response.status_code == 303
    assert response.headers["location"] == pwa.QUICK_EXIT_URL
    assert response.headers["referrer-policy"] == "no-referrer"  # the site learns nothing
    assert response.headers["cache-control"] == "no-store"


async def test_forget_page_explains_and_offers_one_button(client: httpx.AsyncClient) -> None:
    response = await client.get("/forget")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    form = re.search(r'<form method="post" action="/forget"[^>]*>', response.text)
    assert form and "data-forget" in form.group(0) and 'hx-boost="false"' in form.group(0)
    assert 'name="_csrf_token"' in response.text


async def test_forget_without_csrf_token_changes_nothing(client: httpx.AsyncClient) -> None:
    await client.get("/forget")  # has the CSRF cookie, but sends no token
    response = await client.post("/forget", data={})
    assert response.status_code == 403
    assert "clear-site-data" not in response.headers


async def test_forget_clears_site_data_and_ends_the_session(client: httpx.AsyncClient) -> None:
    email = await sign_up(client)
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/organizer")})
    assert (await sign_in(client, email)).status_code == 303
    assert (await client.get("/organizer")).status_code == 200
    session_cookies = dict(client.cookies)

    token = await csrf_token(client, "/forget")
    response = await client.post("/forget", data={"_csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/forget?done=1"
    assert response.headers["clear-site-data"] == CLEAR_SITE_DATA
    assert response.headers["cache-control"] == "no-store"

    # A browser that ignored Clear-Site-Data and kept the old cookie is still signed out.
    client.cookies.clear()
    for name, value in session_cookies.items():
        client.cookies.set(name, value)
    after = await client.get("/organizer")
    assert after.status_code == 303 and after.headers["location"].startswith("/login")
    done = await client.get("/forget?done=1")
    assert "no longer holds anything from Muster" in done.text


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_JS_URL = re.compile(r"javascript:", re.IGNORECASE)
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def test_templates_need_no_unsafe_inline() -> None:
    """The CSP has no 'unsafe-inline': inline script, style and handlers would break."""
    offenders = []
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        if "email" in path.relative_to(TEMPLATE_DIR).parts:
            continue  # mail is read in a mail client, not under our CSP
        text = _JINJA_COMMENT.sub("", path.read_text())
        for pattern in (_INLINE_SCRIPT, _STYLE, _HANDLER, _JS_URL):
            offenders += [
                f"{path.relative_to(TEMPLATE_DIR)}: {m.group(0)}" for m in pattern.finditer(text)
            ]
    assert offenders == []


def test_the_scan_would_catch_inline_code() -> None:
    bad = '<script>alert(1)</script><p style="color:red" onclick="x()"><style>p{}</style>'
    assert _INLINE_SCRIPT.search(bad) and _HANDLER.search(bad)
    assert len(_STYLE.findall(bad)) == 2
    assert not _INLINE_SCRIPT.search('<script src="/static/js/app.js" defer></script>')


def test_scripts_never_block_rendering() -> None:
    base = (TEMPLATE_DIR / "base.html").read_text()
    scripts = re.findall(r"<script\b[^>]*>", base)
    # Except exit-guard.js: on personal pages only, it must run before anything is drawn
    # (Back after a quick exit shows nothing); tiny, precached and cached for a year.
    blocking = [s for s in scripts if not re.search(r"\sdefer\b", s)]
    assert scripts and all("js/exit-guard.js" in s for s in blocking), scripts
    assert len(blocking) <= 1
    assert len(re.findall(r'rel="stylesheet"', base)) == 1  # the one stylesheet


def test_axe_core_is_vendored_for_the_tests_only() -> None:
    listed = {}
    for line in (AXE_VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.lstrip("*")] = digest
    assert len(listed) == 1
    name, digest = next(iter(listed.items()))
    assert re.fullmatch(r"axe-core-4\.\d+\.\d+\.min\.js", name)
    assert hashlib.sha256((AXE_VENDOR / name).read_bytes()).hexdigest() == digest
    # Never served to users: nothing under web/ mentions or ships it.
    assert not list(STATIC_DIR.rglob("axe*"))


def _example(route_path: str) -> str:
    """A concrete path for a route template such as /my/{token:str}/rsvp/{id:uuid}."""
    path = re.sub(r"\{[^}:]+:uuid\}", "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", route_path)
    return re.sub(r"\{[^}:]+(?::[a-z]+)?\}", "t0ken", path)


def test_the_worker_keeps_only_a_volunteers_own_pages(app: Litestar) -> None:
    """Each pattern names pages that exist; none names an organizer page, API or feed."""
    pages = {
        _example(route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute) and "GET" in route.methods
    }
    keep = [re.compile(pattern) for pattern in pwa.KEEP_OFFLINE]
    for pattern in keep:
        assert any(pattern.search(path) for path in pages), f"{pattern.pattern} matches no page"
    kept = {path for path in pages if any(pattern.search(path) for pattern in keep)}
    assert "/my/t0ken" in kept and "/m/t0ken" in kept and "/actions" in kept
    for path in kept:
        assert not path.startswith(("/organizer", "/admin", "/api/", "/feeds/")), path
        assert not path.endswith((".ics", ".csv")), path
    assert not {"/", "/my-signups", "/login", "/offline", "/forget"} & kept
