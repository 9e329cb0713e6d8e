"""CSRF on the volunteer API: the anonymous RSVP needs the token like every cookie-based
write (a client gets it from ``GET /api/v1/csrf``); a manage request's
``X-Manage-Token`` header is its own proof and needs none; nothing else skips the check.
The crawl over every route is tests/privacy/test_csrf_crawl.py."""

from __future__ import annotations

from typing import Any

import httpx

from server.mail.tables import Outbox
from server.signups import service
from server.signups.tables import Signup, Volunteer
from tests.signups.helpers import person, published_event, rsvp, signups_of

CSRF_REJECTION = "CSRF token verification failed"


def _refused(answer: httpx.Response) -> bool:
    return (
        answer.status_code == 403
        and answer.headers["content-type"].startswith("application/problem+json")
        and answer.json()["title"] == CSRF_REJECTION
    )


async def test_an_rsvp_without_the_token_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, client_factory: Any
) -> None:
    _, event = await published_event(client)
    path = f"/api/v1/events/{event['id']}/signups"
    async with client_factory() as volunteer, client_factory() as other:
        assert _refused(await volunteer.post(path, json=person(1)))
        # A real token, but of another client: it does not match this client's cookie.
        theirs = (await other.get("/api/v1/csrf")).json()["token"]
        assert _refused(await volunteer.post(path, json=person(2), headers={"x-csrftoken": theirs}))
        # Nor does a token without any cookie (this client has none yet).
        assert not volunteer.cookies
        assert await Signup.count() == 0 and await Volunteer.count() == 0
        assert await Outbox.count() == 0

        given = await volunteer.get("/api/v1/csrf")
        assert given.status_code == 200 and given.headers["cache-control"] == "no-store"
        body = given.json()
        assert body["header"] == "x-csrftoken" and len(body["token"]) > 64
        assert volunteer.cookies["csrftoken"] == body["token"]
        again = await volunteer.get("/api/v1/csrf")  # the same while the cookie lasts
        assert again.json()["token"] == body["token"] and "set-cookie" not in again.headers
        ok = await volunteer.post(path, json=person(3), headers={"x-csrftoken": body["token"]})
        assert ok.status_code == 201, ok.text
    assert await Signup.count() == 1


async def _going_signup(client: httpx.AsyncClient) -> tuple[str, str]:
    _, event = await published_event(client, max_guests=2)
    me = person(1)
    assert (await rsvp(client, event["id"], me)).status_code == 201
    row = next(r for r in await signups_of(event["id"]) if r["email"] == me["email"])
    return event["id"], await service.issue_manage_link(row["id"])


async def test_the_manage_token_header_is_its_own_proof(
    client: httpx.AsyncClient, client_factory: Any
) -> None:
    """No cookie at all, no CSRF token: the secret from the email is the authority."""
    event_id, token = await _going_signup(client)
    async with client_factory() as phone:
        headers = {"X-Manage-Token": token}
        changed = await phone.patch("/api/v1/signups/manage", json={"guests": 2}, headers=headers)
        assert changed.status_code == 200, changed.text
        assert changed.json()["guests"] == 2
        gone = await phone.delete("/api/v1/signups/manage", headers=headers)
        assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
        assert not phone.cookies  # it never had, nor needed, a CSRF cookie
    assert [r["status"] for r in await signups_of(event_id)] == ["cancelled"]


async def test_manage_writes_without_any_token_are_refused(
    client: httpx.AsyncClient, client_factory: Any
) -> None:
    event_id, _ = await _going_signup(client)
    async with client_factory() as stranger:
        await stranger.get("/api/v1/csrf")  # holding the CSRF cookie alone is not enough
        for headers in ({}, {"X-Manage-Token": ""}):
            patched = await stranger.patch(
                "/api/v1/signups/manage", json={"guests": 2}, headers=headers
            )
            assert _refused(patched), patched.text
            assert _refused(await stranger.delete("/api/v1/signups/manage", headers=headers))
    [row] = await signups_of(event_id)
    assert row["status"] == "going" and row["guests"] == 0


async def test_openapi_tells_clients_about_the_token(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    post = paths["/api/v1/events/{event_id}/signups"]["post"]
    assert "403" in post["responses"] and "/api/v1/csrf" in post["description"]
    for method in ("patch", "delete"):
        assert "403" in paths["/api/v1/signups/manage"][method]["responses"], method
    token = paths["/api/v1/csrf"]["get"]
    assert "200" in token["responses"] and "keep the cookie" in token["description"]
