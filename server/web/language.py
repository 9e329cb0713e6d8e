"""The reader's language for each request, and the switcher that remembers a choice.

The middleware picks the language (``?lang=`` for that one request, as links in mail
carry it; then the ``lang`` cookie, ``Accept-Language`` and ``DEFAULT_LANGUAGE``:
``i18n.choose``), sets ``i18n.current`` for the handler and its
templates, and labels HTML, calendar and problem answers with ``Content-Language`` and
``Vary: Accept-Language, Cookie`` so no cache hands one reader's language to another.

The switcher is a plain link per language (``/language/ru?next=/events/…``): it works
without JavaScript, sets a cookie that holds the language code and nothing else, and goes
back to the page, never off the site. It is a GET on purpose: it changes nothing on the
server, and a link forged elsewhere can at worst change the language of the pages.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request, get
from litestar.datastructures import Cookie
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server import i18n
from server.web import urls
from server.web.templates import app_settings

_COOKIE = re.compile(rb"(?:^|;)\s*" + i18n.COOKIE.encode() + rb"=([A-Za-z]{2,3})\s*(?:;|$)")
_LABELLED = (b"text/html", b"application/problem+json", b"text/calendar")
_VARY = ("Accept-Language", "Cookie")
ONE_YEAR = 365 * 24 * 3600


_QUERY = re.compile(rb"(?:^|&)lang=([A-Za-z]{2,3})(?:&|$)")


def _choose(scope: Scope) -> str:
    # ``?lang=`` (links in mail carry the recipient's language) speaks for this request only.
    asked = _QUERY.search(scope.get("query_string", b""))
    if asked and asked.group(1).decode("ascii").lower() in i18n.LANGUAGES:
        return asked.group(1).decode("ascii").lower()
    cookie: str | None = None
    accept: str | None = None
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            match = _COOKIE.search(value)
            if match:
                cookie = match.group(1).decode("ascii").lower()
        elif name == b"accept-language":
            accept = value.decode("latin-1")
    return i18n.choose(cookie, accept)


def _with_vary(headers: list[tuple[bytes, bytes]], language: str) -> list[tuple[bytes, bytes]]:
    vary = [value for name, value in headers if name == b"vary"]
    tokens = [t.strip() for v in vary for t in v.decode("latin-1").split(",") if t.strip()]
    lowered = {t.lower() for t in tokens}
    tokens += [t for t in _VARY if t.lower() not in lowered]
    kept = [(n, v) for n, v in headers if n not in (b"vary", b"content-language")]
    return [
        *kept,
        (b"vary", ", ".join(tokens).encode("latin-1")),
        (b"content-language", language.encode("ascii")),
    ]


def language_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        language = _choose(scope)
        token = i18n.current.set(language)
        # Public feeds speak ``?lang=`` only (feeds.feed_language): they vary by URL alone.
        labelled_kinds = _LABELLED[:2] if scope["path"].startswith("/feeds/") else _LABELLED

        async def labelled(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                kind = next((v for n, v in headers if n == b"content-type"), b"")
                if kind.startswith(labelled_kinds):
                    message = {**message, "headers": _with_vary(headers, language)}
            await send(message)

        try:
            await app(scope, receive, labelled)
        finally:
            i18n.current.reset(token)

    return middleware


@get("/language/{code:str}", include_in_schema=False, opt={"exclude_from_csrf": True})
async def choose_language(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    next_path: Annotated[str | None, QueryParameter(name="next")] = None,
) -> Redirect:
    """Remember ``code`` (a cookie with the code alone) and go back to the page."""
    response = Redirect(urls.safe_next(next_path) or "/", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if code in i18n.LANGUAGES:
        response.cookies.append(language_cookie(code, app_settings(request).https))
    return response


def language_cookie(code: str, https: bool) -> Cookie:
    """The remembered choice: the language code and nothing else, for a year."""
    return Cookie(
        key=i18n.COOKIE,
        value=code,
        max_age=ONE_YEAR,
        path="/",
        httponly=True,
        samesite="lax",
        secure=https,
    )


ROUTES = [choose_language]
