"""Two-factor sign-in: enrolment, the second step at login, recovery codes, disabling."""

from __future__ import annotations

import httpx
import pyotp

from server.accounts.tables import Organizer, RecoveryCode
from tests.accounts.helpers import sign_in, sign_up, submit
from tests.accounts.twofactor_helpers import SECRET, enrol


async def test_enrolment_shows_key_qr_and_needs_a_valid_code(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    page = await submit(client, "/organizer/security", "/organizer/security/2fa/start")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "otpauth://totp/Muster" in page.text
    assert 'src="data:image/svg+xml' in page.text  # QR drawn on the server
    secret = SECRET.search(page.text).group(1)  # type: ignore[union-attr]
    wrong = await submit(
        client, "/organizer/security", "/organizer/security/2fa/confirm", {"code": "000000"}
    )
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text
    assert secret in wrong.text  # the same pending key, shown again to retry
    status = await client.get("/organizer/security")
    assert "Set up two-factor sign-in" in status.text  # still off


async def test_secret_is_encrypted_and_recovery_codes_hashed(client: httpx.AsyncClient) -> None:
    email = await sign_up(client)
    app = await enrol(client)
    row = await Organizer.select().where(Organizer.email == email).first()
    assert row is not None
    assert row["totp_enabled_at"] is not None
    assert app.secret not in row["totp_secret"]
    stored = await RecoveryCode.select(RecoveryCode.code_hash)
    assert len(stored) == 10
    for code in app.recovery_codes:
        assert all(code not in r["code_hash"] for r in stored)
    # Never shown again once on.
    page = await client.get("/organizer/security")
    assert app.secret not in page.text
    again = await submit(client, "/organizer/security", "/organizer/security/2fa/start")
    assert again.status_code == 303


async def test_login_needs_the_code_and_half_signed_in_grants_nothing(
    client_factory: object,
) -> None:
    async with client_factory() as first:  # type: ignore[operator]
        email = await sign_up(first)
        app = await enrol(first)
    async with client_factory() as browser:  # type: ignore[operator]
        response = await sign_in(browser, email, next_path="/organizer/tokens")
        assert response.status_code == 303
        assert response.headers["location"] == "/login/2fa"
        # Password alone: no organizer pages, no API.
        assert (await browser.get("/organizer")).status_code == 303
        assert (await browser.get("/api/v1/me")).status_code == 401
        wrong = await submit(browser, "/login/2fa", "/login/2fa", {"code": "123456"})
        assert wrong.status_code == 422
        before = browser.cookies.get("session")
        ok = await submit(browser, "/login/2fa", "/login/2fa", {"code": app.code(steps_ahead=1)})
        assert ok.status_code == 303
        assert ok.headers["location"] == "/organizer/tokens"
        assert browser.cookies.get("session") != before  # a new session id once signed in
        assert (await browser.get("/organizer")).status_code == 200


async def test_a_code_works_once(client_factory: object) -> None:
    async with client_factory() as first:  # type: ignore[operator]
        email = await sign_up(first)
        app = await enrol(first)
    code = app.code(steps_ahead=1)
    async with client_factory() as a:  # type: ignore[operator]
        await sign_in(a, email)
        assert (await submit(a, "/login/2fa", "/login/2fa", {"code": code})).status_code == 303
    async with client_factory() as b:  # type: ignore[operator]
        await sign_in(b, email)
        assert (await submit(b, "/login/2fa", "/login/2fa", {"code": code})).status_code == 422


async def test_recovery_code_signs_in_once(client_factory: object) -> None:
    async with client_factory() as first:  # type: ignore[operator]
        email = await sign_up(first)
        app = await enrol(first)
    recovery = app.recovery_codes[3].upper()  # case and dashes do not matter
    async with client_factory() as a:  # type: ignore[operator]
        await sign_in(a, email)
        assert (await submit(a, "/login/2fa", "/login/2fa", {"code": recovery})).status_code == 303
        page = await a.get("/organizer/security")
        assert "Unused recovery codes: 9" in page.text
    async with client_factory() as b:  # type: ignore[operator]
        await sign_in(b, email)
        assert (await submit(b, "/login/2fa", "/login/2fa", {"code": recovery})).status_code == 422


async def test_code_attempts_are_rate_limited(client: httpx.AsyncClient) -> None:
    email = await sign_up(client)
    await enrol(client)
    await client.post("/logout", headers={"x-csrftoken": ""})
    client.cookies.clear()
    await sign_in(client, email)
    statuses = []
    for _ in range(7):
        response = await submit(client, "/login/2fa", "/login/2fa", {"code": "000000"})
        statuses.append(response.status_code)
    # Five wrong codes lock the account's code checks (accounts/code_attempts.py).
    assert statuses == [422] * 5 + [429] * 2


async def test_login_without_pending_password_step_goes_back(client: httpx.AsyncClient) -> None:
    assert (await client.get("/login/2fa")).headers["location"] == "/login"


async def test_disable_needs_a_code(client_factory: object) -> None:
    async with client_factory() as browser:  # type: ignore[operator]
        email = await sign_up(browser)
        app = await enrol(browser)
        bad = await submit(
            browser, "/organizer/security", "/organizer/security/2fa/disable", {"code": "1"}
        )
        assert bad.status_code == 422
        good = await submit(
            browser,
            "/organizer/security",
            "/organizer/security/2fa/disable",
            {"code": app.code(steps_ahead=1)},
        )
        assert good.status_code == 303
        assert await RecoveryCode.count() == 0
    async with client_factory() as again:  # type: ignore[operator]
        response = await sign_in(again, email)
        assert response.headers["location"] == "/organizer"  # password alone again


async def test_new_recovery_codes_replace_old_ones(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    app = await enrol(client)
    page = await submit(
        client,
        "/organizer/security",
        "/organizer/security/2fa/recovery-codes",
        {"code": app.recovery_codes[0]},
    )
    assert page.status_code == 200
    assert app.recovery_codes[1] not in page.text
    assert await RecoveryCode.count().where(RecoveryCode.used_at.is_null()) == 10
    assert pyotp  # the authenticator's library stays a test dependency
