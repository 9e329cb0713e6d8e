"""Sign-up, sign-in and sign-out through the pages: CSRF, sessions, rate limit, redirects."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace

import httpx
import pytest

from server.accounts.tables import Organizer
from server.web import ratelimit
from tests.accounts.helpers import PASSWORD, sign_in, sign_up, submit
from tests.conftest import csrf_token, unique_email


async def test_signup_signs_in_and_logout_signs_out(client: httpx.AsyncClient) -> None:
    page = await client.get("/signup")
    assert page.status_code == 200
    assert 'name="_csrf_token"' in page.text and 'name="password"' in page.text

    email = await sign_up(client, name="Zarema")
    dashboard = await client.get("/organizer")
    assert dashboard.status_code == 200
    assert "Zarema" in dashboard.text and email in dashboard.text
    assert dashboard.headers["cache-control"] == "no-store"

    response = await submit(client, "/organizer", "/logout")
    assert response.status_code == 303 and response.headers["location"] == "/"
    after = await client.get("/organizer")
    assert after.status_code == 303
    assert after.headers["location"] == "/login?next=%2Forganizer"


async def test_login_with_the_right_password(
    client_factory: Callable[[], httpx.AsyncClient],
) -> None:
    async with client_factory() as first:
        email = await sign_up(first)
    async with client_factory() as browser:
        response = await sign_in(browser, email.upper())  # emails are case-insensitive
        assert response.status_code == 303
        assert response.headers["location"] == "/organizer"
        assert (await browser.get("/organizer")).status_code == 200


async def test_password_is_stored_as_argon2id(client: httpx.AsyncClient) -> None:
    email = await sign_up(client)
    row = await Organizer.select(Organizer.password_hash).where(Organizer.email == email).first()
    assert row is not None
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]


async def test_post_without_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    await client.get("/signup")  # the CSRF cookie is set, but the form field is missing
    email = unique_email()
    response = await client.post(
        "/signup", data={"email": email, "display_name": "X", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert await Organizer.count().where(Organizer.email == email) == 0

    wrong = await client.post(
        "/signup",
        data={"email": email, "display_name": "X", "password": PASSWORD, "_csrf_token": "forged"},
    )
    assert wrong.status_code == 403
    assert await Organizer.count().where(Organizer.email == email) == 0


def _without_email(html: str, email: str) -> str:
    return html.replace(email, "EMAIL")


async def test_login_failure_is_the_same_for_unknown_email_and_wrong_password(
    client: httpx.AsyncClient,
) -> None:
    known = await sign_up(client)
    await submit(client, "/organizer", "/logout")
    unknown = unique_email()

    wrong_password = await sign_in(client, known, "not the password at all")
    no_account = await sign_in(client, unknown, "not the password at all")
    for response in (wrong_password, no_account):
        assert response.status_code == 422
        assert "Email or password is wrong." in response.text
    # Apart from the echoed email, the two answers are the same page.
    assert _without_email(wrong_password.text, known) == _without_email(no_account.text, unknown)
    assert (await client.get("/organizer")).status_code == 303


async def test_login_flood_is_rate_limited(
    client: httpx.AsyncClient, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limit counts per clock minute: hold the clock so the window cannot roll over mid-test.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    email = await sign_up(client)
    await submit(client, "/organizer", "/logout")
    token = await csrf_token(client, "/login")
    statuses = []
    for _ in range(settings.login_rate_limit_per_minute + 1):
        response = await client.post(
            "/login", data={"email": email, "password": "wrong-password!", "_csrf_token": token}
        )
        statuses.append(response.status_code)
    assert statuses[:-1] == [422] * settings.login_rate_limit_per_minute
    assert statuses[-1] == 429
    assert "retry-after" in response.headers
    # Even the right password waits until the window has passed.
    blocked = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "_csrf_token": token}
    )
    assert blocked.status_code == 429
    assert (await client.get("/organizer")).status_code == 303


async def test_login_starts_a_new_session(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    email = await sign_up(client)
    await submit(client, "/organizer", "/logout")

    token = await csrf_token(client, "/login")
    # Anonymous visitors get no session at all; an attacker may still plant an id.
    assert [c.value for c in client.cookies.jar if c.name == "session"] in ([], ["null"])
    for cookie in [c for c in client.cookies.jar if c.name == "session"]:
        client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    before = "planted-session-id-0123456789abcdef"
    client.cookies.set("session", before, domain="testserver.local")
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "_csrf_token": token}
    )
    assert response.status_code == 303
    after = client.cookies.get("session")
    assert after and after not in (before, "null")
    assert (await client.get("/organizer")).status_code == 200

    # Whoever planted or saw the pre-login cookie is not signed in with it.
    async with client_factory() as attacker:
        attacker.cookies.set("session", before)
        assert (await attacker.get("/organizer")).status_code == 303


async def test_logout_kills_the_session_server_side(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client)
    cookie = client.cookies.get("session")
    assert cookie
    await submit(client, "/organizer", "/logout")
    async with client_factory() as replay:
        replay.cookies.set("session", cookie)
        assert (await replay.get("/organizer")).status_code == 303


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example/path",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
async def test_next_never_leaves_the_site(client: httpx.AsyncClient, next_path: str) -> None:
    email = await sign_up(client)
    await submit(client, "/organizer", "/logout")
    response = await sign_in(client, email, next_path=next_path)
    assert response.status_code == 303
    assert response.headers["location"] == "/organizer"


async def test_next_leads_back_to_a_local_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/organizer/tokens?x=1")
    assert page.status_code == 303
    login_page = page.headers["location"]
    assert login_page == "/login?next=%2Forganizer%2Ftokens%3Fx%3D1"
    form = await client.get(login_page)
    hidden = re.search(r'name="next" value="([^"]+)"', form.text)
    assert hidden and hidden.group(1) == "/organizer/tokens?x=1"

    email = await sign_up(client)
    await submit(client, "/organizer", "/logout")
    response = await sign_in(client, email, next_path=hidden.group(1))
    assert response.headers["location"] == "/organizer/tokens?x=1"


async def test_signed_in_visitor_skips_the_login_page(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    response = await client.get("/login?next=/organizer/tokens")
    assert response.status_code == 303
    assert response.headers["location"] == "/organizer/tokens"
