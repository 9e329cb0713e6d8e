"""The permission crawl's machinery: the roles that crawl, the route table turned into
concrete URLs, and the canary scan (the data comes from ``crawl_seed``).
"""

from __future__ import annotations

import itertools
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from litestar import Litestar

from server.accounts import members
from server.accounts.tables import Membership
from tests.accounts.helpers import submit
from tests.accounts.twofactor_helpers import enrol
from tests.conftest import make_client
from tests.events.helpers import Member, add_member, sign_in
from tests.privacy.crawl_seed import NEAR, Canary, Seed, Volunteer

# --- roles --------------------------------------------------------------------------------


@dataclass
class Role:
    name: str
    client: httpx.AsyncClient
    member: Member | None = None  # signed in (session cookie) and a bearer token for /api
    volunteer: Volunteer | None = None  # holds this volunteer's secret links
    allowed: set[str] = field(default_factory=set)  # canary groups this role may see

    def headers(self, path: str) -> dict[str, str]:
        if not path.startswith("/api/"):
            return {}
        if self.member is not None:
            return self.member.bearer
        if self.volunteer is not None:
            return {"X-Manage-Token": self.volunteer.manage}
        return {}


ORGANIZATION_A = {"members", "note", "addr:attendees", "addr:approval"}


async def roles(app: Litestar, s: Seed, *, gated: bool = False) -> list[Role]:
    """Every crawling role, signed in. With ``gated``, A requires two-factor sign-in (its
    viewer, organizer and owner turn it on) and one more organizer of A has not: until
    they do, they see what the public sees; and a removed organizer of A sees nothing more."""
    every_volunteer = {f"vol:{k}" for k in s.volunteers}
    out = [Role("anonymous", make_client(app))]
    v = s.volunteers
    out.append(Role("other volunteer", make_client(app), volunteer=v["stranger"]))
    out.append(Role("waitlisted volunteer", make_client(app), volunteer=v["waitlisted"]))
    out.append(Role("pending volunteer", make_client(app), volunteer=v["pending"]))
    out.append(Role("blocked volunteer", make_client(app), volunteer=v["blocked"]))
    out.append(
        Role(
            "going volunteer",
            make_client(app),
            volunteer=v["attendee"],
            allowed={"addr:attendees"},
        )
    )
    out.append(Role("member of B", make_client(app), member=s.other))
    for name, member in (("viewer", s.viewer), ("organizer", s.organizer), ("owner", s.owner)):
        out.append(
            Role(name, make_client(app), member=member, allowed=ORGANIZATION_A | every_volunteer)
        )
    # Members crawl first: an answer cached for them must not then reach anyone else.
    out.reverse()
    for role in out:
        if role.volunteer is not None:
            role.allowed.add(f"vol:{role.volunteer.key}")
        if role.member is not None:
            await sign_in(role.client, role.member.email)
    if gated:
        for role in out[:3]:
            await enrol(role.client)
        required = await submit(
            out[0].client,
            "/organizer",
            f"/organizer/orgs/{s.owner.org_id}/require-2fa",
            {"require_2fa": "on"},
        )
        assert required.status_code == 303, required.text
        member = await add_member(s.owner, "organizer")
        lacking = Role("member of A without 2FA", make_client(app), member=member)
        await sign_in(lacking.client, member.email)
        out.insert(3, lacking)
        out.insert(4, await _former_member(app, s))
    return out


async def _former_member(app: Litestar, s: Seed) -> Role:
    """An organizer of A, signed in with a session and a token, whom the owner then removed."""
    member = await add_member(s.owner, "organizer")
    former = Role("former member of A", make_client(app), member=member)
    await sign_in(former.client, member.email)
    row = (
        await Membership.select(Membership.id)
        .where(
            (Membership.organizer == member.who.id) & (Membership.organization == s.owner.org_id)
        )
        .first()
    )
    assert row is not None
    await members.remove_member(s.owner.who, s.owner.org_id, row["id"])
    return former


# --- routes -------------------------------------------------------------------------------

PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


@dataclass(frozen=True)
class Route:
    path: str  # as in the route table: /events/{event_id:uuid}
    method: str
    params: tuple[tuple[str, str], ...]  # (name, type) in path order

    @property
    def openapi_path(self) -> str:
        return PARAM.sub(lambda m: "{" + m.group(1) + "}", self.path)


def route_table(app: Litestar) -> list[Route]:
    out = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods):
                if method in ("OPTIONS", "HEAD"):
                    continue
                params = tuple(
                    (m.group(1), m.group(2) or "str") for m in PARAM.finditer(route.path)
                )
                out.append(Route(route.path, method, params))
    return sorted(set(out), key=lambda r: (r.path, r.method))


def _random(kind: str) -> str:
    return str(uuid.uuid4()) if kind == "uuid" else secrets.token_urlsafe(24)


def candidates(route: Route, name: str, kind: str, s: Seed, role: Role) -> list[str]:
    """Values to try for one path parameter: every seeded object of organization A of that
    kind; for secrets, the role's own link (else a random one); else a random value."""
    v = role.volunteer
    path = route.path
    by_name: dict[str, list[str]] = {
        "event_id": list(s.events.values()),
        "shift_id": [s.shift_id],
        "signup_id": [x.signup_id for x in s.volunteers.values() if x.key != "stranger"],
        "org_id": [str(s.owner.org_id)],
        "membership_id": s.membership_ids,
        "campaign_id": [s.campaign_id],
        "task_id": [s.task_id],
        "target_id": [s.target_id],
        "token_id": [s.token_id],
        "org_file": [f"{s.owner.org_id}.ics"],
    }
    if role.member is s.other:
        # B's own event too: its roster must not show what a shared volunteer told A.
        by_name["event_id"].append(s.other_event)
    if name in by_name:
        return by_name[name]
    if name == "feed_token" and v:
        return [v.feed]
    if name == "token" and v:
        if path.startswith("/m/"):
            return [v.manage]
        if path.startswith("/my/"):
            return [v.home]
        if path == "/feeds/me/{token:str}":
            return [v.feed + ".ics"]
        if path.startswith("/feeds/me/"):
            return [v.feed]
    if name == "action":
        return ["approve", "remove"]
    return [_random(kind)]


def fill(path: str, values: tuple[str, ...]) -> str:
    """``path`` with its parameters replaced by ``values``, in order."""
    given = iter(values)
    return PARAM.sub(lambda _: next(given), path)


def urls(route: Route, s: Seed, role: Role, limit: int = 16) -> Iterator[tuple[str, set[str]]]:
    """Concrete paths for ``route`` and the organization-A ids each one carries."""
    choices = [candidates(route, n, k, s, role) for n, k in route.params]
    if role.volunteer is not None and any(n == "signup_id" for n, _ in route.params):
        index = [n for n, _ in route.params].index("signup_id")
        choices[index] = [role.volunteer.signup_id, *choices[index]]
    a_ids = s.ids_of_a() | {f"{s.owner.org_id}.ics"}
    for combo in itertools.islice(itertools.product(*choices), limit):
        yield fill(route.path, combo), {c for c in combo if c in a_ids}


def query_variants(path: str, s: Seed) -> list[str]:
    """The bare URL, plus filters that could pull organization A's events or people into
    an answer."""
    org, campaign = s.owner.org_id, s.campaign_id
    extra: list[str] = []
    if path in ("/api/v1/events", "/feeds/events.ics"):
        extra = [f"?org={org}", f"?campaign={campaign}", f"?near={NEAR}&radius_km=1"]
    elif path == "/":
        extra = [f"?near={NEAR}&radius_km=1", f"?campaign={campaign}"]
    elif path.endswith("/attendees"):
        extra = ["?q=canary", "?status=pending", "?status=waitlisted"]
    elif path.endswith("/tasks"):
        extra = ["?include_archived=true"]
    return ["", *extra]


def is_page(path: str) -> bool:
    """HTML routes that may answer an htmx fragment instead of the page (other templates)."""
    return not path.startswith(("/api/", "/feeds/", "/static/", "/schema")) and not path.endswith(
        (".ics", ".csv", ".json", ".js", ".webmanifest")
    )


# --- scanning -----------------------------------------------------------------------------


def response_text(response: httpx.Response) -> str:
    """Body and every header value, lower case, with ICS folding undone."""
    body = response.content.decode("utf-8", errors="replace")
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return (headers + "\n" + body).replace("\r\n ", "").replace("\r\n\t", "").lower()


def leaks(text: str, canaries: list[Canary], allowed: set[str]) -> list[str]:
    return [
        f"{c.group}:{needle}"
        for c in canaries
        if c.group not in allowed
        for needle in c.needles
        if needle.lower() in text
    ]
