"""Browser-like helpers for the accounts tests: fill in a page's form, sign up, sign in."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from server.mail import sealed
from server.mail.tables import Outbox
from tests.conftest import csrf_token, unique_email

PASSWORD = "correct horse battery"


async def submit(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, Any] | None = None
) -> httpx.Response:
    """Open ``page``, take the CSRF token from its form and post ``data`` to ``action``."""
    token = await csrf_token(client, page)
    return await client.post(action, data={**(data or {}), "_csrf_token": token})


async def sign_up(
    client: httpx.AsyncClient,
    email: str | None = None,
    name: str = "Ada Organizer",
    password: str = PASSWORD,
    next_path: str | None = None,
) -> str:
    email = email or unique_email()
    data = {"email": email, "display_name": name, "password": password}
    if next_path:
        data["next"] = next_path
    response = await submit(client, "/signup", "/signup", data)
    assert response.status_code == 200, response.text
    assert 'id="signup-sent"' in response.text
    link = await mailed_link(email, SIGNUP_LINK)
    done = await submit(client, link, link)
    assert done.status_code == 303, done.text
    return email


SIGNUP_LINK = re.compile(r"http://testserver(/signup/confirm/[A-Za-z0-9_\-]+)")


async def mails_to(email: str) -> list[dict[str, Any]]:
    """Every message queued for ``email``, oldest first, bodies opened."""
    rows = (
        await Outbox.select().where(Outbox.recipient == email.lower()).order_by(Outbox.created_at)
    )
    return [sealed.opened(row) for row in rows]


async def mailed_link(email: str, pattern: re.Pattern[str]) -> str:
    """The path of the newest link matching ``pattern`` mailed to ``email``."""
    for row in reversed(await mails_to(email)):
        found = pattern.search(row["text_body"])
        if found:
            return found.group(1)
    raise AssertionError(f"no such link mailed to {email}")


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, next_path: str = ""
) -> httpx.Response:
    data = {"email": email, "password": password}
    if next_path:
        data["next"] = next_path
    return await submit(client, "/login", "/login", data)


async def create_org(client: httpx.AsyncClient, name: str = "Rainbow Railroad Berlin") -> uuid.UUID:
    response = await submit(client, "/organizer", "/organizer/orgs", {"name": name})
    assert response.status_code == 303, response.text
    return uuid.UUID(response.headers["location"].rsplit("/", 1)[-1])


async def api_csrf(client: httpx.AsyncClient) -> dict[str, str]:
    """The header a signed-in browser's htmx/fetch call sends with an API write."""
    return {"x-csrftoken": await csrf_token(client, "/organizer")}
