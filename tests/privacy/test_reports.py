"""Anyone can flag a public event as suspicious; admins see open reports and close them."""

from __future__ import annotations

from typing import Any

import httpx

from server.accounts import service as accounts
from server.privacy.tables import Report
from tests.accounts.helpers import PASSWORD, sign_in, submit
from tests.conftest import csrf_token, unique_email
from tests.events.helpers import create_event, member_with_org


async def _public_event(client: httpx.AsyncClient) -> dict[str, Any]:
    owner = await member_with_org()
    return await create_event(client, owner, publish=True, title="Vigil at the embassy")


async def test_event_page_links_to_the_report_form(client: httpx.AsyncClient) -> None:
    event = await _public_event(client)
    page = await client.get(f"/events/{event['id']}")
    assert f'href="/events/{event["id"]}/report"' in page.text


async def test_report_is_stored_without_the_reporter(client: httpx.AsyncClient) -> None:
    event = await _public_event(client)
    path = f"/events/{event['id']}/report"
    form = await client.get(path)
    assert form.status_code == 200
    assert "Vigil at the embassy" in form.text
    response = await submit(client, path, path, {"reason": "trap", "details": "Odd contact"})
    assert response.status_code == 303
    assert (await client.get(response.headers["location"])).status_code == 200
    rows = await Report.select()
    assert len(rows) == 1
    assert rows[0]["reason"] == "trap"
    assert rows[0]["details"] == "Odd contact"
    assert "203.0.113.7" not in str(rows[0])  # the client address is not kept
    assert "set-cookie" not in response.headers or "session" not in response.headers["set-cookie"]


async def test_bad_input_is_refused_inline(client: httpx.AsyncClient) -> None:
    event = await _public_event(client)
    path = f"/events/{event['id']}/report"
    response = await submit(client, path, path, {"reason": "nope", "details": "x" * 2001})
    assert response.status_code == 422
    assert 'id="reason-error"' in response.text
    assert 'id="details-error"' in response.text
    assert await Report.count() == 0


async def test_needs_csrf(client: httpx.AsyncClient) -> None:
    event = await _public_event(client)
    response = await client.post(f"/events/{event['id']}/report", data={"reason": "trap"})
    assert response.status_code == 403
    assert await Report.count() == 0


async def test_only_public_events_can_be_reported(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    draft = await create_event(client, owner)
    path = f"/events/{draft['id']}/report"
    assert (await client.get(path)).status_code == 404
    token = await csrf_token(client, "/login")
    response = await client.post(path, data={"reason": "trap", "_csrf_token": token})
    assert response.status_code == 404
    assert await Report.count() == 0


async def test_reports_are_rate_limited(client: httpx.AsyncClient) -> None:
    event = await _public_event(client)
    path = f"/events/{event['id']}/report"
    token = await csrf_token(client, path)
    statuses = [
        (await client.post(path, data={"reason": "other", "_csrf_token": token})).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [303] * 10
    assert statuses[10] == 429
    assert await Report.count() == 10


async def test_admin_lists_and_handles_reports(client_factory: Any) -> None:
    async with client_factory() as visitor, client_factory() as admin, client_factory() as org:
        event = await _public_event(org)
        path = f"/events/{event['id']}/report"
        await submit(visitor, path, path, {"reason": "fake", "details": "Not the real group"})
        email = unique_email("admin")
        await accounts.make_admin(email, PASSWORD)
        await sign_in(admin, email)
        page = await admin.get("/admin/reports")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "Not the real group" in page.text
        assert f'href="/events/{event["id"]}"' in page.text
        report_id = (await Report.select(Report.id))[0]["id"]
        done = await submit(admin, "/admin/reports", f"/admin/reports/{report_id}/handled", {})
        assert done.status_code == 303
        assert "Not the real group" not in (await admin.get("/admin/reports")).text
        row = await Report.select().first()
        assert row is not None and row["handled_at"] is not None


async def test_non_admins_get_404(client_factory: Any) -> None:
    async with client_factory() as visitor, client_factory() as organizer:
        owner = await member_with_org()
        await sign_in(organizer, owner.email)
        assert (await visitor.get("/admin/reports")).status_code == 404
        assert (await organizer.get("/admin/reports")).status_code == 404
