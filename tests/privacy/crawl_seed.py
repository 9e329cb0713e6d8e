"""The permission crawl's data: organizations A and B, A's events (public, attendees-only,
approval, draft, private), volunteers with canary names, emails and phones, their secret
links, and an action completion with a canary note; all through the real API and pages.

Every canary carries a random hex tag, so a scan of a response (body and headers, ICS
lines unfolded) for that tag finds it however it was escaped or wrapped.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from litestar import Litestar

from server.accounts import members
from server.accounts.tables import ApiToken, Membership
from server.tokens import utcnow
from tests.actions.helpers import add_target, campaign_of, create_task, new_key
from tests.conftest import csrf_token, make_client
from tests.events.helpers import Member, add_member, create_event, event_json, member_with_org
from tests.signups.helpers import HOME_LINK, add_shift, mails_to, manage_token, person, rsvp, soon

# The attendees-only event's exact place: none of it may reach the public (invariant 2).
HIDDEN_LAT, HIDDEN_LON = 52.517391, 13.388942
# Searched near the rounded point, not the exact one: a page may echo the search back.
NEAR = "52.52,13.39"


def _tag() -> str:
    return secrets.token_hex(6)


@dataclass
class Canary:
    group: str  # who may see it: a volunteer key, "addr:<event key>", "note", "members"...
    needles: tuple[str, ...]


@dataclass
class Volunteer:
    key: str
    name: str
    email: str
    phone: str
    manage: str = ""
    home: str = ""
    feed: str = ""
    signup_id: str = ""
    mail_since: datetime | None = None  # mail before this moment is not held against a role


@dataclass
class Seed:
    owner: Member
    organizer: Member
    viewer: Member
    other: Member  # owner of organization B
    events: dict[str, str]  # key -> id, organization A
    other_event: str
    shift_id: str
    campaign_id: str
    task_id: str
    target_id: str
    volunteers: dict[str, Volunteer]
    canaries: list[Canary]
    membership_ids: list[str]
    token_id: str

    @property
    def public_event_ids(self) -> set[str]:
        return {self.events[k] for k in ("public", "attendees", "approval")}

    def ids_of_a(self) -> set[str]:
        """Every id of organization A's objects that a URL of the crawl may carry."""
        return {
            *self.events.values(),
            str(self.owner.org_id),
            self.shift_id,
            self.campaign_id,
            self.task_id,
            self.target_id,
            self.token_id,
            *self.membership_ids,
            *(v.signup_id for v in self.volunteers.values() if v.signup_id),
        }


# --- seeding ------------------------------------------------------------------------------


_PHONES = iter(secrets.SystemRandom().sample(range(1000), 100))


def _volunteer(key: str) -> Volunteer:
    tag = _tag()
    digits = f"{next(_PHONES):03d}"  # unique within a run: one volunteer's phone is not another's
    return Volunteer(
        key=key,
        name=f"Canary-Name-{tag}",
        email=f"canary-{_tag()}@example.org",
        phone=f"+44 7700 900{digits}",
    )


def volunteer_canary(v: Volunteer) -> Canary:
    local = v.phone.replace(" ", "")
    # The phone as typed, without spaces and without the country code: any of them leaks.
    phones = (v.phone, local, local.replace("+44", "0"), local[3:])
    return Canary(f"vol:{v.key}", (v.name.rsplit("-", 1)[1], v.email.split("@")[0], *phones))


async def _join(client: httpx.AsyncClient, event_id: str, v: Volunteer, **extra: Any) -> str:
    response = await rsvp(
        client, event_id, person(display_name=v.name, email=v.email, phone=v.phone, **extra)
    )
    assert response.status_code == 201, response.text
    v.manage = await manage_token(v.email)
    status: str = response.json()["status"]
    if status == "unconfirmed":  # places are counted: confirmed from the email, as people do
        confirmed = await client.post(
            "/api/v1/signups/manage/confirm", headers={"X-Manage-Token": v.manage}
        )
        assert confirmed.status_code == 200, confirmed.text
        status = confirmed.json()["status"]
    return status


async def _signup_id(client: httpx.AsyncClient, v: Volunteer) -> str:
    mine = await client.get("/api/v1/signups/manage", headers={"X-Manage-Token": v.manage})
    assert mine.status_code == 200, mine.text
    return str(mine.json()["id"])


def _client_from(app: Litestar, address: str) -> httpx.AsyncClient:
    """A browser on its own address (asking for a "my signups" link is rate-limited per client)."""
    transport = httpx.ASGITransport(app=app, client=(address, 5000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _home_and_feed(app: Litestar, n: int, v: Volunteer) -> None:
    """The "my signups" link (asked for by address, read from the mail) and the feed link."""
    async with _client_from(app, f"198.51.100.{n}") as client:
        await _ask_home_and_feed(client, v)


async def _ask_home_and_feed(client: httpx.AsyncClient, v: Volunteer) -> None:
    token = await csrf_token(client, "/my-signups")
    asked = await client.post("/my-signups", data={"email": v.email, "_csrf_token": token})
    assert asked.status_code == 200, asked.text
    for row in reversed(await mails_to(v.email)):
        found = HOME_LINK.search(row["text_body"])
        if found:
            v.home = found.group(1)
            break
    assert v.home, f"no home link mailed to {v.email}"
    csrf = await csrf_token(client, f"/my/{v.home}")
    made = await client.post(f"/my/{v.home}/feed", data={"_csrf_token": csrf})
    assert made.status_code == 303, made.text
    v.feed = made.headers["location"].rsplit("/", 1)[1]


async def seed(app: Litestar) -> Seed:
    async with make_client(app) as client:
        owner = await member_with_org(name="Canary Group A")
        organizer = await add_member(owner, "organizer")
        viewer = await add_member(owner, "viewer")
        other = await member_with_org(name="Other Group B")

        hidden = {k: _tag() for k in ("attendees", "approval", "draft", "private")}
        base: dict[str, Any] = {"starts_at": soon(), "ends_at": soon(hour=20)}

        def hidden_place(key: str) -> dict[str, Any]:
            return {
                "address_visibility": "attendees",
                "venue_name": f"Canaryhaus Hall {hidden[key]}",
                "address": f"17 Canaryhaus Lane {hidden[key]}",
                "online_url": f"https://meet.example.org/canary-{hidden[key]}",
            }

        settings: dict[str, dict[str, Any]] = {
            "attendees": {"capacity": 1, "lat": HIDDEN_LAT, "lon": HIDDEN_LON},
            "approval": {"requires_approval": True},
        }
        for key, values in settings.items():
            values.update(hidden_place(key), **base)
        events = {
            "public": await create_event(client, owner, publish=True, **base),
            "attendees": await create_event(client, owner, publish=True, **settings["attendees"]),
            "approval": await create_event(client, owner, publish=True, **settings["approval"]),
            "draft": await create_event(
                client, owner, title=f"Canary-Draft-{hidden['draft']}", **base
            ),
            "private": await create_event(
                client,
                owner,
                publish=True,
                visibility="private",
                title=f"Canary-Private-{hidden['private']}",
                **base,
            ),
        }
        ids = {k: str(e["id"]) for k, e in events.items()}
        shift = await add_shift(client, owner, ids["public"])
        other_event = await create_event(client, other, publish=True, **base)

        keys = ("going", "shift", "blocked", "attendee", "waitlisted", "pending", "shared")
        vols = {k: _volunteer(k) for k in keys}
        stranger = _volunteer("stranger")
        # Silently blocked after taking the only place: "never gets the address" from then on.
        assert await _join(client, ids["attendees"], vols["blocked"]) == "going"
        vols["blocked"].signup_id = await _signup_id(client, vols["blocked"])
        blocked = await client.post(
            f"/api/v1/signups/{vols['blocked'].signup_id}/block", headers=owner.bearer
        )
        assert blocked.status_code == 200, blocked.text
        vols["blocked"].mail_since = utcnow()  # what they were mailed while going was theirs
        assert await _join(client, ids["public"], vols["going"]) == "going"
        assert await _join(client, ids["public"], vols["shift"], shift_id=shift["id"]) == "going"
        assert await _join(client, ids["attendees"], vols["attendee"]) == "going"
        assert await _join(client, ids["attendees"], vols["waitlisted"]) == "waitlisted"
        assert await _join(client, ids["approval"], vols["pending"]) == "pending"
        assert await _join(client, str(other_event["id"]), stranger) == "going"
        # The same person gives B only their address: B must not get what they told A.
        assert await _join(client, ids["public"], vols["shared"]) == "going"
        plain = Volunteer("shared-at-b", "Plain Person", vols["shared"].email, "")
        assert await _join(client, str(other_event["id"]), plain) == "going"
        for n, v in enumerate((*vols.values(), stranger), start=1):
            await _home_and_feed(app, n, v)
            v.signup_id = await _signup_id(client, v)
        # A change mails everyone signed up: the waitlisted and pending must still get no address.
        for key, values in settings.items():
            moved = {**values, "starts_at": soon(hour=19), "ends_at": soon(hour=21)}
            changed = await client.put(
                f"/api/v1/events/{ids[key]}", json=event_json(**moved), headers=owner.bearer
            )
            assert changed.status_code == 200, changed.text

        campaign_id = await campaign_of(owner)
        task = await create_task(client, owner, campaign_id)
        target = await add_target(client, owner, task["id"])
        note = f"Canary-Note-{_tag()}"
        page = await client.get(f"/campaigns/{campaign_id}/actions")
        assert page.status_code == 200, page.text
        token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
        done = await client.post(
            f"/api/v1/tasks/{task['id']}/completions",
            json={"outcome": "reached", "country": "NO", "note": note},
            headers={
                "Idempotency-Key": new_key(),
                "x-csrftoken": token,
                "X-Signup-Token": vols["going"].manage,
            },
        )
        assert done.status_code == 201, done.text

    canaries = [volunteer_canary(v) for v in vols.values()]
    # B knows the shared volunteer's address (they gave it to B): only name and phone count.
    shared = canaries[keys.index("shared")]
    shared.needles = tuple(n for n in shared.needles if n != vols["shared"].email.split("@")[0])
    # Any "Canaryhaus" is a hidden place; the attendees event's group holds the bare word
    # so that its going volunteer, who may see their own, is still checked for the other.
    canaries.append(Canary("addr:attendees", (hidden["attendees"], "Canaryhaus")))
    canaries.append(Canary("addr:approval", (hidden["approval"],)))
    canaries.append(Canary("addr:attendees", (str(HIDDEN_LAT)[:8], str(HIDDEN_LON)[:8])))
    canaries.append(Canary("members", (hidden["draft"], hidden["private"])))
    canaries.append(Canary("note", (note.rsplit("-", 1)[1],)))
    # A pending invitation names someone who has not even agreed to join: members only.
    invited = f"canary-invited-{_tag()}@example.org"
    await members.invite(owner.who, owner.org_id, invited, "viewer")
    emails = (owner.email, organizer.email, viewer.email, invited)
    canaries.append(Canary("members", tuple(e.split("@")[0] for e in emails)))
    memberships = await Membership.select(Membership.id).where(
        Membership.organization == owner.org_id
    )
    token_row = await ApiToken.select(ApiToken.id).where(ApiToken.organizer == owner.who.id).first()
    assert token_row is not None
    return Seed(
        owner=owner,
        organizer=organizer,
        viewer=viewer,
        other=other,
        events=ids,
        other_event=str(other_event["id"]),
        shift_id=str(shift["id"]),
        campaign_id=str(campaign_id),
        task_id=str(task["id"]),
        target_id=str(target["id"]),
        volunteers={**vols, "stranger": stranger},
        canaries=canaries,
        membership_ids=[str(m["id"]) for m in memberships],
        token_id=str(token_row["id"]),
    )
