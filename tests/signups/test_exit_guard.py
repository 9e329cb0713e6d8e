"""Personal pages carry the quick-exit guard (issue 12, item 12); public pages do not.

The browser test (tests/e2e/test_quick_exit_history.py) shows what the guard does; this
checks, without a browser, which pages load it and that it can run before paint.
"""

from __future__ import annotations

import re

import httpx
import pytest

GUARD = re.compile(r'<script src="/static/js/exit-guard\.js[^"]*" data-exit-to="([^"]+)"></script>')


@pytest.mark.parametrize(
    "path", ["/m/" + "x" * 43, "/my/" + "x" * 43, "/my/" + "x" * 43 + "/rsvp/" + "0" * 32]
)
async def test_personal_pages_load_the_guard_first_and_are_not_stored(
    client: httpx.AsyncClient, path: str
) -> None:
    page = await client.get(path)  # unknown secrets: the same page shell, a 404
    found = GUARD.search(page.text)
    assert found, path
    assert found.group(1) == "https://www.wikipedia.org/"
    head = page.text.split("</head>")[0]
    assert head.index("exit-guard.js") < head.index("app.js")  # before paint, no defer
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/actions", "/my-signups", "/login"])
async def test_public_pages_do_without_it(client: httpx.AsyncClient, path: str) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    assert "exit-guard.js" not in page.text
