"""Invariant 6: personal data is kept only as long as needed.

- A volunteer exports (``export``) or deletes (``delete``) everything about themselves
  from a manage link.
- ``purge(now, days)`` anonymises the signups of events that ended more than ``days``
  ago, drops those events' outbox rows and the notes of their volunteers' completions
  in the event's campaign. The app runs it every hour (``running``) and `muster purge`
  runs it once.

Counts survive both: signups stay, anonymised (see signups/lifecycle.py), completions
stay, untied. Each feature deletes from its own tables; this module only orchestrates,
as privacy comes last in the feature order.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.actions import completions
from server.db import write_transaction
from server.events import service as events
from server.mail import service as mail
from server.mail.worker import in_background
from server.signups import home_links
from server.signups import lifecycle as signups
from server.signups.rsvp import CONFIRM_WITHIN
from server.tokens import utcnow

log = logging.getLogger(__name__)
PURGE_EVERY_S = 3600.0


async def export(volunteer_id: uuid.UUID) -> dict[str, Any]:
    """Everything Muster holds about one volunteer (no secret-link hashes)."""
    data = await signups.export_volunteer(volunteer_id)
    email = (data["volunteer"] or {}).get("email")
    data["action_completions"] = await completions.of_volunteer(volunteer_id)
    data["mail"] = await mail.of_address(email) if email else []
    return data


async def delete(volunteer_id: uuid.UUID) -> None:
    """The volunteer, their mail and their completions' notes go; counts stay."""
    async with write_transaction():
        email = await signups.volunteer_email(volunteer_id)
        if email is None:
            return  # deleted already (a second click)
        await signups.delete_volunteer(volunteer_id)
        await completions.forget_volunteer(volunteer_id)
        await mail.forget_address(email)


@dataclass
class PurgeReport:
    events: int = 0
    signups: int = 0
    volunteers: int = 0
    messages: int = 0
    completions: int = 0

    def __str__(self) -> str:
        return (
            f"purged {self.events} events: {self.signups} signups anonymised, "
            f"{self.volunteers} volunteers deleted, {self.messages} messages deleted, "
            f"{self.completions} completions untied"
        )


async def purge(days: int, now: datetime | None = None) -> PurgeReport:
    """Purge the personal data of every event that ended more than ``days`` days ago."""
    before = (now or utcnow()) - timedelta(days=days)
    candidates = set(await signups.events_to_purge(before))
    candidates |= set(await events.ended_before(await mail.event_ids(), before))
    report = PurgeReport()
    async with write_transaction():
        # RSVPs nobody confirmed in time: they may carry an address typed by a stranger.
        dropped = await signups.drop_unconfirmed((now or utcnow()) - CONFIRM_WITHIN)
        report.signups += dropped.signups
        await _forget_gone(dropped.gone, report)
        await home_links.prune(now or utcnow())
    for event_id in sorted(candidates, key=str):
        async with write_transaction(lock=f"event:{event_id}"):
            await _purge_event(event_id, report)
        report.events += 1
    return report


async def _purge_event(event_id: uuid.UUID, report: PurgeReport) -> None:
    row = await events.event_row(event_id)
    done = await signups.purge_event_signups(event_id)
    report.signups += done.signups
    report.messages += await mail.purge_event(event_id)
    if row is not None and row["campaign"] is not None:
        report.completions += await completions.forget_in_campaign(done.volunteers, row["campaign"])
    await _forget_gone(done.gone, report)


async def _forget_gone(gone: list[tuple[uuid.UUID, str]], report: PurgeReport) -> None:
    for volunteer_id, email in gone:  # nothing left of them: forget them everywhere
        report.volunteers += 1
        report.completions += await completions.forget_volunteer(volunteer_id)
        report.messages += await mail.forget_address(email)


async def _loop(days: int, stop: asyncio.Event, *, every_s: float) -> None:
    while not stop.is_set():
        try:
            report = await purge(days)
            if report.events:
                log.info("%s", report)
        except Exception:  # a lost database must not end the loop for good
            log.exception("purge failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)


def running(days: int, every_s: float = PURGE_EVERY_S) -> AbstractAsyncContextManager[None]:
    """Purge now and then every ``every_s`` seconds in the background of this process."""
    return in_background(functools.partial(_loop, days, every_s=every_s), "privacy-purge")


def lifespan(enabled: bool, days: int) -> Any:
    """For ``Litestar(lifespan=[...])``: purges hourly where the mail worker runs (so one
    deployment's background work lives in one place: ``serve`` or ``muster worker``)."""

    @contextlib.asynccontextmanager
    async def manager(app: Any) -> AsyncIterator[None]:
        if not enabled:
            yield
            return
        async with running(days):
            yield

    return manager
