"""Security notices to an organizer's own address: "a new API token was made", "two-factor
sign-in was turned off", "someone tried to create an account with your address".

Accounts comes before mail in the feature order, so it cannot queue mail itself: it
tells the ``notice_sent`` hook (mail subscribes ``server/mail/account_notices.py`` in the
composition root, server/app.py; see server/hooks.py). Listeners run inside the caller's
write transaction, so the notice is queued with the change or not at all.

Each notice carries an idempotency ``key`` chosen by the caller: one mail per change
(a fresh uuid), or one per window for alerts that could repeat (failed codes).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from server.accounts.tables import Organizer
from server.hooks import Hook

NoticeKind = Literal[
    "api_token_created",
    "two_factor_enabled",
    "two_factor_disabled",
    "recovery_codes_replaced",
    "org_require_2fa_changed",
    "member_invited",
    "member_removed",
    "signup_attempt",
    "signup_confirm",
    "code_failures",
    "invitation_proof",
    "password_reset",
    "password_reset_done",
    "password_changed",
    "email_change_confirm",
    "email_changed",
    "email_change_attempt",
]


@dataclass(frozen=True, slots=True)
class AccountNotice:
    email: str
    display_name: str
    locale: str
    kind: NoticeKind
    key: str  # the outbox idempotency key: one mail per key
    # Plain values for the message: names the organizer gave (token, organization), a URL.
    values: Mapping[str, str] = field(default_factory=dict)


notice_sent: Hook[AccountNotice] = Hook()


async def tell(
    organizer_id: uuid.UUID,
    kind: NoticeKind,
    *,
    key: str = "",
    values: Mapping[str, str] | None = None,
) -> None:
    """Mail ``kind`` to the organizer's own address (in their language); call it inside the
    write transaction of the change. ``key`` defaults to a new one (one mail per call)."""
    row = (
        await Organizer.select(Organizer.email, Organizer.display_name, Organizer.locale)
        .where(Organizer.id == organizer_id)
        .first()
    )
    if row is None:
        return
    await tell_address(
        row["email"], kind, name=row["display_name"], locale=row["locale"] or "en", key=key,
        values=values,
    )  # fmt: skip


async def tell_address(
    email: str, kind: NoticeKind, *, name: str = "", locale: str = "en", key: str = "",
    values: Mapping[str, str] | None = None,
) -> None:  # fmt: skip
    """Like ``tell`` for an address that may have no account yet (signing up)."""
    notice = AccountNotice(
        email, name, locale, kind, key or f"{kind}:{uuid.uuid4()}", dict(values or {})
    )
    await notice_sent.emit(notice)
