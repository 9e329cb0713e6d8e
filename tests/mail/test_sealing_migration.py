"""The migration that introduced sealing leaves no mail in clear that was written before."""

from __future__ import annotations

import importlib
import uuid

import pytest

from server.mail import sealed
from server.mail.tables import Outbox
from server.settings import Settings

MIGRATION = "migrations.muster_2026_12_04t20_07_31_000000_sealed_outbox"
LINK = "http://testserver/m/legacy-secret-0123456789abcdefghijklmnop"


async def _legacy(status: str, context: str | None = None) -> uuid.UUID:
    """A row as the code before sealing wrote it: everything in clear."""
    row_id = uuid.uuid4()
    await Outbox.insert(
        Outbox(
            id=row_id,
            idempotency_key=f"legacy-{row_id}",
            recipient="old@example.org",
            recipient_name="Old Name",
            recipient_hash="0" * 64,
            kind="reminder",
            subject="Reminder: Discreet vigil",
            text_body=f"Meet at Hidden Lane 4. Manage: {LINK}",
            html_body=f"<a href='{LINK}'>manage</a>",
            ics="LOCATION:Hidden Lane 4",
            headers='{"List-Unsubscribe": "<http://testserver/unsubscribe/x>"}',
            context=context,
            status=status,
        )
    )
    return row_id


async def test_legacy_rows_are_sealed_or_wiped(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server import db

    context = f'{{"unsubscribe_url": "{LINK}"}}'
    async with db.write_transaction():
        queued = await _legacy("queued", context)
        sent = await _legacy("sent", context)
        dropped = await _legacy("dropped", context)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)  # as `muster migrate` runs
    migration = importlib.import_module(MIGRATION)
    async with db.write_transaction():
        await migration._forwards()

    raw = repr(await Outbox.raw("SELECT * FROM mail_outbox"))
    assert "Hidden Lane" not in raw and "/m/" not in raw and "/unsubscribe/" not in raw
    rows = {r["id"]: sealed.opened(r) for r in await Outbox.select()}
    assert LINK in rows[queued]["text_body"] and rows[queued]["context"] == context
    assert rows[queued]["recipient_name"] == "Old Name"
    assert rows[sent]["text_body"] == "" and rows[sent]["context"] == context  # re-planned
    assert rows[dropped]["text_body"] == "" and rows[dropped]["context"] is None
    # Running it again changes nothing (sealed values are left as they are).
    async with db.write_transaction():
        await migration._forwards()
    assert {r["id"]: sealed.opened(r) for r in await Outbox.select()} == rows
