"""Make a signed-in browser's proof of identity old, as ten idle minutes would."""

from __future__ import annotations

import json

import httpx
from litestar import Litestar

from server.accounts import sudo


async def age_reauth(app: Litestar, browser: httpx.AsyncClient, seconds: int = 0) -> None:
    """Move the session's last password/code confirmation ``seconds`` (default: just past
    sudo mode's limit) into the past, in the real session store."""
    store = app.stores.get("sessions")
    session_id = browser.cookies.get("session")
    assert session_id, "not signed in"
    raw = await store.get(session_id)
    assert raw is not None
    data = json.loads(raw)
    data[sudo.REAUTH_AT] -= seconds or sudo.FRESH_S + 1
    await store.set(session_id, json.dumps(data).encode(), expires_in=3600)
