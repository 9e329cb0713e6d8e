"""What a volunteer (and the demo organizer) does on the phone, step by step, for the
browser tests."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING, cast

from server.demo.accounts import ORGANIZER_EMAIL, ORGANIZER_PASSWORD

if TYPE_CHECKING:
    from playwright.async_api import Geolocation, Page

# Near Unter den Linden, Berlin: the demo's Berlin vigil is the nearest event.
BERLIN: Geolocation = {"latitude": 52.5163, "longitude": 13.3777}
BERLIN_EVENT = "Mahnwache"
MY_SIGNUPS_LINK = re.compile(r"https?://[^\s\"'<>]+/my/[A-Za-z0-9_-]{22,}")
MAIL_WAIT_S = 20.0
DEMO_ORGANIZER = (ORGANIZER_EMAIL, ORGANIZER_PASSWORD)


def volunteer_email() -> str:
    return f"volunteer-{uuid.uuid4().hex[:10]}@example.org"


async def find_rally_near_me(tab: Page) -> str:
    """Home → "Near me" (the context's mocked position) → the nearest event's URL."""
    await tab.goto("/")
    await tab.locator("button[data-near-me]").tap()
    first = tab.locator("#results ol.events > li").first
    await first.locator(".distance").wait_for()
    assert "near=" in tab.url  # the rounded point went into the (shareable) URL
    link = first.locator("h3 a")
    assert BERLIN_EVENT in await link.inner_text()
    href = await link.get_attribute("href")
    assert href
    return href


async def rsvp(tab: Page, event_url: str, name: str, email: str) -> None:
    """The event page's RSVP form (loaded and sent with htmx) up to its confirmation."""
    if not tab.url.endswith(event_url):
        await tab.goto(event_url)
    form = tab.locator("#rsvp form")
    await form.wait_for()
    await form.locator("input[name=display_name]").fill(name)
    await form.locator("input[name=email]").fill(email)
    await form.locator("button[type=submit]").tap()
    await tab.locator("#rsvp h2", has_text="You're going").wait_for()


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


async def newest_mail_to(mail_dir: Path, email: str, pattern: re.Pattern[str]) -> str:
    """The first match of ``pattern`` in the newest .eml to ``email`` that has one.

    The live server's mail worker writes each message as an .eml file shortly after the
    request; this polls the directory until one arrives (or MAIL_WAIT_S passes).
    """
    deadline = time.monotonic() + MAIL_WAIT_S
    while True:
        files = sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in files:
            message = cast(
                EmailMessage, BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            )
            if email not in str(message["To"]):
                continue
            found = pattern.search(_text_of(message))
            if found:
                return found.group(0)
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {email} matching {pattern.pattern} in {mail_dir}")
        await asyncio.sleep(0.2)  # polling the worker's output, not waiting a fixed time


async def open_my_signups(tab: Page, mail_dir: Path, email: str) -> str:
    """Ask for the "my signups" link by email, read it from the mail, open it."""
    await tab.goto("/my-signups")
    form = tab.locator("main form[action='/my-signups']")
    await form.locator("input[name=email]").fill(email)
    await form.locator("button[type=submit]").tap()
    await tab.locator("main .notice[role=status]").wait_for()
    link = await newest_mail_to(mail_dir, email, MY_SIGNUPS_LINK)
    await tab.goto(link)
    return link


async def sign_in_as_demo_organizer(tab: Page) -> None:
    await tab.goto("/login")
    await tab.locator("main input[name=email]").fill(DEMO_ORGANIZER[0])
    await tab.locator("main input[name=password]").fill(DEMO_ORGANIZER[1])
    await tab.locator("main button[type=submit]").tap()
    await tab.wait_for_url("**/organizer")
