"""Invariant 4: every state-changing route answers 403 without the CSRF token.

The crawl takes the routes from the app's own route table, so a route added tomorrow is
crawled too. For each method other than GET/HEAD/OPTIONS it sends, from a signed-in
owner's browser session (real login: the session and CSRF cookies are there), a
plausible body with path parameters filled from real, seeded objects, so the handler
would otherwise act. Nothing may change in the database. The one route allowed to skip
the check is RFC 8058's one-click unsubscribe POST; a second exemption fails the test.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from server import db
from server.accounts import api_tokens, email_change, members, passwords
from server.accounts import service as accounts
from server.accounts import signup as account_signup
from server.accounts.tables import Membership, Organizer
from server.privacy import service as privacy
from server.signups import home_links, notices
from server.signups import service as signups
from tests.accounts.helpers import SIGNUP_LINK, mailed_link
from tests.actions.helpers import add_target, campaign_of, create_task, target_json, task_json
from tests.conftest import csrf_token, unique_email
from tests.events.helpers import (
    PASSWORD,
    Member,
    add_member,
    create_event,
    event_json,
    member_with_org,
    sign_in,
)
from tests.signups.helpers import add_shift, person, rsvp, signups_of, soon

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# RFC 8058: mail providers post it for the user and have no CSRF token (server/mail/pages.py).
EXEMPT = {"POST /unsubscribe/{token:str}"}
# 77 state-changing method+route pairs when this test was written; far fewer means the
# route table was not read (a vacuous crawl), not that routes were removed on purpose.
MIN_ROUTES = 70
CSRF_REJECTION = "CSRF token verification failed"
# In the control run (with the token) these go last, in this order: they change who is
# signed in, lock the organization behind 2FA or end the session the rest runs in.
LAST = [
    "POST /organizer/orgs/{org_id:uuid}/require-2fa",
    "POST /invitations/{token:str}",
    "POST /signup/confirm/{token:str}",
    "POST /signup",
    "POST /login",
    "POST /login/2fa",
    "POST /forget",
    "POST /logout",
    "POST /organizer/security/sign-out-everywhere",
]


@dataclass
class Seeded:
    """Real objects for the path parameters, so that only the missing token stops a write."""

    params: dict[str, str]
    tokens: dict[str, str]  # /m/, /my/, /invitations/: secrets by path prefix
    owner: Member
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Probe:
    method: str
    template: str  # the route's path with its converters, e.g. /m/{token:str}
    path: str
    json: Any = None
    form: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def is_api(self) -> bool:
        return self.template.startswith("/api/")


def state_changing_routes(app: Litestar) -> Iterator[tuple[str, HTTPRoute, HTTPRouteHandler]]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(set(handler.http_methods) - SAFE_METHODS):
                yield method, route, handler


async def seed(client: httpx.AsyncClient) -> Seeded:
    owner = await member_with_org()
    await accounts.make_admin(owner.email)  # the /admin routes are theirs too
    viewer = await add_member(owner, "viewer")
    membership = (
        await Membership.select(Membership.id).where(Membership.organizer == viewer.who.id).first()
    )
    assert membership is not None
    event = await create_event(client, owner, publish=True, starts_at=soon(), ends_at=soon(hour=20))
    shift = await add_shift(client, owner, event["id"])
    volunteer = person("crawl")
    assert (await rsvp(client, event["id"], volunteer)).status_code == 201
    await notices.flush()  # its confirmation mail replaces the manage link: send it first
    signup_id = (await signups_of(event["id"]))[0]["id"]
    campaign_id = await campaign_of(owner)
    task = await create_task(client, owner, campaign_id)
    target = await add_target(client, owner, task["id"])
    token_id, _ = await api_tokens.create(owner.who, "crawl")
    invitation = await members.invite(owner.who, owner.org_id, unique_email("invited"), "viewer")
    report_id = await privacy.report_event(uuid.UUID(event["id"]), "trap", "crawl")
    pending = await accounts.create_organization(owner.who, "Awaiting approval")
    newcomer = unique_email("newcomer")  # a sign-up waiting for its mailed link
    await account_signup.request_account(newcomer, PASSWORD, "Crawl Newcomer", "")
    signup_link = await mailed_link(newcomer, SIGNUP_LINK)
    params = {
        "org_id": str(owner.org_id),
        "membership_id": str(membership["id"]),
        "event_id": event["id"],
        "shift_id": shift["id"],
        "signup_id": str(signup_id),
        "campaign_id": str(campaign_id),
        "task_id": task["id"],
        "target_id": target["id"],
        "token_id": str(token_id),
        "report_id": str(report_id),
        "action": "check_in",
    }
    tokens = {
        "/m/": await signups.issue_manage_link(signup_id),
        "/my/": await home_links.issue(volunteer["email"]),
        "/invitations/": invitation.secret,
        "/signup/confirm/": signup_link.rsplit("/", 1)[-1],
        # A real unsubscribe token would let the exempt route act; an unknown one shows
        # it is exempt (404, not 403) without changing anything.
        "/unsubscribe/": uuid.uuid4().hex,
        "/login/reset/": await _reset_token(owner.email),
        "/organizer/email/confirm/": email_change._seal(
            owner.who.id, owner.email, unique_email("moved")
        ),
    }
    return Seeded(params, tokens, owner, {"pending_org_id": str(pending.id)})


async def _reset_token(email: str) -> str:
    row = await Organizer.select().where(Organizer.email == email).first()
    assert row is not None
    return passwords._seal(row["id"], row["password_hash"])


def _fill(template: str, route: HTTPRoute, seeded: Seeded) -> str:
    path = template
    for parameter in route.path_parameters.values():
        value = seeded.params.get(parameter.name)
        if parameter.name == "org_id" and "/admin/" in template:  # only a pending one
            value = seeded.extra["pending_org_id"]
        if parameter.name == "token":
            value = next(v for k, v in seeded.tokens.items() if template.startswith(k))
        if value is None:  # a parameter this test does not know yet: still crawled
            value = str(uuid.uuid4()) if parameter.type is uuid.UUID else uuid.uuid4().hex
        path = path.replace("{" + parameter.full + "}", value)
    assert "{" not in path, path
    return path


# Plausible bodies: what the API's schemas take, what the pages' forms send.
JSON_BODIES: dict[str, Any] = {
    "POST /api/v1/organizations": {"name": "Crawl group"},
    "POST /api/v1/tokens": {"name": "crawl"},
    "POST /api/v1/organizations/{org_id:uuid}/invitations": {
        "email": "crawl-invite@example.org",
        "role": "viewer",
    },
    "POST /api/v1/organizations/{org_id:uuid}/events": event_json(),
    "PUT /api/v1/events/{event_id:uuid}": event_json(title="Renamed by a forged request"),
    "POST /api/v1/organizations/{org_id:uuid}/campaigns": {"title": "Crawl campaign"},
    "POST /api/v1/admin/organizations/{org_id:uuid}/approve": {"note": "crawl"},
    "POST /api/v1/events/{event_id:uuid}/signups": person("forged"),
    "PATCH /api/v1/signups/manage": {"guests": 0},
    "POST /api/v1/events/{event_id:uuid}/shifts": {
        "role": "Steward",
        "starts_at": soon(hour=17),
        "ends_at": soon(hour=18),
    },
    "PUT /api/v1/shifts/{shift_id:uuid}": {
        "role": "Renamed",
        "starts_at": soon(hour=17),
        "ends_at": soon(hour=18),
    },
    "POST /api/v1/campaigns/{campaign_id:uuid}/tasks": task_json(),
    "PUT /api/v1/tasks/{task_id:uuid}": task_json(title="Renamed"),
    "POST /api/v1/tasks/{task_id:uuid}/targets": target_json(),
    "PUT /api/v1/targets/{target_id:uuid}": target_json(name="Renamed"),
    "POST /api/v1/tasks/{task_id:uuid}/completions": {"outcome": "reached"},
}
# The fields the pages' forms send; every form gets them all (a form ignores the fields it
# does not read), so each is a plausible submission of that form.
FORM_FIELDS = {
    "email": "crawl-form@example.org",
    "password": PASSWORD,
    "display_name": "Crawl",
    "name": "Crawl group",
    "title": "Crawl",
    "role": "viewer",
    "reason": "trap",
    "details": "forged",
    "note": "forged",
    "guests": "0",
    "outcome": "reached",
    "code": "000000",
    "confirm": "yes",
}


def probes(app: Litestar, seeded: Seeded) -> list[Probe]:
    found = []
    for method, route, _ in state_changing_routes(app):
        probe = Probe(method, route.path, _fill(route.path, route, seeded))
        if probe.is_api:
            probe.json = JSON_BODIES.get(probe.key, {})
            if probe.path.endswith("/completions"):
                probe.headers["Idempotency-Key"] = uuid.uuid4().hex
            if "/tasks/order" in probe.path:
                probe.json = {"task_ids": [seeded.params["task_id"]]}
        else:
            probe.form = dict(FORM_FIELDS)
        found.append(probe)
    return found


async def send(client: httpx.AsyncClient, probe: Probe, token: str | None = None) -> httpx.Response:
    """The request as a browser would send it; ``token`` in the form field on pages and
    in the header on the API (never both: each way is checked)."""
    headers = dict(probe.headers)
    if probe.is_api:
        if token is not None:
            headers["x-csrftoken"] = token
        return await client.request(probe.method, probe.path, json=probe.json, headers=headers)
    form = dict(probe.form or {})
    if token is not None:
        form["_csrf_token"] = token
    return await client.request(probe.method, probe.path, data=form, headers=headers)


async def snapshot() -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of its rows, whatever order they come in."""
    await notices.flush()  # mail that signups still owe is written now, not mid-crawl
    state = {}
    for table in db.all_tables():
        rows = await table.select().run()
        digest = hashlib.sha256("\n".join(sorted(repr(sorted(r.items())) for r in rows)).encode())
        state[table._meta.tablename] = (len(rows), digest.hexdigest())
    return state


def _changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


async def test_every_state_change_needs_the_csrf_token(
    app: Litestar, client: httpx.AsyncClient, client_factory: Any
) -> None:
    seeded = await seed(client)
    crawl = probes(app, seeded)
    assert len(crawl) >= MIN_ROUTES, f"only {len(crawl)} state-changing routes found"
    assert any(p.is_api for p in crawl) and any(not p.is_api for p in crawl)
    async with client_factory() as browser, client_factory() as other:
        await sign_in(browser, seeded.owner.email)
        assert (await browser.get("/organizer")).status_code == 200
        assert browser.cookies.get("session") and browser.cookies.get("csrftoken")
        # A valid token of another browser: signed by us, but not this browser's cookie.
        wrong = await csrf_token(other, "/login")
        assert wrong != browser.cookies["csrftoken"]

        before = await snapshot()
        exempt = set()
        for attempt in (None, wrong):
            for probe in crawl:
                answer = await send(browser, probe, attempt)
                if answer.status_code == 403 and CSRF_REJECTION in answer.text:
                    continue
                exempt.add(probe.key)
                assert probe.key in EXEMPT, (
                    f"{probe.key} answered {answer.status_code} without a valid CSRF token"
                    f" ({'wrong token' if attempt else 'no token'}): {answer.text[:300]}"
                )
        assert exempt == EXEMPT, "the RFC 8058 unsubscribe POST must stay the only exemption"
        after = await snapshot()
        assert after == before, f"rows changed without a CSRF token: {_changed(before, after)}"

        # The control: the same requests with this browser's token get past the check,
        # and the snapshot sees the writes (so its "no change" above means something).
        good = await csrf_token(browser, "/organizer")
        done = 0
        for probe in sorted(crawl, key=lambda p: LAST.index(p.key) if p.key in LAST else -1):
            answer = await send(browser, probe, good)
            assert CSRF_REJECTION not in answer.text, probe.key
            done += answer.status_code < 400
        # Most act (the rest meet objects that earlier requests deleted, or bodies that a
        # generic form cannot get right): the seeded objects did reach the handlers.
        assert done >= len(crawl) // 2, f"only {done} of {len(crawl)} writes went through"
        assert _changed(before, await snapshot()), "the crawl's writes changed nothing"


async def test_the_exemption_is_declared_on_that_route_only(app: Litestar) -> None:
    """The route table says the same as the crawl: one handler opts out, by its opt key."""
    declared = {
        f"{method} {route.path}"
        for method, route, handler in state_changing_routes(app)
        if handler.opt.get("exclude_from_csrf")
    }
    assert declared == EXEMPT
