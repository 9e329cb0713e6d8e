"""The invitation link an owner sends (``/invitations/<secret>``): see what it is for, join.

Issue 12.6: only the invited address joins (members.addressed_to). Signed in with another
account, the page offers to email a confirmation link to the invited address, whose
``?proof=`` then lets that account join. GET never changes anything.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.params import FromPath

from server.accounts import members, service
from server.accounts.pages import (
    OrganizerController,
    form_fields,
    login_url,
    see_other,
    signed_in,
)
from server.errors import NotFound
from server.i18n import N_
from server.web.auth import current_organizer
from server.web.ratelimit import enforce
from server.web.templates import render_page


class InvitationPages(OrganizerController):
    """Shows what the link is for, and joins on POST (module docstring: who may)."""

    async def _show(
        self,
        request: Request[Any, Any, Any],
        token: str,
        proof: str,
        status_code: int = 200,
        **context: Any,
    ) -> Response[Any]:
        viewer = await current_organizer(request)
        invitation = await members.invitation_for(token)
        if invitation is None:
            raise NotFound(N_("This invitation link is invalid, used or expired."))
        here = f"/invitations/{token}"
        return render_page(
            request,
            "accounts/invitation.html",
            viewer,
            status_code=status_code,
            invitation=invitation,
            action=here,
            proof=proof,
            addressed=viewer is not None and members.addressed_to(viewer, invitation, proof),
            login=login_url(here),
            signup=f"/signup?next={quote(here, safe='')}",
            current_role=await service.membership_role(viewer, invitation["organization"]),
            **context,
        )

    @get("/invitations/{token:str}")
    async def show(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
        proof = request.query_params.get("proof", "")
        return await self._show(request, token, proof[:128] if isinstance(proof, str) else "")

    @post("/invitations/{token:str}")
    async def accept(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
        viewer = await signed_in(request, next_path=f"/invitations/{token}")
        proof = (await form_fields(request, "proof"))["proof"][:128]
        try:
            org_id = await members.accept_invitation(viewer, token, proof)
        except members.InvitedElsewhere:
            return await self._show(request, token, "", status_code=403)
        return see_other(f"/organizer/orgs/{org_id}")

    @post("/invitations/{token:str}/prove")
    async def prove(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
        """Email the invited address a link that lets this account join."""
        viewer = await signed_in(request, next_path=f"/invitations/{token}")
        await enforce(request, "invitation-proof", limit=5)
        await members.send_proof(viewer, token)
        return await self._show(request, token, "", proof_sent=True)


ROUTES: list[Any] = [InvitationPages]
