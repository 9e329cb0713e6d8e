"""Issue 12.5 / invariant 8: signing up tells nobody whether an address has an account.

Before: ``/signup`` answered 422 "An account with this email already exists." Now both
get the same "check your inbox" page; a new address is mailed the link that creates the
account, an existing account's owner is told that someone tried.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from server.accounts import service
from server.accounts.tables import Organizer
from tests.accounts.helpers import (
    PASSWORD,
    SIGNUP_LINK,
    mailed_link,
    mails_to,
    sign_in,
    sign_up,
    submit,
)
from tests.conftest import unique_email

CSRF = re.compile(r"[0-9a-f]{64,}")  # the CSRF token, in forms and hx-headers


def _form(email: str) -> dict[str, str]:
    return {"email": email, "display_name": "Someone Else", "password": PASSWORD + "!"}


def _same(page: str, email: str) -> str:
    return CSRF.sub("", page).replace(email, "EMAIL")


async def test_known_and_unknown_addresses_get_the_same_answer(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    known = await sign_up(client)
    before = await Organizer.count()
    unknown = unique_email()
    answers = {}
    for email in (known.upper(), unknown):
        async with client_factory() as stranger:
            answer = await submit(stranger, "/signup", "/signup", _form(email))
            answers[email] = answer
            assert (await stranger.get("/organizer")).status_code == 303  # not signed in
    a, b = answers.values()
    assert a.status_code == b.status_code == 200
    assert _same(a.text, known) == _same(b.text, unknown)
    assert "already exists" not in a.text
    assert await Organizer.count() == before  # nothing created before the link is opened

    # The owner of the known address hears of it; their password is untouched.
    [attempt] = [m for m in await mails_to(known) if m["kind"] == "account_signup_attempt"]
    assert "tried to create" in attempt["text_body"]
    assert "/signup/confirm/" not in attempt["text_body"]
    async with client_factory() as owner:
        assert (await sign_in(owner, known)).status_code == 303
    assert await service.authenticate(known, PASSWORD + "!") is None
    # The unknown address gets the link that creates the account.
    assert await mailed_link(unknown, SIGNUP_LINK)


async def test_both_branches_hash_the_password(
    client: httpx.AsyncClient,
    client_factory: Callable[[], httpx.AsyncClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    known = await sign_up(client)
    hashed: list[str] = []
    real = service._hash_password

    async def counting(password: str) -> str:
        hashed.append(password)
        return await real(password)

    monkeypatch.setattr(service, "_hash_password", counting)
    for email in (known, unique_email()):
        async with client_factory() as stranger:
            await submit(stranger, "/signup", "/signup", _form(email))
    assert len(hashed) == 2  # one argon2 hash each: no timing difference from skipping it


async def test_repeated_attempts_mail_the_owner_once_an_hour(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    known = await sign_up(client)
    for _ in range(3):
        async with client_factory() as stranger:
            await submit(stranger, "/signup", "/signup", _form(known))
    attempts = [m for m in await mails_to(known) if m["kind"] == "account_signup_attempt"]
    assert len(attempts) == 1


async def test_the_mailed_link_creates_the_account_once(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    email = unique_email()
    answer = await submit(client, "/signup", "/signup", _form(email))
    assert answer.status_code == 200
    link = await mailed_link(email, SIGNUP_LINK)
    shown = await client.get(link)  # a GET (mail scanners follow links) creates nothing
    assert shown.status_code == 200 and await Organizer.count() == 0
    done = await submit(client, link, link)
    assert done.status_code == 303 and done.headers["location"] == "/organizer"
    assert (await client.get("/organizer")).status_code == 200
    assert await Organizer.count() == 1
    async with client_factory() as again:
        replay = await submit(again, link, link)
        assert replay.status_code == 303 and replay.headers["location"] == "/login"
        assert (await again.get("/organizer")).status_code == 303
    assert await Organizer.count() == 1
    forged = link[:-6] + ("AAAAAA" if not link.endswith("AAAAAA") else "BBBBBB")
    assert (await client.get(forged)).status_code == 404
