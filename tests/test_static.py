"""Static files: vendored code is what we checked in, cached long, and nothing leaves our origin."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from server.web.templates import STATIC_DIR, TEMPLATE_DIR

VENDOR = STATIC_DIR / "vendor"
ONE_YEAR = 31536000

# Attributes that make a browser fetch or navigate to a URL.
URL_ATTRIBUTES = {
    "src",
    "href",
    "action",
    "formaction",
    "srcset",
    "poster",
    "data",
    "manifest",
    "hx-get",
    "hx-post",
    "hx-put",
    "hx-patch",
    "hx-delete",
}
_NAMES = "|".join(re.escape(a) for a in sorted(URL_ATTRIBUTES))
TEMPLATE_ATTRIBUTE = re.compile(
    rf"""(?<![\w-])({_NAMES})\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE
)
OTHER_ORIGIN = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:|//|\\\\)", re.IGNORECASE)
# Schemes that stay on the device or in the page: allowed.
# Links the phone hands to its own apps (mail, dialler, map): no request to anyone.
HARMLESS_SCHEMES = ("mailto:", "tel:", "geo:", "data:")


def _urls(value: str, attribute: str) -> list[str]:
    if attribute.lower() == "srcset":
        return [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
    return [value]


def _foreign(url: str) -> bool:
    """True for URLs that leave our origin (other host, protocol-relative, javascript:)."""
    return bool(OTHER_ORIGIN.match(url)) and not url.strip().lower().startswith(HARMLESS_SCHEMES)


def test_vendored_files_match_their_checksums() -> None:
    listed: dict[str, str] = {}
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            listed[name.lstrip("*")] = digest
    assert listed, "SHA256SUMS lists nothing"
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    shipped = {p.name for p in VENDOR.iterdir() if p.is_file()} - {"SHA256SUMS", "README.md"}
    assert shipped == set(listed), "every vendored file needs a checksum"
    assert any(re.fullmatch(r"htmx-2\.0\.\d+\.min\.js", name) for name in listed)  # htmx 2, not 4


def test_templates_reference_only_our_origin() -> None:
    templates = sorted(TEMPLATE_DIR.rglob("*.html"))
    assert templates
    offenders = []
    for path in templates:
        text = path.read_text()
        for match in TEMPLATE_ATTRIBUTE.finditer(text):
            attribute = match.group(1)
            value = next(v for v in match.groups()[1:] if v is not None)
            offenders += [
                f"{path.relative_to(TEMPLATE_DIR)}: {attribute}={url}"
                for url in _urls(value, attribute)
                if _foreign(url)
            ]
    assert offenders == []


def test_the_scan_would_catch_a_cdn() -> None:
    """The check above is only worth something if it recognises what it forbids."""
    bad = '<script src="https://unpkg.com/htmx.org"></script><link href=//fonts.example/x.css>'
    found = [m.group(2) or m.group(4) for m in TEMPLATE_ATTRIBUTE.finditer(bad)]
    assert [u for u in found if _foreign(u)] == [
        "https://unpkg.com/htmx.org",
        "//fonts.example/x.css",
    ]
    assert not _foreign("/static/css/app.css?v=1") and not _foreign("mailto:a@example.org")
    assert _foreign("javascript:alert(1)")


def test_stylesheets_and_scripts_load_nothing_from_elsewhere() -> None:
    for path in [*STATIC_DIR.rglob("*.css"), *(STATIC_DIR / "js").rglob("*.js")]:
        text = path.read_text()
        assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", text), path
        assert not re.search(r"fetch\(\s*['\"]https?://", text), path


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                self.urls += [(tag, name, url) for url in _urls(value, name)]


async def test_base_page_assets_are_same_origin_versioned_and_cached_long(
    client: httpx.AsyncClient,
) -> None:
    # The error page extends base.html, like every page.
    page = await client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    parser = _Links()
    parser.feed(page.text)
    assert parser.urls
    foreign = [url for _, _, url in parser.urls if _foreign(url) or urlsplit(url).netloc]
    assert foreign == []

    # The web app manifest lives at its public contract URL (/manifest.webmanifest), in
    # the page's language.
    assets = [
        url
        for tag, _, url in parser.urls
        if tag in ("script", "link") and not url.startswith("/manifest.webmanifest?lang=")
    ]
    assert any("/static/vendor/htmx-2.0" in url for url in assets)
    for url in assets:
        assert url.startswith("/static/") and "?v=" in url, url  # content-versioned
        response = await client.get(url)
        assert response.status_code == 200, url
        cache = response.headers["cache-control"]
        assert f"max-age={ONE_YEAR}" in cache and "public" in cache, (url, cache)
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_static_answers_with_the_right_types(client: httpx.AsyncClient) -> None:
    expectations = {"css/app.css": "text/css", "js/app.js": "javascript"}
    htmx = next(VENDOR.glob("htmx-*.min.js"))
    expectations[f"vendor/{htmx.name}"] = "javascript"
    for relative, kind in expectations.items():
        response = await client.get(f"/static/{relative}")
        assert response.status_code == 200
        assert kind in response.headers["content-type"]
        assert response.content == Path(STATIC_DIR / relative).read_bytes()
    assert (await client.get("/static/../server/settings.py")).status_code == 404
