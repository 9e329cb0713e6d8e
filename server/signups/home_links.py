""" "My signups" links: asked for by email, sent in the background, several valid at once.

Anyone may ask for the link of any address, so asking must tell nothing and harm nobody:

- The request path validates the address and writes one ``HomeLinkRequest`` row, the
  same work for a known and an unknown address; it never reads the volunteer table, so
  neither the answer nor its timing says whether someone ever signed up. The address in
  the row is sealed (``server.crypto``) and the row is deleted once the background
  sender (``signups.notices``) has handled it.
- A new link never revokes an older one: each is valid for ``TTL`` on its own, so a
  stranger's request cannot break the link a volunteer already holds.
- An address gets at most ``MAILS_PER_DAY`` link mails in 24 hours, however often it is
  asked for: nobody can flood a volunteer's inbox through this form.
- Links are ≥ 256 random bits; only their SHA-256 is stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from server import crypto, i18n
from server.accounts.service import normalize_email, validate_email
from server.crypto import Undecryptable
from server.db import write_transaction
from server.errors import NotFound, ValidationFailed
from server.i18n import N_
from server.mail import notices as mail_notices
from server.mail.compose import Recipient
from server.signups.tables import HomeLink, HomeLinkRequest, Volunteer
from server.tokens import hash_secret, new_secret, utcnow

TTL = timedelta(days=14)
MAILS_PER_DAY = 3
SECRET_MAX = 200  # longer "tokens" are not ours: answer 404 without hashing megabytes
BATCH = 100
_CONTEXT = "home_link_request.email"
PURPOSE = "home-link-request"  # the key that seals addresses waiting in the queue


async def request(email: str) -> None:
    """Queue a link for ``email``; ``ValidationFailed`` only for a malformed address."""
    email = normalize_email(email)
    errors = validate_email(email)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        await HomeLinkRequest.insert(
            HomeLinkRequest(
                email=crypto.box(PURPOSE).seal(email, _CONTEXT), language=i18n.current.get()
            )
        )


async def send_pending(limit: int = BATCH) -> int:
    """Handle up to ``limit`` queued requests (background sender); how many were handled."""
    pending = await HomeLinkRequest.select().order_by(HomeLinkRequest.created_at).limit(limit)
    for item in pending:
        async with write_transaction():
            deleted = (
                await HomeLinkRequest.delete()
                .where(HomeLinkRequest.id == item["id"])
                .returning(HomeLinkRequest.id)
            )
            if deleted:  # another sender did not take it first
                await _send_link(item["email"], item["language"])
    return len(pending)


async def _send_link(sealed: str, language: str) -> None:
    try:
        email = crypto.box(PURPOSE).open(sealed, _CONTEXT)
    except Undecryptable:  # SECRET_KEY changed since: nobody can be told; drop it
        return
    volunteer = await Volunteer.select(Volunteer.id).where(Volunteer.email == email).first()
    if volunteer is None:
        return
    since = utcnow() - timedelta(days=1)
    recent = await HomeLink.count().where(
        (HomeLink.volunteer == volunteer["id"]) & (HomeLink.created_at > since)
    )
    if recent >= MAILS_PER_DAY:
        return  # they have fresh links in their inbox already
    token = await _mint(volunteer["id"])
    to = Recipient(email=email, locale=language)
    key = f"my_signups_link:{uuid.uuid4()}"  # one mail per request (MAILS_PER_DAY bounds them)
    await mail_notices.send_my_signups_link(to, url=mail_notices.home_url(token), key=key)


async def _mint(volunteer_id: uuid.UUID) -> str:
    token = new_secret()
    await HomeLink.insert(HomeLink(volunteer=volunteer_id, token_hash=hash_secret(token)))
    return token


async def issue(email: str) -> str:
    """A fresh link for a known address, nothing sent (tests, operators)."""
    async with write_transaction():
        volunteer = (
            await Volunteer.select(Volunteer.id)
            .where(Volunteer.email == normalize_email(email))
            .first()
        )
        if volunteer is None:
            raise NotFound(N_("No such volunteer"))
        return await _mint(volunteer["id"])


async def volunteer_for_token(token: str) -> uuid.UUID:
    """The volunteer a valid, unexpired link belongs to; ``NotFound`` otherwise."""
    if not token or len(token) > SECRET_MAX:
        raise NotFound(N_("This link is not valid (any more)."))
    row = (
        await HomeLink.select(HomeLink.volunteer, HomeLink.created_at)
        .where(HomeLink.token_hash == hash_secret(token))
        .first()
    )
    if row is None:
        raise NotFound(N_("This link is not valid (any more)."))
    if row["created_at"] + TTL < utcnow():
        raise NotFound(N_("This link has expired: ask for a new one."))
    return uuid.UUID(str(row["volunteer"]))


async def revoke_all(volunteer_id: uuid.UUID) -> None:
    """Every "my signups" link of the volunteer stops working (call inside a transaction)."""
    await HomeLink.delete().where(HomeLink.volunteer == volunteer_id)


async def prune(now: datetime) -> None:
    """Forget the hashes of expired links (call inside a transaction)."""
    await HomeLink.delete().where(HomeLink.created_at < now - TTL)
