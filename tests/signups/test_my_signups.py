"""'My signups' by email: the same answer for any address, a link only by mail, hashed."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from server.signups import service
from server.signups.tables import Volunteer
from server.tokens import hash_secret, utcnow
from tests.conftest import csrf_token
from tests.signups.helpers import HOME_LINK, mails_to, person, published_event, rsvp, signups_of


async def _ask(client: httpx.AsyncClient, email: str) -> httpx.Response:
    token = await csrf_token(client, "/my-signups")
    return await client.post("/my-signups", data={"email": email, "_csrf_token": token})


def _visible(html: str) -> str:
    """The page without its per-request CSRF token."""
    return re.sub(r'value="[^"]*"', "", html)


async def test_same_answer_whether_or_not_the_address_is_known(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client)
    me = person(1)
    await rsvp(client, event["id"], me)
    known = await _ask(client, me["email"])
    unknown = await _ask(client, "nobody-here@example.org")
    assert known.status_code == unknown.status_code == 200
    assert _visible(known.text) == _visible(unknown.text)
    assert "we have emailed it a link" in known.text
    assert known.headers["cache-control"] == "no-store"
    assert await mails_to("nobody-here@example.org") == []
    links = [m for m in await mails_to(me["email"]) if m["kind"] == "my_signups_link"]
    assert len(links) == 1
    token = HOME_LINK.search(links[0]["text_body"]).group(1)  # type: ignore[union-attr]
    assert len(token) >= 22  # >= 128 bits
    # Stored hashed only.
    row = await Volunteer.select().where(Volunteer.email == me["email"]).first()
    assert row is not None
    assert row["home_token_hash"] == hash_secret(token)
    assert token not in str(row)
    page = await client.get(f"/my/{token}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert event["title"] in page.text


async def test_a_new_link_replaces_the_old_and_links_expire(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client)
    me = person(1)
    await rsvp(client, event["id"], me)
    old = await service.issue_home_link(me["email"])
    new = await service.issue_home_link(me["email"])
    assert (await client.get(f"/my/{old}")).status_code == 404
    assert (await client.get(f"/my/{new}")).status_code == 200
    await Volunteer.update({Volunteer.home_token_at: utcnow() - timedelta(days=15)}).where(
        Volunteer.email == me["email"]
    )
    assert (await client.get(f"/my/{new}")).status_code == 404


async def test_my_page_manages_only_my_own_signups(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client)
    me, other = person(1), person(2)
    await rsvp(client, event["id"], me)
    await rsvp(client, event["id"], other)
    rows = {r["email"]: r for r in await signups_of(event["id"])}
    token = await service.issue_home_link(me["email"])
    mine = f"/my/{token}/rsvp/{rows[me['email']]['id']}"
    theirs = f"/my/{token}/rsvp/{rows[other['email']]['id']}"
    assert (await client.get(mine)).status_code == 200
    assert (await client.get(theirs)).status_code == 404
    csrf = await csrf_token(client, mine)
    refused = await client.post(f"{theirs}/cancel", data={"_csrf_token": csrf})
    assert refused.status_code == 404
    cancelled = await client.post(f"{mine}/cancel", data={"_csrf_token": csrf})
    assert cancelled.status_code == 303
    after = {r["email"]: r["status"] for r in await signups_of(event["id"])}
    assert after == {me["email"]: "cancelled", other["email"]: "going"}


async def test_bad_address_is_named_and_the_request_is_rate_limited(
    client: httpx.AsyncClient,
) -> None:
    bad = await _ask(client, "not an email")
    assert bad.status_code == 422 and 'id="my-email-error"' in bad.text
    codes = [(await _ask(client, f"x{n}@example.org")).status_code for n in range(6)]
    assert codes[-1] == 429
