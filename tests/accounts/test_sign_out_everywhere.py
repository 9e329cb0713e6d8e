""" "Sign out everywhere" ends every session of the organizer and revokes every API token."""

from __future__ import annotations

from typing import Any

from tests.accounts.helpers import sign_in, sign_up, submit


async def test_sign_out_everywhere(client_factory: Any) -> None:
    async with client_factory() as laptop, client_factory() as phone, client_factory() as other:
        email = await sign_up(laptop)
        assert (await sign_in(phone, email)).status_code == 303
        other_email = await sign_up(other)  # someone else stays signed in
        created = await submit(laptop, "/organizer/tokens", "/organizer/tokens", {"name": "cron"})
        token = created.text.split("mst_", 1)[1].split("<", 1)[0].split('"', 1)[0]
        bearer = {"Authorization": f"Bearer mst_{token}"}
        assert (await laptop.get("/api/v1/me", headers=bearer)).status_code == 200

        response = await submit(
            phone, "/organizer/security", "/organizer/security/sign-out-everywhere"
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/login"

        for browser in (laptop, phone):
            assert (await browser.get("/organizer")).status_code == 303
            assert (await browser.get("/api/v1/me")).status_code == 401
        assert (await laptop.get("/api/v1/me", headers=bearer)).status_code == 401
        me = await other.get("/api/v1/me")
        assert me.status_code == 200
        assert me.json()["email"] == other_email

        # Signing in again works, with a session of the new generation.
        assert (await sign_in(laptop, email)).status_code == 303
        assert (await laptop.get("/organizer")).status_code == 200


async def test_needs_csrf(client_factory: Any) -> None:
    async with client_factory() as browser:
        await sign_up(browser)
        response = await browser.post("/organizer/security/sign-out-everywhere")
        assert response.status_code == 403
        assert (await browser.get("/organizer")).status_code == 200
