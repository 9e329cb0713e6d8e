"""The volunteer's pages: /actions, a campaign's actions per country, marking an action done."""

from __future__ import annotations

import re
import uuid

import httpx

from server.actions.tables import ActionCompletion
from tests.actions.helpers import add_target, create_task, new_key, org_with_campaign
from tests.conftest import csrf_token

KEY_INPUT = re.compile(r'name="key" value="([^"]+)"')


async def _campaign(client: httpx.AsyncClient) -> tuple:
    member, campaign_id = await org_with_campaign()
    call = await create_task(client, member, campaign_id)
    await add_target(client, member, call["id"], name="Politiets grensekontroll")
    email = await create_task(
        client,
        member,
        campaign_id,
        kind="email",
        title="Write to UNHCR",
        subject="Schutz für {city}",
        script="Dear {target_name},\nplease help.\n{volunteer_name}",
        goal=None,
    )
    await add_target(
        client, member, email["id"], country="any", name="UNHCR", phone="", email="info@example.org"
    )
    return member, campaign_id, call, email


async def test_actions_index_lists_public_campaigns_only(client: httpx.AsyncClient) -> None:
    _member, campaign_id, _, _ = await _campaign(client)
    hidden, hidden_campaign = await org_with_campaign(approved=False)
    await create_task(client, hidden, hidden_campaign, title="Secret plan")
    page = await client.get("/actions")
    assert page.status_code == 200
    assert f'href="/campaigns/{campaign_id}/actions"' in page.text
    assert "2 actions" in page.text
    assert str(hidden_campaign) not in page.text


async def test_campaign_page_for_a_country(client: httpx.AsyncClient) -> None:
    _, campaign_id, call, email = await _campaign(client)
    page = await client.get(f"/campaigns/{campaign_id}/actions?country=NO")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert 'href="tel:+4700000000"' in html
    assert "Hello Politiets grensekontroll, my name is [your name] from [your city]." in html
    mailto = re.search(r'href="(mailto:[^"]+)"', html)
    assert mailto is not None
    assert mailto.group(1) == (
        "mailto:info@example.org?subject=Schutz%20f%C3%BCr%20%5Byour%20city%5D"
        "&amp;body=Dear%20UNHCR%2C%0D%0Aplease%20help.%0D%0A%5Byour%20name%5D"
    )
    assert 'name="country" value="NO"' in html
    assert html.count('name="key"') == 2
    assert "<script>" not in html and "style=" not in html
    assert "0 of 1,000 done" in html

    # Another country: the call has no number there; the email (any country) stays.
    france = await client.get(f"/campaigns/{campaign_id}/actions?country=FR")
    assert f'id="task-{email["id"]}"' in france.text
    assert f'id="task-{call["id"]}"' not in france.text
    assert "1 more action has no contact for France yet." in france.text

    # No country yet: every action, and a hint to choose one.
    anywhere = await client.get(f"/campaigns/{campaign_id}/actions")
    assert f'id="task-{call["id"]}"' in anywhere.text
    assert "Choose your country above to see whom to contact." in anywhere.text
    assert "Contacts so far for: Norway." in anywhere.text

    unknown = await client.get(f"/campaigns/{campaign_id}/actions?country=ZZ")
    assert unknown.status_code == 200 and "Unknown country" in unknown.text


async def test_unknown_or_hidden_campaigns_are_404(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"/campaigns/{uuid.uuid4()}/actions")).status_code == 404
    _, hidden = await org_with_campaign(approved=False)
    assert (await client.get(f"/campaigns/{hidden}/actions")).status_code == 404


async def test_mark_done_counts_once_per_form(client: httpx.AsyncClient) -> None:
    _, campaign_id, call, _ = await _campaign(client)
    page_url = f"/campaigns/{campaign_id}/actions?country=NO"
    page = await client.get(page_url)
    found = KEY_INPUT.search(page.text.split(f'id="task-{call["id"]}"', 1)[1])
    assert found is not None
    key = found.group(1)
    token = await csrf_token(client, page_url)
    form = {"_csrf_token": token, "key": key, "country": "NO", "outcome": "reached", "note": "ok"}
    action = f"/campaigns/{campaign_id}/actions/{call['id']}/done"
    done = await client.post(action, data=form)
    assert done.status_code == 303
    location = done.headers["location"]
    assert (
        location
        == f"/campaigns/{campaign_id}/actions?done={call['id']}&country=NO#task-{call['id']}"
    )
    after = await client.get(location.split("#")[0])
    assert "Thank you! Your action is counted." in after.text
    assert "1 of 1,000 done" in after.text and "1 of 1,000 actions taken" in after.text

    # A double tap (or the browser resending the form) carries the same key.
    again = await client.post(action, data=form)
    assert again.status_code == 303
    assert await ActionCompletion.count() == 1
    [row] = await ActionCompletion.select()
    assert row["country"] == "NO" and row["note"] == "ok" and row["outcome"] == "reached"


async def test_mark_done_errors_stay_on_the_card(client: httpx.AsyncClient) -> None:
    _, campaign_id, call, _ = await _campaign(client)
    page_url = f"/campaigns/{campaign_id}/actions?country=NO"
    token = await csrf_token(client, page_url)
    key = new_key()
    response = await client.post(
        f"/campaigns/{campaign_id}/actions/{call['id']}/done",
        data={"_csrf_token": token, "key": key, "country": "NO", "note": "kept text"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    card = response.text.split(f'id="task-{call["id"]}"', 1)[1].split("</article>", 1)[0]
    assert "Choose how it went." in card  # the choices are right there, in words
    assert "no_answer" not in card.split("<fieldset", 1)[0]  # no internal codes in the error
    assert 'aria-invalid="true"' in card
    assert "kept text" in card and f'value="{key}"' in card
    assert await ActionCompletion.count() == 0

    forged = await client.post(
        f"/campaigns/{campaign_id}/actions/{call['id']}/done",
        data={"key": key, "outcome": "reached"},
    )
    assert forged.status_code == 403
    _elsewhere, other_campaign = await org_with_campaign()
    wrong = await client.post(
        f"/campaigns/{other_campaign}/actions/{call['id']}/done",
        data={"_csrf_token": token, "key": key, "outcome": "reached"},
    )
    assert wrong.status_code == 404
    assert await ActionCompletion.count() == 0
