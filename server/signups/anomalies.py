"""Sign-up anomaly hints for organizers of sensitive events: a warning, never a block.

Police and hostile groups have posed as volunteers to entrap people. The patterns that
give such a wave away are cheap to see from the signups themselves, so the attendee list
of a *sensitive* event warns its organizers about:

1. a **burst**: at least ``burst_threshold(capacity)`` signups within ``BURST_WINDOW``;
2. **one network**: at least ``NETWORK_MIN`` signups, and ``NETWORK_SHARE`` of all, from
   one network (an IPv4 /24 or IPv6 /48: one household, office or provider pool);
3. **many sensitive events**: a volunteer of this event who signed up to at least
   ``MANY_EVENTS_MIN`` *other* sensitive events (of any organization) in the last
   ``MANY_EVENTS_DAYS`` days.

Decisions:
- *Sensitive* (``is_sensitive`` and ``SENSITIVE_SQL``, the one definition): the event is
  ``discreet``, ``requires_approval`` or shows its address to attendees only. Other
  events get no hints at all: a public march expects strangers in waves.
- Hints are computed when read (a few queries over one event's signups, through the
  ``signup.event`` and ``signup.volunteer`` indexes); nothing is stored but the network
  hash, and no signup is ever blocked or changed: organizers decide (approve, decline,
  block silently), because a shared Wi-Fi or a popular post looks the same as an attack.
- The network: ``network_of`` keeps an HMAC-SHA256 (key derived from SECRET_KEY) of the
  client's network prefix, 16 hex characters (64 bits), on the signup; never the address
  itself. With the key, a /24 can be found again by trying all 2^24 of them, so the hash
  is personal data: it is blanked with the name and phone when a volunteer deletes
  themselves or the event is purged (signups/lifecycle.py). It is not in the volunteer's
  export: a keyed hash means nothing to them and it only ever feeds these hints.
  Rotating SECRET_KEY makes older hashes stop matching new ones (no false alarms).
  Addresses that are not IPs (a test client, a misconfigured proxy) store "".
- Nothing here names another event or organization, or shows a hash: the third hint
  says "3 or more", not which or how many elsewhere (one bit about other organizations'
  events, the least that still warns), plus how many of them are this organization's
  own (which its members can see anyway), so a known regular is easy to tell apart.
- Members of the event's organization only, like the roster (callers check).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from litestar import Request

from server.i18n import N_, Text, translate
from server.settings import Settings
from server.signups.tables import Signup
from server.tokens import utcnow
from server.web.ratelimit import client_address
from server.web.templates import format_local

# A burst: this many signups within BURST_WINDOW. Big events legitimately fill fast after
# a post is shared, so the count grows with the capacity (BURST_SHARE of it), between
# BURST_MIN (small or unlimited events) and BURST_MAX (so a wave never hides in a big one).
BURST_WINDOW = timedelta(minutes=10)
BURST_MIN = 10
BURST_MAX = 50
BURST_SHARE = 0.2
# One network: at least NETWORK_MIN signups and NETWORK_SHARE of the event's signups.
# Both, because a mobile carrier's NAT or a community centre's Wi-Fi puts a few genuine
# people behind one prefix; a quarter of the whole list is not a coincidence.
NETWORK_MIN = 5
NETWORK_SHARE = 0.25
IPV4_PREFIX = 24
IPV6_PREFIX = 48  # one site (RFC 6177): a household or office
NETWORK_HASH_CHARS = 16
_IPV4_MASK = ((1 << IPV4_PREFIX) - 1) << (32 - IPV4_PREFIX)
_IPV6_MASK = ((1 << IPV6_PREFIX) - 1) << (128 - IPV6_PREFIX)
# One address on many sensitive events: other events' signups created this recently.
MANY_EVENTS_MIN = 3
MANY_EVENTS_DAYS = 30

Kind = Literal["burst", "network", "many_events"]
LABELS: dict[str, str] = {
    "burst": N_("burst of sign-ups"),
    "network": N_("shared network"),
    "many_events": N_("many sensitive events"),
}


@dataclass(frozen=True, slots=True)
class Hint:
    """One warning: what was seen (``message``, for people) and which signups it is about."""

    kind: Kind
    message: str
    signup_ids: tuple[uuid.UUID, ...]


# --- what counts as sensitive ----------------------------------------------------------------


def is_sensitive(event: dict[str, Any]) -> bool:
    """Discreet, approval-only, or its address for attendees only (see ``SENSITIVE_SQL``)."""
    return bool(
        event["discreet"]
        or event["requires_approval"]
        or event["address_visibility"] == "attendees"
    )


# The same test in SQL, for an ``event`` row aliased ``e``; both booleans bound as True.
SENSITIVE_SQL = (
    "(e.discreet = {} OR e.requires_approval = {} OR e.address_visibility = 'attendees')"
)


# --- the network a request came from -----------------------------------------------------------


@lru_cache(maxsize=4)
def _network_key(secret_key: str) -> bytes:
    # Its own key, so this hash can never be confused with any other MAC of SECRET_KEY.
    return hmac.new(secret_key.encode(), b"muster:signup-network:v1", hashlib.sha256).digest()


def network_of(address: str, secret_key: str) -> str:
    """The keyed hash of ``address``'s /24 (IPv4) or /48 (IPv6); "" when not an IP."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:203.0.113.7 is the IPv4 client it stands for
    # The masked address as bytes (a version byte first): several times cheaper than
    # ip_network() and its text on this hot path.
    if isinstance(ip, ipaddress.IPv4Address):
        prefix = b"4" + (int(ip) & _IPV4_MASK).to_bytes(4, "big")
    else:
        prefix = b"6" + (int(ip) & _IPV6_MASK).to_bytes(16, "big")
    mac = hmac.digest(_network_key(secret_key), prefix, "sha256")
    return mac.hex()[:NETWORK_HASH_CHARS]


def request_network(request: Request[Any, Any, Any]) -> str:
    """The network hash of the client that sent ``request`` (trusted proxies honoured)."""
    settings: Settings = request.app.state.settings
    return network_of(client_address(request, settings), settings.secret_key)


# --- the hints ---------------------------------------------------------------------------------


def burst_threshold(capacity: int | None) -> int:
    if not capacity:
        return BURST_MIN
    return max(BURST_MIN, min(BURST_MAX, math.ceil(capacity * BURST_SHARE)))


async def hints(event: dict[str, Any], now: datetime | None = None) -> list[Hint]:
    """The hints for one event (a full event row); [] when it is not sensitive."""
    if not is_sensitive(event):
        return []
    rows: list[dict[str, Any]] = (
        await Signup.select(Signup.id, Signup.created_at, Signup.network)
        .where(Signup.event == event["id"])
        .order_by(Signup.created_at)
    )
    found = _bursts(rows, burst_threshold(event["capacity"]), event["timezone"])
    found += _networks(rows)
    found += await _many_events(event, now or utcnow())
    return found


def _bursts(rows: list[dict[str, Any]], threshold: int, timezone: str) -> list[Hint]:
    """Every stretch where some BURST_WINDOW holds ``threshold`` signups (overlapping
    windows merge into one stretch); ``rows`` in creation order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for end, row in enumerate(rows):
        while row["created_at"] - rows[start]["created_at"] > BURST_WINDOW:
            start += 1
        if end - start + 1 < threshold:
            continue
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    found = []
    for first, last in spans:
        since = format_local(rows[first]["created_at"], timezone, "day_time")
        until = format_local(rows[last]["created_at"], timezone, "day_time")
        if until[:6] == since[:6]:
            until = until[7:]  # the same day: the time is enough
        minutes = int(BURST_WINDOW.total_seconds() // 60)
        found.append(
            Hint(
                "burst",
                Text(
                    "%(count)s sign-ups arrived between %(since)s and %(until)s "
                    "(%(threshold)s or more within %(minutes)s minutes). A shared post can do "
                    "this; so can a fake wave of volunteers.",
                    count=last - first + 1,
                    since=since,
                    until=until,
                    threshold=threshold,
                    minutes=minutes,
                ),
                tuple(r["id"] for r in rows[first : last + 1]),
            )
        )
    return found


def _networks(rows: list[dict[str, Any]]) -> list[Hint]:
    counts = Counter(r["network"] for r in rows if r["network"])
    found = []
    for network, n in counts.most_common():
        if n < NETWORK_MIN or n < NETWORK_SHARE * len(rows):
            break  # most_common: the rest are smaller still
        found.append(
            Hint(
                "network",
                Text(
                    "%(n)s of %(total)s sign-ups came from one network. It may be a shared "
                    "Wi-Fi or a mobile provider; it may also be one person signing up many.",
                    n=n,
                    total=len(rows),
                ),
                tuple(r["id"] for r in rows if r["network"] == network),
            )
        )
    return found


# This event's signups whose volunteer signed up to other sensitive events recently:
# how many (any organization) and how many of them this organization's.
_MANY_EVENTS = """SELECT s.id AS id, s.display_name AS display_name,
        COUNT(DISTINCT o.event) AS events,
        COUNT(DISTINCT CASE WHEN e.organization = {} THEN o.event END) AS own
    FROM signup s
    JOIN signup o ON o.volunteer = s.volunteer AND o.event <> s.event
    JOIN event e ON e.id = o.event
    WHERE s.event = {} AND o.created_at >= {} AND SENSITIVE
    GROUP BY s.id, s.display_name
    HAVING COUNT(DISTINCT o.event) >= {}
    ORDER BY s.display_name""".replace("SENSITIVE", SENSITIVE_SQL)


async def _many_events(event: dict[str, Any], now: datetime) -> list[Hint]:
    since = now - timedelta(days=MANY_EVENTS_DAYS)
    rows = await Signup.raw(
        _MANY_EVENTS, event["organization"], event["id"], since, True, True, MANY_EVENTS_MIN
    ).run()
    found = []
    for row in rows:
        own = int(row["own"])
        values = {"name": row["display_name"], "min": MANY_EVENTS_MIN, "days": MANY_EVENTS_DAYS}
        message = (
            Text(
                "%(name)s signed up to %(min)s or more other sensitive events in the last "
                "%(days)s days (%(own)s of them your organization's).",
                own=own,
                **values,
            )
            if own
            else Text(
                "%(name)s signed up to %(min)s or more other sensitive events in the last "
                "%(days)s days.",
                **values,
            )
        )
        found.append(
            Hint(
                "many_events",
                message,
                (uuid.UUID(str(row["id"])),),
            )
        )
    return found


def flagged(found: list[Hint]) -> dict[uuid.UUID, list[str]]:
    """Signup id -> the short reasons it is marked with on the attendee list (in the reader's
    language)."""
    marks: dict[uuid.UUID, list[str]] = {}
    for hint in found:
        for signup_id in hint.signup_ids:
            reasons = marks.setdefault(signup_id, [])
            label = translate(LABELS[hint.kind])
            if label not in reasons:
                reasons.append(label)
    return marks
