"""Bad sign-up input: 422, the message next to its field, the input kept, nothing written."""

from __future__ import annotations

import re

import httpx
import pytest

from server.accounts.tables import Organizer
from tests.accounts.helpers import PASSWORD, submit
from tests.conftest import unique_email

GOOD = {"email": "", "display_name": "Ada Organizer", "password": PASSWORD}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "", "Enter an email address."),
        ("email", "not-an-email", "Enter a valid email address, like name@example.org."),
        ("display_name", "   ", "Enter your name as others should see it."),
        ("display_name", "x" * 101, "Use at most 100 characters."),
        ("password", "short", "Use at least 10 characters."),
    ],
)
async def test_bad_field_is_marked_and_nothing_is_written(
    client: httpx.AsyncClient, field: str, value: str, message: str
) -> None:
    data = {**GOOD, "email": unique_email(), field: value}
    response = await submit(client, "/signup", "/signup", data)
    assert response.status_code == 422
    assert response.headers["cache-control"] == "no-store"
    error = re.search(
        rf'<p class="field-error" id="{field}-error" role="alert">([^<]+)</p>', response.text
    )
    assert error and error.group(1) == message
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', response.text)
    assert await Organizer.count() == 0
    # The other fields keep what was typed; the password is never sent back.
    if field != "display_name":
        assert 'value="Ada Organizer"' in response.text
    assert PASSWORD not in response.text
    assert (await client.get("/organizer")).status_code == 303
