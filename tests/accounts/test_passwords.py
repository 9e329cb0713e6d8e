"""Forgot password, the reset link, and changing the password while signed in."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
import pytest

from server import crypto
from server.accounts import passwords
from server.accounts.tables import AuditEntry, Organizer, PasswordResetRequest
from server.logging import redact
from tests.accounts.helpers import PASSWORD, create_org, mails_to, sign_in, sign_up, submit
from tests.accounts.twofactor_helpers import enrol
from tests.conftest import unique_email

RESET_LINK = re.compile(r"http://testserver(/login/reset/[A-Za-z0-9_\-]+)")
CSRF = re.compile(r"[0-9a-f]{64,}")
NEW_PASSWORD = "a brand new passphrase"


async def _forgot(client: httpx.AsyncClient, email: str) -> httpx.Response:
    answer = await submit(client, "/login/forgot", "/login/forgot", {"email": email})
    await passwords.send_pending()  # the background sender
    return answer


async def _reset_link(email: str) -> str:
    for row in reversed(await mails_to(email)):
        found = RESET_LINK.search(row["text_body"])
        if found:
            return found.group(1)
    raise AssertionError(f"no reset link mailed to {email}")


async def test_known_and_unknown_addresses_get_the_same_answer(client: httpx.AsyncClient) -> None:
    known = await sign_up(client)
    await client.post("/logout", data={})  # a stranger's browser from here on
    client.cookies.clear()
    unknown = unique_email()
    before = len(await mails_to(known))
    first = await _forgot(client, known)
    second = await _forgot(client, unknown)
    assert first.status_code == second.status_code == 200
    assert CSRF.sub("", first.text) == CSRF.sub("", second.text)
    assert 'id="forgot-sent"' in first.text
    # Only the account's owner hears of it; nothing is mailed to an unknown address.
    assert len(await mails_to(known)) == before + 1
    assert await mails_to(unknown) == []
    # The request path wrote the same thing for both: a sealed address in a queue.
    assert await PasswordResetRequest.count() == 0  # handled and gone


async def test_a_malformed_address_is_a_field_error(client: httpx.AsyncClient) -> None:
    answer = await submit(client, "/login/forgot", "/login/forgot", {"email": "no-at-sign"})
    assert answer.status_code == 422
    assert 'id="email-error"' in answer.text
    assert await PasswordResetRequest.count() == 0


async def test_a_reset_link_works_once_and_ends_every_session(client_factory: Any) -> None:
    async with client_factory() as phone, client_factory() as stranger:
        email = await sign_up(phone)
        org_id = await create_org(phone)
        assert (await phone.get("/organizer")).status_code == 200
        await _forgot(stranger, email)
        link = await _reset_link(email)
        form = await stranger.get(link)
        assert form.status_code == 200 and 'autocomplete="new-password"' in form.text
        assert form.headers["cache-control"] == "no-store"

        done = await submit(stranger, link, link, {"password": NEW_PASSWORD})
        assert done.status_code == 303
        assert done.headers["location"] == "/login?reset=1"
        # Not signed in by the link, and the old sessions are over.
        assert (await stranger.get("/organizer")).status_code == 303
        assert (await phone.get("/organizer")).status_code == 303
        assert (await sign_in(stranger, email, PASSWORD)).status_code == 422
        assert (await sign_in(stranger, email, NEW_PASSWORD)).status_code == 303

        # Used: the same link changes nothing again.
        again = await stranger.get(link)
        assert again.status_code == 404 and "invalid, expired or used" in again.text
        replay = await submit(stranger, "/login/forgot", link, {"password": "yet another one!"})
        assert replay.status_code == 404
        assert (await sign_in(phone, email, NEW_PASSWORD)).status_code == 303

        # Logged for the organization, and mailed to the account.
        entries = await AuditEntry.select(AuditEntry.action).where(
            AuditEntry.organization == org_id
        )
        actions = [e["action"] for e in entries]
        assert "account.password_reset" in actions
        subjects = [m["subject"] for m in await mails_to(email)]
        assert "Your password was reset" in subjects


async def test_two_factor_still_applies_after_a_reset(client_factory: Any) -> None:
    async with client_factory() as browser:
        email = await sign_up(browser)
        await enrol(browser)
        browser.cookies.clear()
        await _forgot(browser, email)
        link = await _reset_link(email)
        assert (await submit(browser, link, link, {"password": NEW_PASSWORD})).status_code == 303
        signed = await sign_in(browser, email, NEW_PASSWORD)
        assert signed.status_code == 303
        assert signed.headers["location"].startswith("/login/2fa")
        assert (await browser.get("/organizer")).status_code == 303  # not in without the code


async def test_an_old_or_forged_link_is_refused(client: httpx.AsyncClient) -> None:
    email = await sign_up(client)
    row = await Organizer.select().where(Organizer.email == email).first()
    assert row is not None
    data = json.dumps(
        {"o": str(row["id"]), "f": passwords._fingerprint(row["password_hash"])}
    ).encode()
    old = crypto.fernet(passwords.PURPOSE).encrypt_at_time(data, int(time.time()) - 3601)
    stale = passwords.RESET_PATH + old.decode().rstrip("=")
    fresh = crypto.fernet(passwords.PURPOSE).encrypt(data)
    other_key = crypto.fernet("signup-token").encrypt(data)  # another feature's key
    for path in (
        stale,
        passwords.RESET_PATH + other_key.decode().rstrip("="),
        passwords.RESET_PATH + "A" * 100,
        passwords.RESET_PATH + "x" * 5000,
    ):
        answer = await client.get(path)
        assert answer.status_code == 404, path
    assert (await client.get(passwords.RESET_PATH + fresh.decode().rstrip("="))).status_code == 200


async def test_a_link_mailed_before_a_password_change_stops_working(
    client: httpx.AsyncClient,
) -> None:
    email = await sign_up(client)
    await _forgot(client, email)
    link = await _reset_link(email)
    changed = await submit(
        client,
        "/organizer/security",
        "/organizer/security/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert (await client.get(link)).status_code == 404


async def test_a_short_new_password_is_a_field_error_and_keeps_the_link(
    client: httpx.AsyncClient,
) -> None:
    email = await sign_up(client)
    await _forgot(client, email)
    link = await _reset_link(email)
    short = await submit(client, link, link, {"password": "short"})
    assert short.status_code == 422 and 'id="password-error"' in short.text
    assert (await client.get(link)).status_code == 200  # nothing changed, still usable


async def test_changing_the_password_keeps_this_session_and_ends_the_others(
    client_factory: Any,
) -> None:
    async with client_factory() as laptop, client_factory() as phone:
        email = await sign_up(laptop)
        assert (await sign_in(phone, email)).status_code == 303
        wrong = await submit(
            laptop,
            "/organizer/security",
            "/organizer/security/password",
            {"current_password": "not it at all", "password": NEW_PASSWORD},
        )
        assert wrong.status_code == 422 and 'id="current_password-error"' in wrong.text
        assert (await phone.get("/organizer")).status_code == 200  # nothing changed

        done = await submit(
            laptop,
            "/organizer/security",
            "/organizer/security/password",
            {"current_password": PASSWORD, "password": NEW_PASSWORD},
        )
        assert done.status_code == 303
        page = await laptop.get(done.headers["location"])
        assert page.status_code == 200 and "Every other session was signed out" in page.text
        assert (await phone.get("/organizer")).status_code == 303
        subjects = [m["subject"] for m in await mails_to(email)]
        assert "Your password was changed" in subjects


async def test_changing_the_password_needs_csrf(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    answer = await client.post(
        "/organizer/security/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD},
    )
    assert answer.status_code == 403


@pytest.mark.parametrize("path", ["/login/reset/", "/signup/confirm/"])
def test_links_are_kept_out_of_the_logs(path: str) -> None:
    token = "gAAAAABnQ2x" + "k" * 80
    assert token not in redact(f"GET {path}{token} HTTP/1.1")


CONFIRM_LINK = re.compile(r"http://testserver(/organizer/email/confirm/[A-Za-z0-9_\-]+)")


async def _confirm_link(email: str) -> str:
    for row in reversed(await mails_to(email)):
        found = CONFIRM_LINK.search(row["text_body"])
        if found:
            return found.group(1)
    raise AssertionError(f"no confirmation link mailed to {email}")


async def _ask_for(client: httpx.AsyncClient, new: str, password: str = PASSWORD) -> httpx.Response:
    return await submit(
        client,
        "/organizer/security",
        "/organizer/security/email",
        {"new_email": new, "email_password": password},
    )


async def test_a_new_address_is_confirmed_from_that_address(client_factory: Any) -> None:
    async with client_factory() as laptop, client_factory() as inbox:
        old = await sign_up(laptop)
        new = unique_email()
        asked = await _ask_for(laptop, new)
        assert asked.status_code == 200 and 'id="email-sent"' in asked.text
        # Nothing changes until the link is opened at the new address.
        assert (await Organizer.count().where(Organizer.email == old)) == 1
        link = await _confirm_link(new)
        page = await inbox.get(link)
        assert page.status_code == 200 and new in page.text
        done = await submit(inbox, link, link)
        assert done.status_code == 303
        assert await Organizer.count().where(Organizer.email == new) == 1
        assert await Organizer.count().where(Organizer.email == old) == 0
        # The old address is told, the link is spent, and signing in uses the new address.
        told = [m for m in await mails_to(old) if new in m["text_body"]]
        assert told and told[-1]["subject"] == "The address of your account was changed"
        assert (await inbox.get(link)).status_code == 404
        laptop.cookies.clear()
        assert (await sign_in(laptop, new)).status_code == 303


async def test_an_address_in_use_gets_the_same_answer_and_no_link(
    client: httpx.AsyncClient,
) -> None:
    taken = await sign_up(client)
    client.cookies.clear()
    await sign_up(client)
    fresh = unique_email()
    first = await _ask_for(client, taken)
    second = await _ask_for(client, fresh)
    assert first.status_code == second.status_code == 200
    same = CSRF.sub("", first.text).replace(taken, "EMAIL")
    assert same == CSRF.sub("", second.text).replace(fresh, "EMAIL")
    to_taken = await mails_to(taken)
    assert not any(CONFIRM_LINK.search(m["text_body"]) for m in to_taken)
    assert to_taken[-1]["subject"] == "Someone tried to move another account to your address"
    assert any(CONFIRM_LINK.search(m["text_body"]) for m in await mails_to(fresh))


async def test_changing_the_address_needs_the_password_and_a_real_address(
    client: httpx.AsyncClient,
) -> None:
    old = await sign_up(client)
    wrong = await _ask_for(client, unique_email(), "not my password")
    assert wrong.status_code == 422 and 'id="email_password-error"' in wrong.text
    bad = await _ask_for(client, "not an address")
    assert bad.status_code == 422 and 'id="new_email-error"' in bad.text
    same = await _ask_for(client, old)
    assert same.status_code == 422
    assert await Organizer.count().where(Organizer.email == old) == 1
