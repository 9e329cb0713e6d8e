"""The manage page names its event in the title (kept pages are listed by title on the
phone), except for a discreet event, whose title stays out of the browser's history."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.signups.helpers import manage_token, person, published_event, rsvp_confirmed

TITLE = re.compile(r"<title>(.*?)</title>", re.S)


async def _manage_title(client: httpx.AsyncClient, **event: Any) -> str:
    _, made = await published_event(client, title="Vigil for Chechnya", **event)
    body = person()
    await rsvp_confirmed(client, made["id"], body)
    page = await client.get(f"/m/{await manage_token(body['email'])}")
    assert page.status_code == 200
    found = TITLE.search(page.text)
    assert found
    return found.group(1)


async def test_the_title_names_the_event(client: httpx.AsyncClient) -> None:
    assert "Your RSVP: Vigil for Chechnya" in await _manage_title(client)


async def test_a_discreet_event_keeps_its_title_out(client: httpx.AsyncClient) -> None:
    title = await _manage_title(client, discreet=True)
    assert "Vigil" not in title and "Your RSVP" in title
