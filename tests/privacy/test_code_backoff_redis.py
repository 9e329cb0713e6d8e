"""Issue 12.8: the back-off on wrong codes is the account's on every instance.

Two apps sharing Redis (and the database) stand for two instances behind the proxy:
wrong codes sent through both add up, and the lock set by one holds on the other.
Needs the Redis at 127.0.0.1:6379 (skipped when it does not answer).
"""

from __future__ import annotations

import time

import httpx
import pyotp
import pytest
from litestar import Litestar

from server.accounts import service, twofactor
from tests.accounts.helpers import PASSWORD, submit
from tests.conftest import unique_email
from tests.privacy.conftest import redis_up

pytestmark = pytest.mark.skipif(not redis_up(), reason="no Redis at 127.0.0.1:6379")


def _client(application: Litestar, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, client=(ip, 5000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_wrong_codes_add_up_across_instances(
    instances: tuple[Litestar, Litestar],
) -> None:
    email = unique_email()
    who = await service.register_organizer(email, PASSWORD, "Ada Organizer")
    enrolment = await twofactor.begin_enrolment(who)
    totp = pyotp.TOTP(enrolment.secret)
    await twofactor.confirm_enrolment(who, totp.now())
    first, second = instances
    async with _client(first, "198.51.100.31") as one, _client(second, "198.51.100.32") as two:
        for browser in (one, two):
            signed = await submit(
                browser, "/login", "/login", {"email": email, "password": PASSWORD}
            )
            assert signed.headers["location"] == "/login/2fa"
        for browser in (one, two, one, two, one):
            wrong = await submit(browser, "/login/2fa", "/login/2fa", {"code": "000000"})
            assert wrong.status_code == 422
        # The fifth failure went through the first instance; the second one is locked too.
        right = totp.at(int(time.time()) + 30)
        locked = await submit(two, "/login/2fa", "/login/2fa", {"code": right})
        assert locked.status_code == 429
