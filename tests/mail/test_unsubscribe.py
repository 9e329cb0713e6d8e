"""One-click unsubscribe (RFC 8058): a POST with no login and no CSRF; a GET changes nothing."""

from __future__ import annotations

import re
from collections import Counter

import httpx

from server.mail import notices, sealed, service, unsubscribe
from server.mail.tables import Outbox, Suppression, UnsubscribeToken
from server.tokens import hash_secret
from tests.mail.conftest import published_event, volunteer


def token_of(url: str) -> str:
    match = re.fullmatch(r"http://testserver/unsubscribe/([A-Za-z0-9_\-]+)", url)
    assert match, url
    return match.group(1)


async def reminder_link() -> tuple[str, dict]:
    _, event = await published_event()
    await notices.set_reminders(event, volunteer(1))
    await notices.send_rsvp_confirmation(event, volunteer(1))
    found = await Outbox.select().where(Outbox.kind == "reminder").first()
    assert found is not None
    row = sealed.opened(found)
    header = service.json.loads(row["headers"])["List-Unsubscribe"]
    url = header.strip("<>")
    assert url in row["text_body"] and url in row["html_body"]
    return url, event


async def test_get_shows_a_button_and_changes_nothing(client: httpx.AsyncClient) -> None:
    url, _ = await reminder_link()
    page = await client.get(url.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert 'method="post"' in page.text and f'action="/unsubscribe/{token_of(url)}"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert await Suppression.count() == 0
    assert Counter(r["status"] for r in await Outbox.select(Outbox.status)) == {"queued": 3}


async def test_one_click_post_needs_no_login_or_csrf_and_stops_reminders_and_broadcasts(
    client: httpx.AsyncClient,
) -> None:
    url, event = await reminder_link()
    path = url.removeprefix("http://testserver")
    # Exactly what a mail provider sends (RFC 8058 section 3.2): no cookies, no token.
    answer = await client.post(
        path,
        content="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    assert "You are unsubscribed" in answer.text
    assert await Suppression.count() == 1
    statuses = {(r["kind"], r["status"]) for r in await Outbox.select(Outbox.kind, Outbox.status)}
    assert statuses == {("reminder", "dropped"), ("rsvp_confirmation", "queued")}
    # Later reminders and broadcasts are not even queued; other mail still is.
    assert await notices.set_reminders(event, volunteer(1)) == 0
    sent = await notices.broadcast(
        event, [volunteer(1), volunteer(2)], subject="s", body="b", sender_name="S",
        broadcast_id="after",
    )  # fmt: skip
    assert sent == 1
    assert await notices.send_rsvp_confirmation(event, volunteer(1), key="again")
    # A second post (providers retry) is just as fine.
    assert (await client.post(path)).status_code == 200


async def test_an_unknown_token_is_404_for_get_and_post(client: httpx.AsyncClient) -> None:
    await reminder_link()
    assert (await client.get("/unsubscribe/not-a-real-token-at-all-0123456789")).status_code == 404
    answer = await client.post("/unsubscribe/not-a-real-token-at-all-0123456789")
    assert answer.status_code == 404
    assert await Suppression.count() == 0


async def test_tokens_are_random_and_stored_hashed() -> None:
    first = token_of(await unsubscribe.unsubscribe_url("a@example.org"))
    second = token_of(await unsubscribe.unsubscribe_url("a@example.org"))
    assert first != second and len(first) >= 43  # 256 bits, URL-safe
    stored = {r["token_hash"] for r in await UnsubscribeToken.select(UnsubscribeToken.token_hash)}
    assert stored == {hash_secret(first), hash_secret(second)}
    assert first not in str(await UnsubscribeToken.select())


async def test_other_posts_still_need_csrf(client: httpx.AsyncClient) -> None:
    """Only the unsubscribe route is exempt."""
    answer = await client.post("/logout")
    assert answer.status_code == 403
