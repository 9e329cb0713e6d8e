"""'My signups' by email: the same answer for any address, a link only by mail, hashed."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from litestar import Litestar

from server.mail.tables import Outbox
from server.signups import home_links, notices
from server.signups.tables import HomeLink, HomeLinkRequest
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
    stored = await HomeLink.select()
    assert [row["token_hash"] for row in stored] == [hash_secret(token)]
    assert token not in str(stored)
    page = await client.get(f"/my/{token}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert event["title"] in page.text


async def test_a_new_link_never_kills_the_old_and_links_expire(
    client: httpx.AsyncClient,
) -> None:
    """Anyone may ask for anyone's link: that must not break the one they hold."""
    _, event = await published_event(client)
    me = person(1)
    await rsvp(client, event["id"], me)
    old = await home_links.issue(me["email"])
    await _ask(client, me["email"])  # a stranger asks for my link
    await notices.flush()
    new = await home_links.issue(me["email"])
    assert (await client.get(f"/my/{old}")).status_code == 200
    assert (await client.get(f"/my/{new}")).status_code == 200
    await HomeLink.update({HomeLink.created_at: utcnow() - timedelta(days=15)}).where(
        HomeLink.token_hash == hash_secret(old)
    )
    assert (await client.get(f"/my/{old}")).status_code == 404
    assert (await client.get(f"/my/{new}")).status_code == 200


async def test_nobody_can_flood_an_inbox_with_links(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    _, event = await published_event(client)
    me = person(1)
    await rsvp(client, event["id"], me)
    for n in range(2 * home_links.MAILS_PER_DAY):
        # Each from another address, as a botnet would: the per-client rate limit is no help.
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{n}", 5000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as bot:
            assert (await _ask(bot, me["email"])).status_code == 200
    links = [m for m in await mails_to(me["email"]) if m["kind"] == "my_signups_link"]
    assert len(links) == home_links.MAILS_PER_DAY


async def test_the_request_path_never_looks_the_address_up(client: httpx.AsyncClient) -> None:
    """Known or not, the request only queues a sealed row: no volunteer lookup, no mail yet,
    and the stored address is not readable from a copy of the database."""
    _, event = await published_event(client)
    me = person(1)
    await rsvp(client, event["id"], me)
    await notices.flush()
    before = len(await Outbox.select())
    for email in (me["email"], "never-signed-up@example.org"):
        assert (await _ask(client, email)).status_code == 200
    queued = await HomeLinkRequest.select()
    assert len(queued) == 2
    assert all(me["email"] not in str(r) and "never-signed-up" not in str(r) for r in queued)
    assert len(await Outbox.select()) == before  # nothing decided on the request path
    await notices.flush()
    assert await HomeLinkRequest.count() == 0
    assert [m["kind"] for m in await mails_to(me["email"])].count("my_signups_link") == 1
    assert await mails_to("never-signed-up@example.org") == []


async def test_my_page_manages_only_my_own_signups(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client)
    me, other = person(1), person(2)
    await rsvp(client, event["id"], me)
    await rsvp(client, event["id"], other)
    rows = {r["email"]: r for r in await signups_of(event["id"])}
    token = await home_links.issue(me["email"])
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
