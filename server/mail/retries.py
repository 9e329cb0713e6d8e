"""Bounded retries, with backoff, of mail that could not be composed.

Composing runs in the background (``signups.notices``, ``signups.event_notices``); a
message that fails there (a template error, a lost connection) must neither be retried
every round for ever nor hold up the messages queued behind it. ``failed(key)`` counts
an attempt and says when to try again: doubling from ``BASE_DELAY`` up to ``MAX_DELAY``,
with jitter; after ``MAX_ATTEMPTS`` it gives up and logs it for an operator. Keys name
what failed by id and kind ("signup:<id>:<kind>"), never by anything personal.

Every write here joins the caller's write transaction or opens one (``service.atomic``).
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from server.mail.service import atomic
from server.mail.tables import ComposeRetry
from server.tokens import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # 30 s, 1, 2, 4 ... 30 min: a bad deploy has about an hour to be fixed
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=30)


def backoff(
    attempts: int,
    rng: random.Random | None = None,
    *,
    base: timedelta = BASE_DELAY,
    most: timedelta = MAX_DELAY,
) -> timedelta:
    """The wait after ``attempts`` failures: doubling from ``base`` up to ``most``, ±25%
    so failures that came together spread (the outbox worker passes its own bounds)."""
    seconds = min(most.total_seconds(), base.total_seconds() * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=seconds * (rng or random).uniform(0.75, 1.25))


def describe(exc: BaseException) -> str:
    """What to keep of an error: its type and first line, short (never a whole row)."""
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{exc.__class__.__name__}: {first}"[:300]


async def known(prefix: str, now: datetime | None = None) -> dict[str, bool]:
    """Every key under ``prefix`` that failed before, and whether it must wait now
    (backing off, or given up)."""
    now = now or utcnow()
    rows = await ComposeRetry.select(
        ComposeRetry.key, ComposeRetry.next_attempt_at, ComposeRetry.gave_up
    ).where(ComposeRetry.key.like(f"{prefix}%"))
    return {r["key"]: bool(r["gave_up"] or r["next_attempt_at"] > now) for r in rows}


async def failed(key: str, error: BaseException, now: datetime | None = None) -> int:
    """Count a failed attempt at ``key``; how many there have been."""
    now = now or utcnow()
    async with atomic():
        row = (
            await ComposeRetry.select(ComposeRetry.attempts).where(ComposeRetry.key == key).first()
        )
        attempts = (row["attempts"] if row else 0) + 1
        values: dict[Any, Any] = {
            "attempts": attempts,
            "next_attempt_at": now + backoff(attempts),
            "gave_up": attempts >= MAX_ATTEMPTS,
            "last_error": describe(error),
            "updated_at": now,
        }
        if row is None:
            await ComposeRetry.insert(ComposeRetry(key=key, **values))
        else:
            await ComposeRetry.update(values).where(ComposeRetry.key == key)
    if attempts >= MAX_ATTEMPTS:
        log.error("gave up composing %s after %d attempts (%s)", key, attempts, describe(error))
    return attempts


async def forget(keys: list[str]) -> None:
    """These went through (or are moot): forget their failures."""
    if keys:
        async with atomic():
            await ComposeRetry.delete().where(ComposeRetry.key.is_in(keys))


async def given_up(prefix: str = "") -> list[dict[str, object]]:
    """What is no longer retried, for operators (keys, attempts, last errors)."""
    rows: list[dict[str, object]] = await ComposeRetry.select(
        ComposeRetry.key, ComposeRetry.attempts, ComposeRetry.last_error, ComposeRetry.updated_at
    ).where(ComposeRetry.key.like(f"{prefix}%") & (ComposeRetry.gave_up == True))  # noqa: E712
    return rows
