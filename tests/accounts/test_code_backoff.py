"""Issue 12.8: wrong two-factor codes back off per account and alert the account once.

Before: 10 tries per 5 minutes, then the next window, forever, and no one was told.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar

from server.accounts import code_attempts
from server.accounts.tables import Organizer
from tests.accounts.helpers import mails_to, sign_in, sign_up, submit
from tests.accounts.twofactor_helpers import Authenticator, enrol


async def _two_factor_account(client: httpx.AsyncClient) -> tuple[str, Authenticator]:
    email = await sign_up(client)
    authenticator = await enrol(client)
    await submit(client, "/organizer", "/logout")
    client.cookies.clear()
    return email, authenticator


def _other_network(app: Litestar) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("198.51.100.23", 4000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _alerts(email: str) -> int:
    return len([m for m in await mails_to(email) if m["kind"] == "account_code_failures"])


async def test_wrong_codes_lock_the_account_from_every_network(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    email, authenticator = await _two_factor_account(client)
    async with _other_network(app) as elsewhere:
        await sign_in(client, email)
        await sign_in(elsewhere, email)
        # Failures from two networks add up: the back-off is the account's.
        for browser in (client, elsewhere, client, elsewhere):
            wrong = await submit(browser, "/login/2fa", "/login/2fa", {"code": "000000"})
            assert wrong.status_code == 422
        assert await _alerts(email) == 0
        fifth = await submit(elsewhere, "/login/2fa", "/login/2fa", {"code": "000000"})
        assert fifth.status_code == 422
        # Now locked: even the right code waits, on any network.
        locked = await submit(client, "/login/2fa", "/login/2fa", {"code": authenticator.code()})
        assert locked.status_code == 429
        assert 0 < int(locked.headers["retry-after"]) <= 300
        assert (await client.get("/organizer")).status_code == 303  # not signed in
    # The account heard of it, once.
    assert await _alerts(email) == 1
    [alert] = [m for m in await mails_to(email) if m["kind"] == "account_code_failures"]
    assert "/organizer/security" in alert["text_body"]


async def test_the_lock_grows_and_the_alert_is_not_repeated(
    app: Litestar, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the failure tiers here: lift the ceilings on tries, which would stop it first.
    monkeypatch.setattr(code_attempts, "TRIES", (100, 300))
    monkeypatch.setattr(code_attempts, "TRIES_PER_CLIENT", 100)
    email, _ = await _two_factor_account(client)
    [row] = await Organizer.select(Organizer.id)
    store = app.stores.get("rate_limit")
    await sign_in(client, email)
    for _ in range(10):
        # As if each lock had run out (the failures stay counted in their windows).
        await store.delete(f"code-lock:{row['id']}")
        answer = await submit(client, "/login/2fa", "/login/2fa", {"code": "000000"})
        assert answer.status_code == 422
    lock = await store.get(f"code-lock:{row['id']}")
    assert lock is not None
    # Ten failures in the hour: the second tier locks for an hour, not five minutes.
    assert float(lock.decode()) - time.time() > 3000
    assert await _alerts(email) == 1  # once per hour, however many failures


async def test_tiers_escalate(app: Litestar) -> None:
    """The documented ladder, so a change to it is a conscious one."""
    assert code_attempts.FAILURE_TIERS[0][:2] == (5, 900)
    assert [lock for *_, lock in code_attempts.FAILURE_TIERS] == sorted(
        lock for *_, lock in code_attempts.FAILURE_TIERS
    )


async def test_wrong_confirmations_of_a_password_count_too(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    email = await sign_up(client)
    statuses = []
    for _ in range(6):
        answer = await submit(
            client, "/organizer/confirm", "/organizer/confirm", {"password": "guess-guess"}
        )
        statuses.append(answer.status_code)
    assert statuses == [422] * 5 + [429]
    assert await _alerts(email) == 1
