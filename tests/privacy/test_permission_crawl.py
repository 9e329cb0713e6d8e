"""The permission crawl (safety invariants 1 and 2): canary names, emails, phones, notes and
hidden addresses are seeded in organization A; every route of the app is requested as
anonymous, as volunteers (of another organization's event, waitlisted, pending, going),
as a member of organization B, as a member of A without the two-factor sign-in A requires,
and as A's viewer, organizer and owner. No canary may reach a role that may not see it (in
bodies, headers, feeds, exports and the volunteers' mail), and B's member gets 404 for A's
things, reads and writes. Routes come from the app's route table, so new ones are crawled
too (with random values for parameters the crawl does not know).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import Counter
from typing import Any

import httpx
from litestar import Litestar

from server import db
from tests.actions.helpers import target_json, task_json
from tests.conftest import csrf_token
from tests.events.helpers import event_form, event_json
from tests.privacy.crawl_helpers import (
    ORGANIZATION_A,
    Role,
    Route,
    is_page,
    leaks,
    query_variants,
    response_text,
    roles,
    route_table,
    urls,
)
from tests.privacy.crawl_seed import HIDDEN_LAT, Seed, seed
from tests.signups.helpers import export_csv, mails_to, soon

MIN_REQUESTS_PER_ROLE = 200
OUTSIDERS = ("member of B", "former member of A")

# GET routes anyone may read for a *public* object of A (a published public event of an
# approved organization, its campaign and actions): B's member gets what the public gets.
PUBLIC_READS = {
    "/events/{event_id:uuid}": "the public event page",
    "/events/{event_id:uuid}/calendar.ics": "the public event's calendar file",
    "/events/{event_id:uuid}/rsvp": "the public RSVP form",
    "/events/{event_id:uuid}/rsvp/done": "the RSVP confirmation (422 without its seal)",
    "/events/{event_id:uuid}/report": "anyone may report a public event",
    "/events/{event_id:uuid}/report/thanks": "after a report",
    "/api/v1/events/{event_id:uuid}": "the public shape of a public event",
    "/api/v1/events/{event_id:uuid}/availability": "places left are public",
    "/api/v1/organizations/{org_id:uuid}": "an approved organization's public view",
    "/api/v1/organizations/{org_id:uuid}/events": "an approved organization's public events",
    "/api/v1/organizations/{org_id:uuid}/campaigns": "an approved organization's campaigns",
    "/feeds/orgs/{org_file:str}": "an approved organization's public feed",
    "/api/v1/campaigns/{campaign_id:uuid}/tasks": "public actions",
    "/api/v1/campaigns/{campaign_id:uuid}/progress": "counts only, public",
    "/api/v1/tasks/{task_id:uuid}": "a public action",
    "/api/v1/tasks/{task_id:uuid}/targets": "a public action's targets (public officials)",
    "/campaigns/{campaign_id:uuid}/actions": "the public actions page",
}
# Writes anyone may make on a public object (RSVP, report, complete an action): the
# write crawl sends them only for A's draft and private events, which must be 404.
PUBLIC_WRITES = {
    ("POST", "/api/v1/events/{event_id:uuid}/signups"),
    ("POST", "/events/{event_id:uuid}/rsvp"),
    ("POST", "/events/{event_id:uuid}/report"),
    ("POST", "/api/v1/tasks/{task_id:uuid}/completions"),
    ("POST", "/campaigns/{campaign_id:uuid}/actions/{task_id:uuid}/done"),
}
# Tables whose rows say what A has; a write by B's member must leave them as they were.
WATCHED = (
    "organization",
    "membership",
    "invitation",
    "campaign",
    "event",
    "shift",
    "volunteer",
    "signup",
    "action_task",
    "action_target",
    "action_completion",
)
VOLATILE = {"last_used_at"}
MAIL_PARTS = ("subject", "text_body", "html_body", "ics", "headers", "recipient_name")


def _public_ids(s: Seed) -> set[str]:
    return {
        *s.public_event_ids,
        str(s.owner.org_id),
        f"{s.owner.org_id}.ics",
        s.campaign_id,
        s.task_id,
    }


async def _get(role: Role, path: str, htmx: bool = False) -> httpx.Response:
    headers = role.headers(path)
    if htmx:
        headers = {**headers, "HX-Request": "true"}
    return await role.client.get(path, headers=headers)


async def _id_blind(
    role: Role, url: str, a_ids: set[str], seen: httpx.Response, htmx: bool
) -> bool:
    """Whether ``url`` answers exactly the same with unknown ids in place of A's: then the
    answer says nothing about A's objects (nothing to probe), e.g. a "thanks" page."""
    swap = {a_id: str(uuid.uuid4()) for a_id in a_ids}
    unknown_url, body = url, seen.text
    for a_id, other in swap.items():
        unknown_url, body = unknown_url.replace(a_id, other), body.replace(a_id, "<id>")
    unknown = await _get(role, unknown_url, htmx)
    unknown_body = unknown.text
    for other in swap.values():
        unknown_body = unknown_body.replace(other, "<id>")
    return unknown.status_code == seen.status_code and unknown_body == body


async def _crawl(app: Litestar, s: Seed, crawlers: list[Role]) -> dict[str, Any]:
    """A's members crawl first, then everyone else (so that an answer cached for a member
    would reach the others); the roles of each phase crawl side by side."""
    result: dict[str, Any] = {"leaks": [], "counts": Counter(), "cross_org": []}
    members = [r for r in crawlers if r.allowed >= ORGANIZATION_A]
    others = [r for r in crawlers if r not in members]
    for phase in (members, others):
        await asyncio.gather(*(_crawl_as(app, s, role, result) for role in phase))
    return result


async def _crawl_as(app: Litestar, s: Seed, role: Role, result: dict[str, Any]) -> None:
    public = _public_ids(s)
    outsider = role.name in OUTSIDERS
    own = role.volunteer.signup_id if role.volunteer else None
    others = {v.signup_id for v in s.volunteers.values()} - {own}
    for route in (r for r in route_table(app) if r.method == "GET"):
        for path, a_ids in urls(route, s, role):
            for query, htmx in _variants(route, s):
                response = await _get(role, path + query, htmx)
                result["counts"][role.name] += 1
                where = f"{role.name} GET {path}{query}{' (htmx)' if htmx else ''}"
                where += f" -> {response.status_code}"
                assert response.status_code < 500, where
                for leak in leaks(response_text(response), s.canaries, role.allowed):
                    result["leaks"].append(f"{where}: {leak}")
                # Signed-in outsiders get 404 for A's things; a volunteer for other
                # volunteers' signups. (A's member without 2FA is sent to enrol: a member.)
                if outsider and a_ids:
                    if route.path in PUBLIC_READS and a_ids <= public:
                        continue
                elif not (role.volunteer and a_ids & others):
                    continue
                if response.status_code == 404:
                    continue
                if not await _id_blind(role, path + query, a_ids, response, htmx):
                    result["cross_org"].append(where)


def _variants(route: Route, s: Seed) -> list[tuple[str, bool]]:
    out = [(q, False) for q in query_variants(route.path, s)]
    if is_page(route.path):
        out.append(("", True))
    return out


async def _volunteer_channels(s: Seed, crawlers: list[Role]) -> list[str]:
    """What reaches a volunteer outside pages: their data export and the mail they got."""
    found = []
    for role in crawlers:
        v = role.volunteer
        if v is None:
            continue
        token = await csrf_token(role.client, f"/m/{v.manage}/delete")
        export = await role.client.post(f"/m/{v.manage}/export", data={"_csrf_token": token})
        assert export.status_code == 200 and v.email in export.text, export.text
        for leak in leaks(response_text(export), s.canaries, role.allowed):
            found.append(f"{role.name} POST /m/<token>/export: {leak}")
        mails = await mails_to(v.email)
        assert mails, v.email
        if v.key in ("waitlisted", "pending"):  # the change mail went to them too
            assert "event_changed" in {m["kind"] for m in mails}, v
        for row in mails:
            if row["status"] == "dropped":
                continue  # never sent (e.g. the reminders of a blocked signup)
            if v.mail_since and row["created_at"] < v.mail_since:
                continue
            text = "\n".join(str(row[k] or "") for k in MAIL_PARTS).lower()
            text = text.replace("\r\n ", "").replace("\r\n\t", "")
            for leak in leaks(text, s.canaries, role.allowed):
                found.append(f"{role.name} mail {row['kind']!r}: {leak}")
    return found


async def test_the_crawl_covers_every_route_and_leaks_no_canary(app: Litestar) -> None:
    s = await seed(app)
    crawlers = await roles(app, s, gated=True)
    try:
        owner = next(r for r in crawlers if r.name == "owner")
        # Not vacuous: the canaries are really there for those who may see them.
        pages, apis = "", ""
        for key in ("attendees", "public", "approval"):
            page = await owner.client.get(f"/organizer/events/{s.events[key]}/attendees")
            assert page.status_code == 200, page.text
            api = await _get(owner, f"/api/v1/events/{s.events[key]}/attendees")
            assert api.status_code == 200, api.text
            csv = await export_csv(owner.client, s.events[key])
            assert csv.status_code == 200, csv.text
            pages, apis = pages + page.text + csv.text, apis + api.text
        for v in s.volunteers.values():
            if v.key != "stranger":
                assert v.name in pages and v.email in pages and v.phone in pages, v
                assert v.name in apis and v.email in apis, v
        full = await _get(owner, f"/api/v1/events/{s.events['attendees']}")
        assert str(HIDDEN_LAT) in full.text and "Canaryhaus Lane" in full.text, full.text
        attendee = next(r for r in crawlers if r.name == "going volunteer")
        assert attendee.volunteer is not None
        mine = await _get(attendee, f"/m/{attendee.volunteer.manage}")
        assert mine.status_code == 200 and "Canaryhaus Lane" in mine.text
        b = next(r for r in crawlers if r.name == "member of B")
        theirs = await _get(b, f"/api/v1/events/{s.other_event}/attendees")
        assert s.volunteers["shared"].email in theirs.text, theirs.text
        lacking = next(r for r in crawlers if r.name == "member of A without 2FA")
        members = await _get(lacking, f"/api/v1/organizations/{s.owner.org_id}/members")
        assert members.status_code == 403, members.text
        completions = await _get(owner, f"/api/v1/campaigns/{s.campaign_id}/completions")
        assert "Canary-Note-" in completions.text

        result = await _crawl(app, s, crawlers)
        result["leaks"] += await _volunteer_channels(s, crawlers)
    finally:
        for role in crawlers:
            await role.client.aclose()
    assert not result["leaks"], "\n".join(result["leaks"])
    assert not result["cross_org"], "an outsider did not get 404:\n" + "\n".join(
        result["cross_org"]
    )
    for role in crawlers:
        assert result["counts"][role.name] >= MIN_REQUESTS_PER_ROLE, result["counts"]


async def test_every_openapi_path_is_in_the_route_table(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    crawled = {(r.openapi_path, r.method) for r in route_table(app)}
    documented = {
        (path, method.upper())
        for path, item in schema["paths"].items()
        for method in item
        if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE")
    }
    assert documented, "the schema lists no operations"
    assert documented <= crawled, sorted(documented - crawled)


# --- writes by the member of another organization -------------------------------------------


def _json_body(route: Route) -> Any:
    path = route.path
    if path.endswith("/signups"):
        return {"display_name": "Intruder", "email": "intruder@example.org"}
    if "/shifts" in path:
        return {"role": "Marshal", "starts_at": soon(hour=17), "ends_at": soon(hour=19)}
    if path.endswith("/events") or path.startswith("/api/v1/events/{event_id:uuid}"):
        return event_json(starts_at=soon(), ends_at=soon(hour=20))
    if path.endswith("/campaigns"):
        return {"title": "Taken over"}
    if path.endswith("/invitations"):
        return {"email": "intruder@example.org", "role": "owner"}
    if path.endswith("/tasks/order"):
        return {"task_ids": [str(uuid.uuid4())]}
    if path.endswith("/tasks") or path == "/api/v1/tasks/{task_id:uuid}":
        return task_json()
    if "/targets" in path:
        return target_json()
    if path.endswith("/approve"):
        return {"note": "approved by an intruder"}
    if path.endswith("/completions"):
        return {"outcome": "done"}
    return {}


def _form_body(token: str) -> dict[str, str]:
    return {
        **event_form(),
        "role": "Marshal",
        "email": "intruder@example.org",
        "name": "Intruder",
        "title": "Taken over",
        "display_name": "Intruder",
        "confirm": "yes",
        "_csrf_token": token,
    }


async def _snapshot() -> str:
    digest = hashlib.sha256()
    for table in db.all_tables():
        name = table._meta.tablename
        if name not in WATCHED:
            continue
        rows = await table.select()
        lines = sorted(
            repr(sorted((k, v) for k, v in row.items() if k not in VOLATILE)) for row in rows
        )
        digest.update(f"{name}:{len(rows)}:{lines}".encode())
    return digest.hexdigest()


async def test_writes_by_another_organization_answer_404_and_change_nothing(
    app: Litestar,
) -> None:
    s = await seed(app)
    crawlers = await roles(app, s)
    try:
        intruder = next(r for r in crawlers if r.name == "member of B")
        form_token = await csrf_token(intruder.client, "/organizer")
        before = await _snapshot()
        hidden = {s.events["draft"], s.events["private"]}
        answers: list[str] = []
        sent = 0
        for route in route_table(app):
            if route.method == "GET" or not route.params:
                continue
            for path, a_ids in urls(route, s, intruder):
                if s.other_event in path:
                    continue  # B's own event: theirs to change
                if (route.method, route.path) in PUBLIC_WRITES and not a_ids & hidden:
                    continue
                if path.startswith("/api/"):
                    headers = {**intruder.headers(path), "Idempotency-Key": uuid.uuid4().hex}
                    response = await intruder.client.request(
                        route.method, path, json=_json_body(route), headers=headers
                    )
                else:
                    response = await intruder.client.request(
                        route.method, path, data=_form_body(form_token)
                    )
                sent += 1
                if response.status_code != 404:
                    answers.append(f"{route.method} {path} -> {response.status_code}")
        after = await _snapshot()
    finally:
        for role in crawlers:
            await role.client.aclose()
    assert not answers, "B's member did not get 404:\n" + "\n".join(answers)
    assert before == after, "a write by another organization's member changed A's data"
    assert sent >= 60, sent
