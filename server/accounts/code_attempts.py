"""Back-off for guessed secrets on one account: two-factor codes and password confirmations.

Decisions:

- Where: the app's ``rate_limit`` store (Redis when several instances run), so every
  instance sees the same counts and locks; ``server.web.ratelimit.hit`` counts atomically.
- Two limits per account. Every try counts against a hard ceiling (``TRIES``), which also
  bounds guesses sent in parallel before any failure is recorded. Failures escalate:
  each tier of ``FAILURE_TIERS`` that fills locks the account's code checks for longer
  (5 wrong in 15 min → 5 min, 10 in an hour → an hour, 20 in a day → a day). At 20 a
  day and three codes valid per check (clock drift), a guess succeeds about once in
  16,000 days.
- Only someone who already passed the password (or holds a session) can try codes, so a
  lock-out is not something a stranger can inflict on an account.
- The owner hears of it: the first tier's lock emails the account, at most once an hour
  (an atomic once-per-window key in the store, and an outbox idempotency key per hour,
  so neither parallel failures nor several instances send it twice).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.stores.base import Store

from server.accounts import notices
from server.db import write_transaction
from server.i18n import N_
from server.web.ratelimit import enforce, hit

TRIES_PER_CLIENT = 10  # a minute
TRIES = (10, 300)  # every try of one account, per five minutes
# (failures, within seconds, then locked for seconds)
FAILURE_TIERS = ((5, 900, 300), (10, 3600, 3600), (20, 86400, 86400))
ALERT_WINDOW_S = 3600


def _store(request: Request[Any, Any, Any]) -> Store:
    return request.app.stores.get("rate_limit")


def _too_many(retry_after: int) -> TooManyRequestsException:
    return TooManyRequestsException(
        N_("Too many codes tried on this account; wait and try again later."),
        headers={"Retry-After": str(max(1, retry_after))},
    )


async def gate(request: Request[Any, Any, Any], organizer_id: uuid.UUID) -> None:
    """Before checking a code or password: 429 while the account is locked or over its
    ceiling (and per client, as before)."""
    await enforce(request, "2fa", limit=TRIES_PER_CLIENT)
    store = _store(request)
    locked = await store.get(f"code-lock:{organizer_id}")
    if locked is not None:
        until = float(locked.decode())
        if until > time.time():
            raise _too_many(int(until - time.time()) + 1)
    if not await hit(store, f"2fa-account:{organizer_id}", *TRIES):
        raise _too_many(TRIES[1])


async def failed(request: Request[Any, Any, Any], organizer_id: uuid.UUID) -> None:
    """After a wrong code or password: count it, lock the account when a tier fills, and
    email the account the first time in ``ALERT_WINDOW_S``."""
    store = _store(request)
    now = time.time()
    lock_s = 0
    for index, (limit, window_s, lock_for) in enumerate(FAILURE_TIERS):
        if not await hit(store, f"code-fail:{index}:{organizer_id}", limit - 1, window_s, now):
            lock_s = max(lock_s, lock_for)
    if not lock_s:
        return
    key = f"code-lock:{organizer_id}"
    current = await store.get(key)
    until = max(now + lock_s, float(current.decode()) if current else 0.0)
    await store.set(key, str(until).encode(), expires_in=int(until - now) + 1)
    if await hit(store, f"code-alert:{organizer_id}", 1, ALERT_WINDOW_S, now):
        bucket = int(now // ALERT_WINDOW_S)
        async with write_transaction():
            await notices.tell(
                organizer_id, "code_failures", key=f"code_failures:{organizer_id}:{bucket}"
            )
