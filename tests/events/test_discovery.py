"""Discovery over HTTP: the home page, GET /api/v1/events, GET /api/v1/places, caching."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from litestar import Litestar

from server.events import search
from tests.events.helpers import approve, member_with_org, sign_in
from tests.events.test_search import add_event, approved_org, bump, destination

CANARY = "Canary Street 4711"
CANARY_VENUE = "Safehouse Canary Hall"
RESULTS = {"HX-Request": "true", "HX-Target": "results"}


def problem_fields(response: httpx.Response) -> set[str]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"] for e in response.json()["errors"]}


async def test_api_lists_nearby_events_with_distance(client: httpx.AsyncClient) -> None:
    org = await approved_org()
    near = await add_event(org, *destination(52.52, 13.40, 90, 4), title="Vigil at the Gate")
    await add_event(org, 48.14, 11.58, title="Munich")
    response = await client.get("/api/v1/events", params={"near": "52.52,13.40", "radius_km": 10})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    body = response.json()
    assert [e["id"] for e in body["items"]] == [str(near)]
    assert body["items"][0]["distance_km"] == pytest.approx(4, abs=0.1)
    assert body["items"][0]["url"] == f"http://testserver/events/{near}"
    assert (body["total"], body["page"], body["per_page"], body["has_next"]) == (1, 1, 20, False)
    listed = (await client.get("/api/v1/events")).json()
    assert len(listed["items"]) == 2 and listed["items"][0]["distance_km"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"near": "berlin"}, "near"),
        ({"near": "52.5"}, "near"),
        ({"near": "91,13"}, "near"),
        ({"near": "52.5,13.4", "radius_km": "0.5"}, "radius_km"),
        ({"near": "52.5,13.4", "radius_km": "501"}, "radius_km"),
        ({"near": "52.5,13.4", "radius_km": "far"}, "radius_km"),
        ({"from": "2026-02-30"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"from": "2026-12-05", "to": "2026-12-04"}, "to"),
        ({"page": "0"}, "page"),
        ({"per_page": "51"}, "per_page"),
        ({"campaign": "not-a-uuid"}, "campaign"),
        ({"org": "42"}, "org"),
    ],
)
async def test_api_bad_query_is_problem_naming_the_field(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    assert problem_fields(await client.get("/api/v1/events", params=params)) == {field}


async def test_etag_revalidation_and_an_event_change_makes_a_new_etag(
    client: httpx.AsyncClient,
) -> None:
    org = await approved_org()
    await add_event(org, title="First")
    first = await client.get("/api/v1/events")
    tag = first.headers["etag"]
    assert tag.startswith('"') and not tag.startswith("W/")

    again = await client.get("/api/v1/events", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    assert (
        await client.get("/api/v1/events", headers={"If-None-Match": f"W/{tag}"})
    ).status_code == 304

    # An event change (add_event bumps the version, as the events service does) makes a
    # new answer with a new validator: the old one no longer matches.
    await add_event(org, title="Second")
    changed = await client.get("/api/v1/events", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert {e["title"] for e in changed.json()["items"]} == {"First", "Second"}


async def test_cached_answer_is_reused_until_the_version_changes(
    client: httpx.AsyncClient,
) -> None:
    from server.events.tables import Event

    org = await approved_org()
    await add_event(org, title="Cached")
    assert [e["title"] for e in (await client.get("/api/v1/events")).json()["items"]] == ["Cached"]
    # A write that (wrongly) skips the bump: the cached answer stands...
    await Event.update({Event.title: "Renamed"}).where(Event.title == "Cached")
    assert [e["title"] for e in (await client.get("/api/v1/events")).json()["items"]] == ["Cached"]
    # ...until the version moves, as every events-service write does.
    await bump()
    assert [e["title"] for e in (await client.get("/api/v1/events")).json()["items"]] == ["Renamed"]


async def test_an_approval_shows_the_organizations_events(client: httpx.AsyncClient) -> None:
    member = await member_with_org(approved=False)
    await add_event(member.org_id, title="Waiting")
    assert (await client.get("/api/v1/events")).json()["items"] == []
    await approve(member.org_id)
    search.forget()  # instead of waiting a second for the memo of approvals
    assert [e["title"] for e in (await client.get("/api/v1/events")).json()["items"]] == ["Waiting"]


async def test_hidden_address_never_reaches_home_page_or_api(client: httpx.AsyncClient) -> None:
    org = await approved_org()
    event = await add_event(
        org, 52.5249, 13.4049, hidden=True, address=CANARY, venue=CANARY_VENUE, title="Hidden"
    )
    answers = [
        await client.get("/"),
        await client.get("/", headers=RESULTS),
        await client.get("/", params={"near": "52.52,13.40"}),
        await client.get("/", params={"place": "Berlin"}, headers=RESULTS),
        await client.get("/api/v1/events"),
        await client.get("/api/v1/events", params={"near": "52.52,13.40", "radius_km": 5}),
    ]
    for response in answers:
        assert response.status_code == 200
        assert str(event) in response.text
        assert CANARY not in response.text and CANARY_VENUE not in response.text
        assert "52.5249" not in response.text and "13.4049" not in response.text
    item = answers[-1].json()["items"][0]
    assert (item["address"], item["venue_name"], item["lat"], item["lon"]) == (
        None,
        None,
        52.52,
        13.4,
    )
    assert "Berlin" in answers[0].text


async def test_home_page_lists_upcoming_events(client: httpx.AsyncClient) -> None:
    org = await approved_org()
    soon = await add_event(org, title="Vigil for Chechnya", starts_in=timedelta(days=1))
    await add_event(org, title="Later march", starts_in=timedelta(days=3))
    response = await client.get("/")
    assert response.status_code == 200
    html = response.text
    assert html.startswith("<!doctype html>") and 'id="results"' in html
    assert f'href="/events/{soon}"' in html
    assert html.index("Vigil for Chechnya") < html.index("Later march")
    assert "CET" in html or "CEST" in html  # local time with the zone's abbreviation
    assert 'name="place"' in html and "data-near-me" in html and 'id="near-status"' in html
    assert 'hx-get="/"' in html and 'hx-target="#results"' in html and 'hx-push-url="true"' in html
    assert response.headers["cache-control"] == "private, no-cache"
    assert "HX-Request" in response.headers["vary"]
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_htmx_search_gets_only_the_results(client: httpx.AsyncClient) -> None:
    org = await approved_org()
    await add_event(org, *destination(52.52, 13.40, 0, 3), title="Three km north")
    response = await client.get("/", params={"place": "Berlin", "radius_km": "10"}, headers=RESULTS)
    assert response.status_code == 200
    assert "<html" not in response.text and "<form" not in response.text
    assert "Three km north" in response.text
    assert "km away" in response.text and "Berlin, Germany" in response.text
    assert response.headers["cache-control"] == "public, max-age=60"
    assert "HX-Request" in response.headers["vary"]
    assert "csrf" not in response.text.lower()  # nothing per visitor in a shared answer
    # A boosted navigation (HX-Request without our target) gets the whole page.
    boosted = await client.get("/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert boosted.text.startswith("<!doctype html>")


async def test_place_search_messages(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/", params={"place": "Atlantisville"})
    assert unknown.status_code == 200
    assert "We don't know a place called “Atlantisville”" in unknown.text
    assert 'aria-invalid="true"' in unknown.text and 'id="place-error"' in unknown.text
    bad = await client.get("/", params={"near": "somewhere", "from": "soon"}, headers=RESULTS)
    assert "could not be read" in bad.text and 'id="from-error"' in bad.text
    several = await client.get("/", params={"place": "Paris"}, headers=RESULTS)
    assert "Paris, France" in several.text and "Did you mean" in several.text
    assert several.text.count(">Paris, United States</a>") == 1
    # Five Springfields in one country: a link per country, so none to the same one again.
    same = await client.get("/", params={"place": "Springfield"}, headers=RESULTS)
    assert "Springfield, United States" in same.text and "Did you mean" not in same.text
    # Country names in the reader's language.
    german = await client.get(
        "/", params={"place": "Paris"}, headers={**RESULTS, "Accept-Language": "de"}
    )
    assert "Paris, Frankreich" in german.text and ">Paris, Vereinigte Staaten</a>" in german.text


async def test_home_pagination_links(client: httpx.AsyncClient) -> None:
    org = await approved_org()
    for day in range(1, 23):
        await add_event(org, title=f"Event {day:02}", starts_in=timedelta(days=day))
    first = await client.get("/")
    assert "Event 20" in first.text and "Event 21" not in first.text
    assert 'rel="next" href="/?page=2"' in first.text and 'rel="prev"' not in first.text
    second = await client.get("/", params={"page": "2"}, headers=RESULTS)
    assert "Event 21" in second.text and "Event 22" in second.text and "Event 20" not in second.text
    assert 'rel="prev" href="/"' in second.text and 'rel="next"' not in second.text


async def test_home_page_revalidates_with_304(client: httpx.AsyncClient) -> None:
    org = await approved_org()
    await add_event(org)
    first = await client.get("/")  # sets the CSRF cookie the page's token comes from
    second = await client.get("/")
    tag = second.headers["etag"]
    again = await client.get("/", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    fragment = await client.get("/", headers=RESULTS)
    assert fragment.headers["etag"] != tag
    cached = await client.get("/", headers={**RESULTS, "If-None-Match": fragment.headers["etag"]})
    assert cached.status_code == 304
    assert first.status_code == 200


async def test_signed_in_organizer_gets_their_own_page(client_factory) -> None:
    member = await member_with_org()
    await add_event(member.org_id, title="Shared event")
    async with client_factory() as anonymous, client_factory() as organizer:
        await anonymous.get("/")
        public = await anonymous.get("/")
        await sign_in(organizer, member.email)
        mine = await organizer.get("/")
        assert "Shared event" in mine.text and "Shared event" in public.text
        assert "Sign out" in mine.text and "Sign out" not in public.text
        assert mine.headers["etag"] != public.headers["etag"]
        assert mine.headers["cache-control"] == "private, no-cache"
        # The other's validator does not fit: each gets their own page, not a 304.
        swapped = await organizer.get("/", headers={"If-None-Match": public.headers["etag"]})
        assert swapped.status_code == 200 and "Sign out" in swapped.text


async def test_campaign_filter_on_the_home_page(client: httpx.AsyncClient) -> None:
    from server.events.tables import Campaign

    org = await approved_org()
    campaign = Campaign(organization=org, title="#DontTurnAway")
    await campaign.save()
    await add_event(org, title="In the campaign", campaign=campaign.id)
    await add_event(org, title="Outside it")
    page = await client.get("/")
    assert f'<option value="{campaign.id}">#DontTurnAway</option>' in page.text
    filtered = await client.get("/", params={"campaign": str(campaign.id)}, headers=RESULTS)
    assert "In the campaign" in filtered.text and "Outside it" not in filtered.text


async def test_places_lookup(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/places", params={"q": "Berlin"})
    assert response.status_code == 200
    places = response.json()
    assert places[0] == {
        "name": "Berlin",
        "country": "DE",
        "country_name": "Germany",
        "lat": pytest.approx(52.52, abs=0.01),
        "lon": pytest.approx(13.41, abs=0.01),
        "timezone": "Europe/Berlin",
    }
    assert len(places) <= 10
    in_us = (await client.get("/api/v1/places", params={"q": "Paris, US"})).json()
    assert in_us and {p["country"] for p in in_us} == {"US"}
    assert (await client.get("/api/v1/places", params={"q": "Qqqxyz"})).json() == []
    assert problem_fields(await client.get("/api/v1/places")) == {"q"}


async def test_search_is_in_the_openapi_schema(client: httpx.AsyncClient, app: Litestar) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/events"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"near", "radius_km", "from", "to", "campaign", "org", "page", "per_page"} <= names
    assert {"200", "304", "400"} <= set(operation["responses"])
    assert "get" in schema["paths"]["/api/v1/places"]


async def test_unknown_ids_in_filters_find_nothing(client: httpx.AsyncClient) -> None:
    org = await approved_org()
    await add_event(org)
    response = await client.get("/api/v1/events", params={"campaign": str(uuid.uuid4())})
    assert response.status_code == 200 and response.json()["items"] == []


async def test_an_empty_search_near_a_place_offers_the_nearest_further_away(
    client: httpx.AsyncClient,
) -> None:
    org = await approved_org()
    await add_event(org, 53.55, 10.0, title="Vigil in Hamburg")  # ~255 km from Berlin
    await add_event(org, 51.05, 13.74, title="Rally in Dresden")  # ~165 km
    near = await client.get("/", params={"place": "Berlin", "radius_km": "25"}, headers=RESULTS)
    assert "No events found." in near.text
    assert "The nearest events further away" in near.text
    assert near.text.index("Rally in Dresden") < near.text.index("Vigil in Hamburg")
    assert "km" in near.text.split("Vigil in Hamburg", 1)[1]  # with its distance
    # Events within the radius: no such section.
    wide = await client.get("/", params={"place": "Berlin", "radius_km": "300"}, headers=RESULTS)
    assert "Vigil in Hamburg" in wide.text and "further away" not in wide.text


async def test_the_search_form_folds_away_once_a_place_is_set(client: httpx.AsyncClient) -> None:
    fresh = await client.get("/")
    assert 'class="card search-fold"' not in fresh.text
    assert '<details class="more-filters">' in fresh.text  # dates and campaign folded
    placed = await client.get("/", params={"place": "Berlin"})
    assert '<details class="card search-fold">' in placed.text  # closed: results first
    dated = await client.get("/", params={"from": "2030-01-01"})
    assert '<details class="more-filters" open>' in dated.text
    wrong = await client.get("/", params={"place": "Atlantisville"})
    assert "search-fold" not in wrong.text  # an error is never folded away


async def test_place_suggestions_as_one_types(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    assert 'list="place-options"' in home.text and 'hx-get="/places"' in home.text
    typed = await client.get("/places", params={"place": "Ber"}, headers={"HX-Request": "true"})
    assert typed.status_code == 200 and "set-cookie" not in typed.headers
    assert '<option value="Berlin, DE" label="Berlin, Germany">' in typed.text
    german = await client.get("/places", params={"place": "Ber"}, headers={"Accept-Language": "de"})
    assert 'label="Berlin, Deutschland"' in german.text
    cyrillic = await client.get("/places", params={"place": "Берл"})
    assert 'value="Berlin, DE"' in cyrillic.text  # names in other languages count too
    springs = await client.get("/places", params={"place": "Springfield"})
    assert springs.text.count('value="Springfield, US"') == 1  # each city and country once
    assert "<option" not in (await client.get("/places", params={"place": "B"})).text
    assert (await client.get("/places", params={"place": "x" * 101})).status_code == 400
    # The value is what the search reads back.
    found = await client.get("/", params={"place": "Berlin, DE"}, headers=RESULTS)
    assert "Berlin, Germany" in found.text
