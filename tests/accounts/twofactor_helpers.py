"""Turn on two-factor sign-in through the real pages and keep what an authenticator app would."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import httpx
import pyotp

from tests.accounts.helpers import submit

SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7]+)</code>')
RECOVERY = re.compile(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code></li>")


@dataclass
class Authenticator:
    secret: str
    recovery_codes: list[str]

    def code(self, steps_ahead: int = 0) -> str:
        """The code of the current 30 s step (or the next: each code works only once)."""
        return pyotp.TOTP(self.secret).at(int(time.time()) + 30 * steps_ahead)


async def enrol(client: httpx.AsyncClient) -> Authenticator:
    page = await submit(client, "/organizer/security", "/organizer/security/2fa/start")
    assert page.status_code == 200, page.text
    match = SECRET.search(page.text)
    assert match, "the set-up page shows the key as text"
    secret = match.group(1)
    done = await submit(
        client,
        "/organizer/security",
        "/organizer/security/2fa/confirm",
        {"code": pyotp.TOTP(secret).now()},
    )
    assert done.status_code == 200, done.text
    codes = RECOVERY.findall(done.text)
    assert len(codes) == 10
    return Authenticator(secret, codes)
