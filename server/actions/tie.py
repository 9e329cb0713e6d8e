"""Tying a completion to a volunteer: their signup manage token → their volunteer id.

The token arrives in a POST field (``signup_token``) or the ``X-Signup-Token`` header,
never in a URL query (secret links stay out of logs, invariant 3). A page that holds the
token links to ``/campaigns/{id}/actions#signup=<token>``: the fragment never reaches the
server, and ``actions.js`` moves it into the forms. Only the volunteer's id is kept with
the completion, and only when the signup belongs to the organization that runs the
action: another organization's signup link counts the action anonymously.
"""

from __future__ import annotations

import uuid

from server.errors import NotFound, ValidationFailed
from server.events import service as events
from server.i18n import N_
from server.signups import rows as signup_rows
from server.signups import service as signups

INVALID = N_("This signup link is not valid (any more). Leave it out to take part anonymously.")


async def volunteer_for(token: str | None, organization_id: uuid.UUID) -> uuid.UUID | None:
    """None for an anonymous completion; ``ValidationFailed`` for a token that is not valid."""
    token = (token or "").strip()
    if not token:
        return None
    try:
        signup_id = await signups.signup_for_token(token)
        signup = await signup_rows.signup(signup_id)
    except NotFound:
        raise ValidationFailed({"signup_token": INVALID}) from None
    event = await events.event_row(signup["event"])
    if event is None or event["organization"] != organization_id:
        return None
    volunteer_id: uuid.UUID = signup["volunteer"]
    return volunteer_id
