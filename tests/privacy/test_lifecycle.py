"""Invariant 6: a volunteer exports and deletes their data; ended events are purged.

The proof is a scan of every table of the app: after a deletion or a purge none of the
volunteer's canary strings (name, email, phone, note) may appear anywhere, while the
event's counts and the other volunteers stay as they were.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar

from server.actions import completions
from server.actions.schemas import CompletionInput
from server.actions.tables import ActionCompletion
from server.db import all_tables
from server.mail.tables import Outbox
from server.privacy import lifecycle
from server.signups.tables import Signup, Volunteer
from tests.actions.helpers import campaign_of, create_task
from tests.conftest import csrf_token
from tests.e2e.live import muster_env, run_muster
from tests.events.helpers import Member, member_with_org, post_form
from tests.signups.conftest import fast_password_hashing  # noqa: F401  (autouse fixture)
from tests.signups.helpers import mails_to, manage_token, published_event, statuses


@dataclass
class Person:
    name: str
    email: str
    phone: str
    note: str
    network: str = ""  # the hash of the network they signed up from (signups/anomalies.py)

    @property
    def canaries(self) -> list[str]:
        return [self.name, self.email, self.phone, self.note, self.network]


def _person(label: str) -> Person:
    tag = secrets.token_hex(5)
    digits = "".join(str(secrets.randbelow(10)) for _ in range(9))
    return Person(
        name=f"Canary{label}{tag}",
        email=f"canary-{label}-{tag}@example.org",
        phone=f"+4915{digits}",
        note=f"note-{label}-{tag}",
    )


@dataclass
class World:
    member: Member
    event: dict[str, Any]
    task_id: uuid.UUID
    target: Person
    others: list[Person]


async def _signed_up(app: Litestar, event_id: str, task_id: uuid.UUID, n: int) -> Person:
    """A volunteer who RSVPs from a network of their own (198.51.n.0/24)."""
    person = _person("v")
    transport = httpx.ASGITransport(app=app, client=(f"198.51.{n}.7", 5000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            f"/api/v1/events/{event_id}/signups",
            json={"display_name": person.name, "email": person.email, "phone": person.phone},
            headers={"x-csrftoken": await csrf_token(client, "/login")},
        )
    assert response.status_code == 201, response.text
    stored = (
        await Signup.select(Signup.network).where(Signup.volunteer.email == person.email).first()
    )
    assert stored is not None and len(stored["network"]) == 16
    person.network = stored["network"]
    volunteer = await Volunteer.select(Volunteer.id).where(Volunteer.email == person.email).first()
    assert volunteer is not None
    await completions.complete(
        None,
        task_id,
        CompletionInput(outcome="reached", note=person.note),
        uuid.uuid4().hex,
        volunteer_id=volunteer["id"],
    )
    return person


async def _world(client: httpx.AsyncClient, app: Litestar) -> World:
    member = await member_with_org()
    campaign_id = await campaign_of(member)
    _, event = await published_event(
        client, member, title="Vigil for Chechnya", campaign_id=str(campaign_id)
    )
    task = await create_task(client, member, campaign_id)
    task_id = uuid.UUID(task["id"])
    target = await _signed_up(app, event["id"], task_id, 1)
    others = [await _signed_up(app, event["id"], task_id, n) for n in (2, 3)]
    for person in (target, *others):
        assert await mails_to(person.email), "the confirmation mail is queued (and scanned)"
    return World(member, event, task_id, target, others)


async def _everything() -> str:
    """Every row of every table of the app, as one string."""
    dumps = []
    for table in all_tables():
        rows = await table.select()
        dumps.append(f"{table._meta.tablename}: {rows!r}")
    return "\n".join(dumps).lower()


async def _assert_nowhere(canaries: list[str]) -> None:
    text = await _everything()
    for canary in canaries:
        assert canary.lower() not in text, f"{canary!r} is still stored"


async def _assert_everywhere(canaries: list[str]) -> None:
    text = await _everything()
    for canary in canaries:
        assert canary.lower() in text, f"{canary!r} is missing"


async def _completions_count(task_id: uuid.UUID) -> int:
    return int(await ActionCompletion.count().where(ActionCompletion.task == task_id))


# --- export -------------------------------------------------------------------------------


async def test_export_is_a_json_download_of_everything_about_the_volunteer(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    world = await _world(client, app)
    token = await manage_token(world.target.email)
    manage = await client.get(f"/m/{token}")
    assert f'action="/m/{token}/export"' in manage.text

    without_csrf = await client.post(f"/m/{token}/export")
    assert without_csrf.status_code == 403

    response = await post_form(client, f"/m/{token}", f"/m/{token}/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment")
    assert "no-store" in response.headers["cache-control"]
    data = response.json()
    assert data["volunteer"]["email"] == world.target.email
    [signup] = data["signups"]
    assert signup["display_name"] == world.target.name
    assert signup["phone"] == world.target.phone
    assert signup["event_title"] == "Vigil for Chechnya"
    assert signup["status"] == "going"
    assert [c["note"] for c in data["action_completions"]] == [world.target.note]
    assert {m["kind"] for m in data["mail"]} and all(
        m["recipient"] == world.target.email for m in data["mail"]
    )
    text = json.dumps(data)
    assert "token_hash" not in text
    assert world.target.network not in text  # a keyed hash that means nothing to them
    for other in world.others:  # only theirs
        assert other.email not in text and other.name not in text


# --- delete -------------------------------------------------------------------------------


async def test_delete_leaves_no_trace_but_keeps_the_counts(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    world = await _world(client, app)
    await _assert_everywhere(world.target.canaries)
    token = await manage_token(world.target.email)
    counts = await statuses(world.event["id"])
    assert counts == {"going": 3}
    done = await _completions_count(world.task_id)

    confirm = await client.get(f"/m/{token}/delete")
    assert confirm.status_code == 200
    assert "no-store" in confirm.headers["cache-control"]
    unconfirmed = await post_form(client, f"/m/{token}/delete", f"/m/{token}/delete")
    assert unconfirmed.status_code == 422
    assert await Volunteer.exists().where(Volunteer.email == world.target.email)

    response = await post_form(
        client, f"/m/{token}/delete", f"/m/{token}/delete", {"confirm": "yes"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/data-deleted"
    page = await client.get("/data-deleted")
    assert page.status_code == 200 and world.target.name not in page.text

    await _assert_nowhere(world.target.canaries)
    assert await statuses(world.event["id"]) == counts
    assert await _completions_count(world.task_id) == done
    await _assert_everywhere([c for other in world.others for c in other.canaries])
    assert (await client.get(f"/m/{token}")).status_code == 404
    assert (await client.get(f"/m/{token}/delete")).status_code == 404

    # The others hear that the event is cancelled; nothing goes to the anonymised signup.
    cancelled = await client.post(
        f"/api/v1/events/{world.event['id']}/cancel", headers=world.member.bearer
    )
    assert cancelled.status_code == 200, cancelled.text
    kinds = [m["kind"] for m in await mails_to(world.others[0].email)]
    assert "event_cancelled" in kinds
    assert not await Outbox.exists().where(Outbox.recipient.like("%deleted.invalid"))
    await _assert_nowhere(world.target.canaries)


# --- purge --------------------------------------------------------------------------------


async def test_purge_waits_for_the_configured_days_then_leaves_no_trace(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    world = await _world(client, app)
    # One of the volunteers also signed up for a later event: they stay, minus this one.
    _, later = await published_event(
        client, world.member, starts_at=_in(60, 18), ends_at=_in(60, 20)
    )
    stays = world.others[0]
    again = await client.post(
        f"/api/v1/events/{later['id']}/signups",
        json={"display_name": stays.name, "email": stays.email},
        headers={"x-csrftoken": await csrf_token(client, "/login")},
    )
    assert again.status_code == 201, again.text
    await mails_to(stays.email)
    counts = await statuses(world.event["id"])
    done = await _completions_count(world.task_id)
    ended = datetime.fromisoformat(world.event["ends_at"])

    early = await lifecycle.purge(30, now=ended + timedelta(days=29))
    assert early.events == 0
    await _assert_everywhere(world.target.canaries)

    report = await lifecycle.purge(30, now=ended + timedelta(days=31))
    assert report.events == 1 and report.signups == 3
    gone = [world.target, world.others[1]]
    await _assert_nowhere([c for person in gone for c in person.canaries])
    # This event's phone and network, the campaign's note (the later signup came from
    # another network, the test client's).
    await _assert_nowhere([stays.phone, stays.note, stays.network])
    assert await statuses(world.event["id"]) == counts
    assert await _completions_count(world.task_id) == done
    assert not await Outbox.exists().where(Outbox.event_id == uuid.UUID(world.event["id"]))
    # The later event keeps its signup, with the name the volunteer gave there.
    kept = await Signup.select(Signup.display_name).where(Signup.event == uuid.UUID(later["id"]))
    assert [r["display_name"] for r in kept] == [stays.name]
    assert await Volunteer.exists().where(Volunteer.email == stays.email)

    again_report = await lifecycle.purge(30, now=ended + timedelta(days=31))
    assert again_report.events == 0  # nothing left to purge: it does not run again


def _in(days: int, hour: int) -> str:
    from tests.signups.helpers import soon

    return soon(days=days, hour=hour)


def test_muster_purge_runs_from_the_command_line(tmp_path: Path) -> None:
    env = muster_env(tmp_path / "purge.db", PURGE_AFTER_DAYS="7")
    migrated = run_muster("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    result = run_muster("purge", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("purged 0 events")
    assert run_muster("purge", "--days", "0", env=env).returncode == 0
