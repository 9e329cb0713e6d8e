"""axe-core on every kind of page a volunteer or an organizer sees, on the phone, in light
and dark; each page also stays on our origin, and its screenshot is kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

from tests.e2e.checks import assert_clean, axe_violations
from tests.e2e.conftest import PageLog, save_screenshot
from tests.e2e.volunteer import (
    MY_SIGNUPS_LINK,
    newest_mail_to,
    open_my_signups,
    rsvp,
    sign_in_as_demo_organizer,
    volunteer_email,
)

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = pytest.mark.browser

MANAGE_LINK = re.compile(MY_SIGNUPS_LINK.pattern.replace("/my/", "/m/"))


class Audit:
    """Runs axe on each page it is shown and keeps every violation for one final assert."""

    def __init__(self, tab: Page) -> None:
        self.tab = tab
        self.problems: dict[str, list[dict[str, Any]]] = {}

    async def check(self, name: str, path: str | None = None, *, ready: str = "main h1") -> None:
        if path is not None:
            response = await self.tab.goto(path)
            assert response is not None and response.status < 500, (name, path)
        await self.tab.locator(ready).first.wait_for()
        schemes: tuple[Literal["light", "dark"], ...] = ("light", "dark")
        for scheme in schemes:
            await self.tab.emulate_media(color_scheme=scheme)
            violations = await axe_violations(self.tab)
            if violations:
                self.problems[f"{name} ({scheme}, {self.tab.url})"] = violations
        await self.tab.emulate_media(color_scheme="light")
        await save_screenshot(self.tab, f"a11y_{name}")

    def assert_none(self) -> None:
        assert self.problems == {}, "\n".join(
            f"{page}:\n"
            + "\n".join(f"  - {v['id']} ({v['impact']}): {v['help']}: {v['nodes']}" for v in found)
            for page, found in self.problems.items()
        )


async def test_public_pages_pass_axe(page: tuple[Page, PageLog]) -> None:
    tab, log = page
    audit = Audit(tab)
    await audit.check("home", "/")
    await audit.check("search_results", "/?place=Berlin&radius_km=50", ready="#results ol.events")
    event_url = await tab.locator("#results ol.events h3 a").first.get_attribute("href")
    await audit.check("event", event_url, ready="#rsvp form")
    await audit.check("rsvp_page_without_js", f"{event_url}/rsvp", ready="main form")
    await audit.check("login", "/login")
    await audit.check("forgot_password", "/login/forgot")
    await audit.check("organizer_signup", "/signup")
    await audit.check("my_signups_request", "/my-signups")
    await audit.check("offline", "/offline")
    await audit.check("forget", "/forget")
    await audit.check("not_found", "/no-such-page")
    audit.assert_none()
    await assert_clean(tab, log)


async def test_volunteer_pages_pass_axe(page: tuple[Page, PageLog], mail_dir: Path) -> None:
    tab, log = page
    audit = Audit(tab)
    await tab.goto("/")
    event_url = await tab.locator("ol.events h3 a").first.get_attribute("href")
    assert event_url
    email = volunteer_email()
    await rsvp(tab, event_url, "Chidi", email)
    await audit.check("rsvp_confirmation", ready="#rsvp h2")
    manage = await newest_mail_to(mail_dir, email, MANAGE_LINK)
    await audit.check("manage_signup", manage)
    await open_my_signups(tab, mail_dir, email)
    await audit.check("my_signups")
    detail = await tab.locator("main a[href*='/rsvp/']").first.get_attribute("href")
    await audit.check("my_signup_detail", detail)
    audit.assert_none()
    await assert_clean(tab, log)


async def test_a_counted_place_is_confirmed_from_the_mail(
    page: tuple[Page, PageLog], mail_dir: Path
) -> None:
    """Where places are counted an RSVP holds one only once confirmed from the email."""
    tab, log = page
    audit = Audit(tab)
    await tab.goto("/?place=Oslo&radius_km=50")
    found = tab.locator("ol.events h3 a", has_text="Storting").first
    event_url = await found.get_attribute("href")
    assert event_url, "the demo has no rally in Oslo (it has a capacity)"
    await tab.goto(event_url)
    form = tab.locator("#rsvp form")
    await form.wait_for()
    email = volunteer_email()
    await form.locator("input[name=display_name]").fill("Dilnoza")
    await form.locator("input[name=email]").fill(email)
    await form.locator("button[type=submit]").tap()
    await tab.locator("#rsvp h2", has_text="Almost done").wait_for()
    await audit.check("rsvp_unconfirmed", ready="#rsvp h2")
    await audit.check("manage_unconfirmed", await newest_mail_to(mail_dir, email, MANAGE_LINK))
    await tab.locator("main form[action$='/confirm'] button").tap()
    await tab.locator("main .notice[role=status]").wait_for()
    assert "You're going, Dilnoza." in await tab.locator("main").inner_text()
    audit.assert_none()
    await assert_clean(tab, log)


async def test_action_pages_pass_axe(page: tuple[Page, PageLog]) -> None:
    tab, log = page
    audit = Audit(tab)
    await audit.check("actions", "/actions")
    campaign = tab.locator("main a[href^='/campaigns/'][href$='/actions']").first
    campaign_url = await campaign.get_attribute("href")
    assert campaign_url, "the demo has no campaign with actions"
    await audit.check("campaign_actions", campaign_url)
    await audit.check("campaign_actions_for_a_country", f"{campaign_url}?country=FR")
    audit.assert_none()
    await assert_clean(tab, log)


async def test_organizer_pages_pass_axe(page: tuple[Page, PageLog]) -> None:
    tab, log = page
    audit = Audit(tab)
    await sign_in_as_demo_organizer(tab)
    await audit.check("organizer_dashboard")
    org_url = await tab.locator("main a[href^='/organizer/orgs/']").first.get_attribute("href")
    assert org_url
    org_url = "/organizer/orgs/" + org_url.split("/")[3]
    await audit.check("organization", org_url)
    await audit.check("organizer_events", f"{org_url}/events")
    await audit.check("new_event_form", f"{org_url}/events/new")
    await tab.goto(f"{org_url}/events")
    event_url = await tab.locator("main table a[href^='/events/']").first.get_attribute("href")
    assert event_url
    event_id = event_url.rsplit("/", 1)[-1]
    await audit.check("event_as_organizer", event_url)
    await audit.check("edit_event_form", f"/organizer/events/{event_id}/edit")
    await audit.check("attendees", f"/organizer/events/{event_id}/attendees")
    await audit.check("check_in", f"/organizer/events/{event_id}/checkin")
    await audit.check("audit_log", f"{org_url}/audit", ready="main table")  # the views above
    await audit.check("api_tokens", "/organizer/tokens")
    await audit.check("confirm_identity", "/organizer/confirm?next=/organizer/tokens")
    audit.assert_none()
    await assert_clean(tab, log)
