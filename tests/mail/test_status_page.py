"""Failed mail shows on the organizer's event (members only: it holds addresses)."""

from __future__ import annotations

import httpx

from server.mail import service
from server.settings import Settings
from tests.events.helpers import member_with_org, sign_in
from tests.mail.conftest import new_worker, published_event
from tests.mail.smtp import Sink


async def test_failures_are_shown_to_members_only(
    settings: Settings, sink: Sink, client_factory: object
) -> None:
    member, event = await published_event()
    for n, address in enumerate(["ok@example.org", "gone@example.org"]):
        await service.queue(
            to=address, kind="event_changed", subject="s", text="t", html=None,
            idempotency_key=f"k{n}", event_id=event["id"],
        )  # fmt: skip
    sink.recorder.refused.add("gone@example.org")
    worker = new_worker(settings, sink.port)
    await worker.drain()
    await worker.transport.close()
    path = f"/organizer/events/{event['id']}/mail-status"

    async with client_factory() as anonymous:  # type: ignore[operator]
        answer = await anonymous.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")

    stranger = await member_with_org(name="Other Group")
    async with client_factory() as other:  # type: ignore[operator]
        await sign_in(other, stranger.email)
        answer = await other.get(path)
        assert answer.status_code == 404 and "gone@example.org" not in answer.text

    async with client_factory() as own:  # type: ignore[operator]
        await sign_in(own, member.email)
        page = await own.get(path)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "gone@example.org" in page.text and "550" in page.text
        assert "ok@example.org" not in page.text  # delivered mail is only counted
        assert "Sent: 1" in page.text and "Not delivered: 1" in page.text
        fragment = await own.get(path, headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert 'id="mail-status"' in fragment.text and "gone@example.org" in fragment.text
        assert "HX-Request" in fragment.headers["vary"].split(", ")


async def test_an_event_without_mail_says_so(client: httpx.AsyncClient) -> None:
    member, event = await published_event()
    await sign_in(client, member.email)
    page = await client.get(f"/organizer/events/{event['id']}/mail-status")
    assert page.status_code == 200 and "No email has been sent for this event yet." in page.text
