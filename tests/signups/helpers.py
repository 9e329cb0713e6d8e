"""Set-ups for the signups tests: a published event, RSVPs, the links mail carries."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx

from server.mail import sealed
from server.mail.tables import Outbox
from server.signups import notices
from server.signups.tables import Shift, Signup
from server.tokens import utcnow
from tests.events.helpers import Member, create_event, member_with_org

MANAGE_LINK = re.compile(r"http://testserver/m/([A-Za-z0-9_\-]+)")
HOME_LINK = re.compile(r"http://testserver/my/([A-Za-z0-9_\-]+)")


def soon(days: int = 14, hour: int = 18) -> str:
    """A local wall-clock time ``days`` from now (the event's zone applies)."""
    day = (utcnow() + timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:00:00"


async def published_event(
    client: httpx.AsyncClient, member: Member | None = None, **overrides: Any
) -> tuple[Member, dict[str, Any]]:
    member = member or await member_with_org()
    body = {"starts_at": soon(), "ends_at": soon(hour=20), **overrides}
    event = await create_event(client, member, publish=True, **body)
    return member, event


async def add_shift(
    client: httpx.AsyncClient, member: Member, event_id: str, **overrides: Any
) -> dict[str, Any]:
    body = {"role": "Marshal", "starts_at": soon(hour=17), "ends_at": soon(hour=19)}
    body.update(overrides)
    response = await client.post(
        f"/api/v1/events/{event_id}/shifts", json=body, headers=member.bearer
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def person(n: int | str = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "display_name": f"Volunteer {n}",
        "email": f"volunteer-{n}-{uuid.uuid4().hex[:6]}@example.org",
    }
    body.update(overrides)
    return body


async def api_csrf(client: httpx.AsyncClient) -> dict[str, str]:
    """The CSRF header an API client sends with a cookie-based write, as the README says:
    ``GET /api/v1/csrf`` (the client keeps the cookie it sets), then its token."""
    answer = await client.get("/api/v1/csrf")
    assert answer.status_code == 200, answer.text
    found: dict[str, str] = answer.json()
    return {found["header"]: found["token"]}


async def rsvp(
    client: httpx.AsyncClient, event_id: str, body: dict[str, Any] | None = None, **overrides: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/events/{event_id}/signups",
        json=body or person(**overrides),
        headers=await api_csrf(client),
    )


async def confirm(client: httpx.AsyncClient, email: str) -> httpx.Response:
    """Press "Confirm my place" from the newest link mailed to ``email`` (the API way)."""
    token = await manage_token(email)
    return await client.post("/api/v1/signups/manage/confirm", headers={"X-Manage-Token": token})


async def rsvp_confirmed(
    client: httpx.AsyncClient, event_id: str, body: dict[str, Any] | None = None, **overrides: Any
) -> httpx.Response:
    """An RSVP and its confirmation from the email: what a real volunteer does where
    places are counted. Returns the confirmation's answer (its ``status`` is the place)."""
    body = body or person(**overrides)
    answer = await rsvp(client, event_id, body)
    assert answer.status_code == 201, answer.text
    if answer.json()["status"] != "unconfirmed":
        return answer
    confirmed = await confirm(client, body["email"])
    assert confirmed.status_code == 200, confirmed.text
    return confirmed


async def last_mail(email: str) -> dict[str, Any]:
    await notices.flush()
    rows = (
        await Outbox.select()
        .where(Outbox.recipient == email.lower())
        .order_by(Outbox.created_at, ascending=False)
    )
    assert rows, f"no mail queued for {email}"
    return sealed.opened(rows[0])  # bodies are sealed at rest (mail/sealed.py)


async def mails_to(email: str) -> list[dict[str, Any]]:
    """Mail queued for ``email``, after composing what signups still owe (``notices``)."""
    await notices.flush()
    rows: list[dict[str, Any]] = (
        await Outbox.select().where(Outbox.recipient == email.lower()).order_by(Outbox.created_at)
    )
    return [sealed.opened(row) for row in rows]  # bodies are sealed at rest (mail/sealed.py)


async def manage_token(email: str) -> str:
    """The secret of the newest manage link mailed to ``email``."""
    for row in reversed(await mails_to(email)):
        match = MANAGE_LINK.search(row["text_body"])
        if match:
            return match.group(1)
    raise AssertionError(f"no manage link mailed to {email}")


async def signups_of(event_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Signup.select(*Signup.all_columns(), Signup.volunteer.email.as_alias("email"))
        .where(Signup.event == uuid.UUID(event_id))
        .order_by(Signup.created_at)
    )
    return rows


async def statuses(event_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in await signups_of(event_id):
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


async def shift_count() -> int:
    return int(await Shift.count())


async def export_csv(client: httpx.AsyncClient, event_id: str, **filters: str) -> httpx.Response:
    """Press "Download CSV" on the attendee list (a POST with the page's CSRF token)."""
    from tests.conftest import csrf_token

    token = await csrf_token(client, f"/organizer/events/{event_id}/attendees")
    return await client.post(
        f"/organizer/events/{event_id}/attendees/export.csv",
        data={"_csrf_token": token, **filters},
    )
