"""Set-ups shared by the events tests: organizers, approved organizations, clients.

Accounts are made with the accounts service directly; API clients carry a bearer token
(no CSRF needed), page clients sign in through the real ``/login`` form.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from server.accounts import api_tokens, approvals, members
from server.accounts import service as accounts
from server.accounts.service import OrganizerView
from server.tokens import utcnow
from tests.conftest import csrf_token, unique_email

PASSWORD = "events-test-password"


@dataclass
class Member:
    who: OrganizerView
    email: str
    org_id: uuid.UUID
    token: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def new_organizer(name: str = "Ada Organizer") -> tuple[OrganizerView, str]:
    email = unique_email()
    who = await accounts.register_organizer(email, PASSWORD, name)
    return who, email


async def approve(org_id: uuid.UUID) -> None:
    admin, _ = await accounts.make_admin(unique_email("admin"), PASSWORD)
    await approvals.approve_organization(admin, org_id, "Known group (test)")


async def member_with_org(*, approved: bool = True, name: str = "Test Group") -> Member:
    """An organizer who owns a new organization (approved unless told otherwise)."""
    who, email = await new_organizer()
    org = await accounts.create_organization(who, name)
    if approved:
        await approve(org.id)
    _, token = await api_tokens.create(who, "tests")
    return Member(who, email, org.id, token)


async def add_member(owner: Member, role: str) -> Member:
    """Another organizer in ``owner``'s organization with ``role`` (via a real invitation)."""
    who, email = await new_organizer("Second Person")
    invitation = await members.invite(owner.who, owner.org_id, email, role)
    await members.accept_invitation(who, invitation.secret)
    _, token = await api_tokens.create(who, "tests")
    return Member(who, email, owner.org_id, token)


def event_json(**overrides: Any) -> dict[str, Any]:
    """A valid event in Berlin at 18:00 local time on 5 December 2026 (winter, CET)."""
    body: dict[str, Any] = {
        "title": "Vigil for Chechnya",
        "starts_at": "2026-12-05T18:00:00",
        "ends_at": "2026-12-05T20:00:00",
        "city": "Berlin",
        "country": "DE",
        "venue_name": "Pariser Platz",
        "address": "Pariser Platz 1, 10117 Berlin",
    }
    body.update(overrides)
    return body


def event_form(**overrides: str) -> dict[str, str]:
    """The same event as the organizer's HTML form sends it (datetime-local, text)."""
    # A month ahead: the form refuses a past start unless told it records a past event.
    day = (utcnow() + timedelta(days=30)).date().isoformat()
    body = {
        "title": "Vigil for Chechnya",
        "kind": "vigil",
        "starts_at": f"{day}T18:00",
        "ends_at": f"{day}T20:00",
        "timezone": "",
        "venue_name": "Pariser Platz",
        "address": "Pariser Platz 1, 10117 Berlin",
        "city": "Berlin",
        "country": "DE",
        "lat": "",
        "lon": "",
        "address_visibility": "public",
        "visibility": "public",
        "capacity": "",
        "online_url": "",
        "description": "",
        "description_format": "plain",
    }
    body.update(overrides)
    return body


async def create_event(
    client: httpx.AsyncClient, member: Member, *, publish: bool = False, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/organizations/{member.org_id}/events",
        json=event_json(**overrides),
        headers=member.bearer,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    if publish:
        published = await client.post(f"/api/v1/events/{body['id']}/publish", headers=member.bearer)
        assert published.status_code == 200, published.text
        body = published.json()
    return body


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    """Sign in through the real login form; the client keeps the session cookie."""
    token = await csrf_token(client, "/login")
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "_csrf_token": token}
    )
    assert response.status_code == 303, response.text


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, str] | None = None
) -> httpx.Response:
    """Open ``page`` for its CSRF token, then post ``data`` to ``action`` like its form."""
    token = await csrf_token(client, page)
    return await client.post(action, data={**(data or {}), "_csrf_token": token})


ClientFactory = Callable[[], httpx.AsyncClient]
