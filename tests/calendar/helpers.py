"""Reading calendars back: icalendar plus two independent parsers, and event set-ups."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import httpx
import icalendar
import pytest
import recurring_ical_events
import vobject

from server.calendar import routes
from tests.events.helpers import Member, create_event


def instants(body: bytes) -> dict[str, datetime]:
    """UID → start (UTC) as three parsers read it; fails unless all three agree."""
    parsed: Any = icalendar.Calendar.from_ical(body)
    by_icalendar = {str(e["UID"]): e.start.astimezone(UTC) for e in parsed.events}

    vcal = vobject.readOne(io.StringIO(body.decode()))
    by_vobject = {
        str(v.uid.value): v.dtstart.value.astimezone(UTC) for v in getattr(vcal, "vevent_list", [])
    }
    occurrences = recurring_ical_events.of(parsed).between(
        datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    by_rie = {str(o["UID"]): o.start.astimezone(UTC) for o in occurrences}
    assert by_icalendar == by_vobject == by_rie
    return by_icalendar


def events_by_uid(body: bytes) -> dict[str, Any]:
    parsed: Any = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]).split("@")[0]: e for e in parsed.events}


async def published(client: httpx.AsyncClient, member: Member, **overrides: Any) -> dict[str, Any]:
    return await create_event(client, member, publish=True, **overrides)


async def feed(client: httpx.AsyncClient, path: str, **headers: str) -> httpx.Response:
    response = await client.get(path, headers=headers)
    assert response.status_code in (200, 304), response.text
    return response


def count_routed(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record every feed the route handler builds (not answered by the fast path)."""
    routed: list[object] = []
    original = routes.public_feed

    async def counted(*args: Any) -> Any:
        routed.append(args)
        return await original(*args)

    monkeypatch.setattr(routes, "public_feed", counted)
    return routed
