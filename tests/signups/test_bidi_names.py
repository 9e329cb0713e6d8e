"""Names and titles with invisible direction controls (issue 12, item 10).

U+202E (RIGHT-TO-LEFT OVERRIDE) in a name made "Ahmed" read "demhA" on the check-in
list. Such controls are stripped when a name or title is taken; Arabic and Hebrew
letters are kept as typed; and lists show every name inside <bdi>, so even a name
stored before the fix cannot reorder the text around it.
"""

from __future__ import annotations

import re

import httpx
import pytest

from server.text import one_line, strip_bidi_controls
from tests.events.helpers import event_json, member_with_org, sign_in
from tests.signups.helpers import add_shift, person, published_event, rsvp, signups_of

RLO, PDF, RLI, PDI, LRM, RLM, ALM = (
    "\u202e",
    "\u202c",
    "\u2067",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
)
ARABIC = "أحمد الرفاعي"
HEBREW = "דנה כהן"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (f"{RLO}Ahmed{PDF}", "Ahmed"),
        (f"Eve{RLI}lived{PDI}", "Evelived"),
        (f"\u202a\u202b\u202dX{LRM}{RLM}{ALM}\u2066\u2068", "X"),
        (ARABIC, ARABIC),
        (HEBREW, HEBREW),
        (f"  {ARABIC} \t (Mo) ", f"{ARABIC} (Mo)"),
        (f"{RLO}{PDF}  ", ""),  # only invisible characters: an empty name
    ],
)
def test_one_line_drops_direction_controls_and_keeps_letters(typed: str, kept: str) -> None:
    assert one_line(typed) == kept


def test_long_text_keeps_its_lines() -> None:
    assert strip_bidi_controls(f"a{RLO}\nb") == "a\nb"


async def test_rsvp_names_lose_overrides_and_lists_isolate_them(
    client: httpx.AsyncClient,
) -> None:
    member, event = await published_event(client)
    sneaky = await rsvp(client, event["id"], person(1, display_name=f"{RLO}Ahmed Override"))
    arabic = await rsvp(client, event["id"], person(2, display_name=ARABIC))
    assert sneaky.status_code == arabic.status_code == 201, sneaky.text
    names = {r["display_name"] for r in await signups_of(event["id"])}
    assert names == {"Ahmed Override", ARABIC}
    empty = await rsvp(client, event["id"], person(3, display_name=f"{RLO}{PDF}"))
    assert empty.status_code == 422
    assert {e["field"] for e in empty.json()["errors"]} == {"display_name"}

    await sign_in(client, member.email)
    for path in (
        f"/organizer/events/{event['id']}/checkin",
        f"/organizer/events/{event['id']}/attendees",
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert RLO not in page.text
        assert "<bdi>Ahmed Override</bdi>" in page.text, path
        assert f"<bdi>{ARABIC}</bdi>" in page.text, path


async def test_event_titles_lose_overrides_and_show_isolated(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    created = await client.post(
        f"/api/v1/organizations/{member.org_id}/events",
        json=event_json(title=f"{RLO}Vigil{PDF} for {HEBREW}"),
        headers=member.bearer,
    )
    assert created.status_code == 201, created.text
    assert created.json()["title"] == f"Vigil for {HEBREW}"
    event_id = created.json()["id"]
    await client.post(f"/api/v1/events/{event_id}/publish", headers=member.bearer)
    page = await client.get(f"/events/{event_id}")
    assert re.search(rf"<h1><bdi>Vigil for {HEBREW}</bdi></h1>", page.text)


async def test_campaign_titles_and_shift_roles_lose_overrides(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client)
    campaign = await client.post(
        f"/api/v1/organizations/{member.org_id}/campaigns",
        json={"title": f"{RLO}#DontTurnAway{PDF} {ARABIC}"},
        headers=member.bearer,
    )
    assert campaign.status_code == 201, campaign.text
    assert campaign.json()["title"] == f"#DontTurnAway {ARABIC}"
    shift = await add_shift(client, member, event["id"], role=f"{RLI}First aid{PDI}")
    assert shift["role"] == "First aid"


async def test_organizer_organization_action_and_target_names_lose_overrides(
    client: httpx.AsyncClient,
) -> None:
    from server.accounts import service as accounts
    from tests.actions.helpers import add_target, campaign_of, create_task

    organizer = await accounts.register_organizer(
        f"bidi-{RLO}x@example.org".replace(RLO, ""), "long enough password", f"{RLO}Ahmed{PDF}"
    )
    assert organizer.display_name == "Ahmed"
    organization = await accounts.create_organization(organizer, f"{RLI}Rainbow{PDI} {ARABIC}")
    assert organization.name == f"Rainbow {ARABIC}"
    member = await member_with_org()
    task = await create_task(client, member, await campaign_of(member), title=f"{RLO}Call{PDF}")
    assert task["title"] == "Call"
    target = await add_target(client, member, task["id"], name=f"{RLO}Border police{PDF}")
    assert target["name"] == "Border police"
