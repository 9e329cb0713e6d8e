"""Issue 12.6: an invitation is for its address. Holding the link is not enough (the
owner saw it, it can be forwarded or leak): accepting needs an account with the invited
email, or a confirmation opened from a mail sent to that address."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from server.accounts.tables import Invitation, Membership
from tests.accounts.helpers import create_org, mailed_link, mails_to, sign_up, submit
from tests.accounts.test_organizations import invite
from tests.conftest import unique_email

PROOF_LINK = re.compile(r"http://testserver(/invitations/[A-Za-z0-9_\-]+\?proof=[0-9a-f]+)")


async def test_another_account_cannot_join_with_the_link(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client)
    org_id = await create_org(client)
    invited = unique_email("invited")
    link = await invite(client, org_id, invited, "owner")
    async with client_factory() as holder:
        await sign_up(holder)  # some other address
        shown = await holder.get(link)
        assert shown.status_code == 200 and 'id="invited-elsewhere"' in shown.text
        assert "Join as" not in shown.text
        refused = await submit(holder, link, link)
        assert refused.status_code == 403
        # A proof made up, or made for another account, does not work either.
        forged = await submit(holder, link, link, {"proof": "0" * 64})
        assert forged.status_code == 403
    assert await Membership.count().where(Membership.organization == org_id) == 1
    [row] = await Invitation.select(Invitation.accepted_at)
    assert row["accepted_at"] is None  # still there for the real invitee


async def test_the_invited_address_joins_directly(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client)
    org_id = await create_org(client)
    invited = unique_email("invited")
    link = await invite(client, org_id, invited, "viewer")
    async with client_factory() as invitee:
        await sign_up(invitee, invited.upper())  # case does not matter
        joined = await submit(invitee, link, link)
        assert joined.status_code == 303
    assert await Membership.count().where(Membership.organization == org_id) == 2


async def test_a_mailed_proof_lets_the_invitees_other_account_join(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client)
    org_id = await create_org(client)
    work = unique_email("work")
    link = await invite(client, org_id, work, "organizer")
    async with client_factory() as personal, client_factory() as stranger:
        personal_email = await sign_up(personal, name="Same Person")
        sent = await submit(personal, link, f"{link}/prove")
        assert sent.status_code == 200 and 'id="proof-sent"' in sent.text
        proof_link = await mailed_link(work, PROOF_LINK)
        [mail] = [m for m in await mails_to(work) if m["kind"] == "account_invitation_proof"]
        assert personal_email in mail["text_body"]  # the mail says which account asks
        # The proof is for that account only.
        await sign_up(stranger)
        assert (await submit(stranger, proof_link, link)).status_code == 403
        page = await personal.get(proof_link)
        assert "Join as <bdi>Same Person</bdi>" in page.text
        proof = proof_link.split("proof=", 1)[1]
        joined = await submit(personal, proof_link, link, {"proof": proof})
        assert joined.status_code == 303
    roles = await Membership.select(Membership.role).where(Membership.organization == org_id)
    assert sorted(r["role"] for r in roles) == ["organizer", "owner"]
