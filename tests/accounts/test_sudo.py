"""Issue 12.1: security changes need a session that confirmed its password (or a 2FA
code) in the last ten minutes; each one is in the audit log and mailed to the account."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import httpx
from litestar import Litestar

from server.accounts.tables import ApiToken, AuditEntry, Invitation
from tests.accounts.helpers import PASSWORD, api_csrf, create_org, mails_to, sign_up, submit
from tests.accounts.sudo_helpers import age_reauth
from tests.accounts.twofactor_helpers import enrol

CONFIRM = "/organizer/confirm"


def _to_confirm(answer: httpx.Response, back_to: str) -> bool:
    return answer.status_code == 303 and answer.headers["location"] == (
        f"{CONFIRM}?next={quote(back_to, safe='')}"
    )


async def test_an_old_session_must_confirm_before_making_a_token(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    email = await sign_up(client)
    org_id = await create_org(client)
    await age_reauth(app, client)
    stale = await submit(client, "/organizer/tokens", "/organizer/tokens", {"name": "late"})
    assert _to_confirm(stale, "/organizer/tokens")
    assert await ApiToken.count() == 0

    wrong = await submit(
        client, CONFIRM, CONFIRM, {"password": "not it", "next": "/organizer/tokens"}
    )
    assert wrong.status_code == 422 and 'id="confirm-error"' in wrong.text
    right = await submit(
        client, CONFIRM, CONFIRM, {"password": PASSWORD, "next": "/organizer/tokens"}
    )
    assert right.status_code == 303 and right.headers["location"] == "/organizer/tokens"

    made = await submit(client, "/organizer/tokens", "/organizer/tokens", {"name": "late"})
    assert made.status_code == 200 and "Copy it now" in made.text
    # In the audit log of the organizer's organization, and mailed to the account.
    [entry] = await AuditEntry.select().where(AuditEntry.action == "account.api_token_created")
    assert entry["organization"] == org_id and entry["detail"] == "late"  # the name
    assert entry["subject"] == "Ada Organizer"
    notices = [m for m in await mails_to(email) if m["kind"] == "account_api_token_created"]
    assert len(notices) == 1 and "late" in notices[0]["text_body"]
    assert "mst_" not in notices[0]["text_body"]  # never the token itself


async def test_every_security_change_asks_an_old_session_to_confirm(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    org_id = await create_org(client)
    await age_reauth(app, client)
    org_page = f"/organizer/orgs/{org_id}"
    changes = {
        "/organizer/security/2fa/start": ({}, "/organizer/security"),
        "/organizer/security/2fa/confirm": ({"code": "123456"}, "/organizer/security"),
        "/organizer/security/2fa/disable": ({"code": "123456"}, "/organizer/security"),
        "/organizer/security/2fa/recovery-codes": ({"code": "123456"}, "/organizer/security"),
        f"{org_page}/require-2fa": ({"require_2fa": "on"}, org_page),
        f"{org_page}/invitations": ({"email": "new@example.org", "role": "owner"}, org_page),
    }
    for path, (form, back_to) in changes.items():
        answer = await submit(client, "/organizer/security", path, form)
        assert _to_confirm(answer, back_to), (path, answer.status_code)
    assert await Invitation.count() == 0
    # Taking power away stays one click: revoking and signing out everywhere.
    out = await submit(client, "/organizer/security", "/organizer/security/sign-out-everywhere")
    assert out.status_code == 303 and out.headers["location"] == "/login"


async def test_a_two_factor_code_also_confirms(app: Litestar, client: httpx.AsyncClient) -> None:
    email = await sign_up(client)
    authenticator = await enrol(client)
    enabled = [m for m in await mails_to(email) if m["kind"] == "account_two_factor_enabled"]
    assert len(enabled) == 1
    await age_reauth(app, client)
    form = await client.get(f"{CONFIRM}?next=/organizer/security")
    assert 'name="code"' in form.text
    ok = await submit(
        client, CONFIRM, CONFIRM, {"code": authenticator.code(1), "next": "/organizer/security"}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/organizer/security"
    off = await submit(
        client,
        "/organizer/security",
        "/organizer/security/2fa/disable",
        {"code": authenticator.recovery_codes[0]},
    )
    assert off.status_code == 303
    disabled = [m for m in await mails_to(email) if m["kind"] == "account_two_factor_disabled"]
    assert len(disabled) == 1


async def test_the_api_wants_a_fresh_session_for_tokens_and_invitations(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    email = await sign_up(client)
    org_id = await create_org(client)
    headers = await api_csrf(client)
    fresh = await client.post("/api/v1/tokens", json={"name": "fresh"}, headers=headers)
    assert fresh.status_code == 201
    told = [m for m in await mails_to(email) if m["kind"] == "account_api_token_created"]
    assert len(told) == 1 and "fresh" in told[0]["text_body"]
    await age_reauth(app, client)
    stale = await client.post("/api/v1/tokens", json={"name": "stale"}, headers=headers)
    assert stale.status_code == 403 and CONFIRM in stale.json()["detail"]
    invite = await client.post(
        f"/api/v1/organizations/{org_id}/invitations",
        json={"email": "x@example.org", "role": "owner"},
        headers=headers,
    )
    assert invite.status_code == 403
    assert await ApiToken.count() == 1 and await Invitation.count() == 0


async def test_confirm_keeps_next_on_this_site(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client)
    answer = await submit(
        client, CONFIRM, CONFIRM, {"password": PASSWORD, "next": "//evil.example"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/organizer"
    async with client_factory() as anonymous:
        page = await anonymous.get(CONFIRM)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
