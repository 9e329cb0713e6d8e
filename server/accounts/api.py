"""JSON API for organizers: who am I, organizations, members, invitations, API tokens, approval.

Every route needs a signed-in organizer: the session cookie (then writes need the
``x-csrftoken`` header) or ``Authorization: Bearer <token>``. Security changes (creating
a token, inviting a member) take the session only, confirmed in the last ten minutes
(accounts/sudo.py); a token gets 403 there. Another organization's
things answer 404 (invariant 1); a member whose role is too low gets 403.

``GET /organizations/{id}``: members see the organization with their role and its
members; any other signed-in organizer sees only the public view (name, description) of
an *approved* organization, since its events are public anyway; anything else is 404.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, delete, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts import api_tokens, approvals, members, service
from server.accounts.schemas import (
    ApprovalInput,
    InvitationInput,
    InvitationOut,
    MemberOut,
    MeOut,
    OrganizationInput,
    OrganizationOut,
    TokenCreated,
    TokenInput,
    TokenOut,
)
from server.accounts.service import OrganizationView
from server.accounts.sudo import require_fresh_api
from server.errors import NotFound
from server.i18n import N_
from server.settings import Settings
from server.web.api import ApiController
from server.web.apidocs import problems
from server.web.auth import SignedIn, require_organizer


def _organization(
    org: OrganizationView, members: list[dict[str, Any]] | None = None
) -> OrganizationOut:
    return OrganizationOut(
        id=org.id,
        name=org.name,
        description=org.description,
        approved=org.approved,
        role=org.role,
        members=None if members is None else [_member(m) for m in members],
    )


def _member(row: dict[str, Any]) -> MemberOut:
    return MemberOut(
        id=row["id"], display_name=row["display_name"], email=row["email"], role=row["role"]
    )


def _token(row: dict[str, Any]) -> TokenOut:
    return TokenOut(
        id=row["id"],
        name=row["name"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


class AccountsAPI(ApiController):
    guards = [require_organizer]

    @get("/me", tags=["Organizers"], responses=problems(401), summary="The signed-in organizer")
    async def me(self, organizer: SignedIn) -> MeOut:
        return MeOut(
            id=organizer.id,
            email=organizer.email,
            display_name=organizer.display_name,
            is_admin=organizer.is_admin,
        )

    @get("/organizations", tags=["Organizations"], responses=problems(401), summary="Mine")
    async def list_organizations(self, organizer: SignedIn) -> list[OrganizationOut]:
        return [_organization(o) for o in await service.organizations_of(organizer)]

    @post(
        "/organizations",
        tags=["Organizations"],
        status_code=HTTP_201_CREATED,
        responses=problems(401, 400, 403, 422),
        summary="Create one (you become its owner; an admin approves it before it is public)",
    )
    async def create_organization(
        self, organizer: SignedIn, data: JSONBody[OrganizationInput]
    ) -> OrganizationOut:
        org = await service.create_organization(organizer, data.name, data.description)
        return _organization(org, await members.members(organizer, org.id))

    @get(
        "/organizations/{org_id:uuid}",
        tags=["Organizations"],
        responses=problems(401, 404),
        summary="One organization: with members for its members, else the public view",
    )
    async def get_organization(
        self, organizer: SignedIn, org_id: FromPath[UUID]
    ) -> OrganizationOut:
        org = await service.visible_organization(organizer, org_id)
        if org.role is not None:
            return _organization(org, await members.members(organizer, org_id))
        if not org.approved:  # admins may look at a pending organization, not its members
            raise NotFound(N_("No such organization"))
        return _organization(org)

    @get(
        "/organizations/{org_id:uuid}/members",
        tags=["Organizations"],
        responses=problems(401, 404),
        summary="Members and their roles (members only)",
    )
    async def list_members(self, organizer: SignedIn, org_id: FromPath[UUID]) -> list[MemberOut]:
        return [_member(m) for m in await members.members(organizer, org_id)]

    @post(
        "/organizations/{org_id:uuid}/invitations",
        tags=["Organizations"],
        status_code=HTTP_201_CREATED,
        responses=problems(401, 400, 403, 404, 422),
        summary="Invite someone (owners only, from a browser session that confirmed its "
        "password in the last ten minutes); the link is returned once",
    )
    async def invite(
        self,
        request: Request[Any, Any, Any],
        organizer: SignedIn,
        org_id: FromPath[UUID],
        data: JSONBody[InvitationInput],
    ) -> InvitationOut:
        await service.require_role(organizer, org_id, "owner")  # strangers get 404 (invariant 1)
        # Granting a role is a security change: a signed-in browser in sudo mode only,
        # never a token (a leaked one could otherwise invite its holder as an owner).
        require_fresh_api(request)
        created = await members.invite(organizer, org_id, data.email, data.role)
        settings: Settings = request.app.state.settings
        return InvitationOut(
            id=created.id,
            organization_id=org_id,
            email=created.email,
            role=created.role,
            url=f"{settings.base_url}/invitations/{created.secret}",
            expires_at=created.expires_at,
        )

    @get("/tokens", tags=["API tokens"], responses=problems(401), summary="My API tokens")
    async def list_tokens(self, organizer: SignedIn) -> list[TokenOut]:
        return [_token(t) for t in await api_tokens.of_organizer(organizer)]

    @post(
        "/tokens",
        tags=["API tokens"],
        status_code=HTTP_201_CREATED,
        responses=problems(401, 400, 403, 422),
        summary="Create an API token (from a browser session that confirmed its password in "
        "the last ten minutes, never with a token); shown once",
    )
    async def create_token(
        self, request: Request[Any, Any, Any], organizer: SignedIn, data: JSONBody[TokenInput]
    ) -> TokenCreated:
        # A leaked token must not be able to mint replacements for itself: revoking it
        # has to be enough. New tokens come from a signed-in browser that confirmed its
        # password lately (sudo mode), or from `muster api-token`.
        require_fresh_api(request)
        token_id, token = await api_tokens.create(organizer, data.name, announce=True)
        return TokenCreated(id=token_id, name=data.name.strip(), token=token)

    @delete(
        "/tokens/{token_id:uuid}",
        tags=["API tokens"],
        status_code=HTTP_204_NO_CONTENT,
        responses=problems(401, 403, 404),
        summary="Revoke one of my API tokens",
    )
    async def revoke_token(self, organizer: SignedIn, token_id: FromPath[UUID]) -> None:
        await api_tokens.revoke(organizer, token_id)

    @post(
        "/admin/organizations/{org_id:uuid}/approve",
        tags=["Admin"],
        status_code=200,
        responses=problems(401, 400, 403, 404, 409, 422),
        summary="Approve an organization (admins only; 404 for everyone else)",
    )
    async def approve(
        self, organizer: SignedIn, org_id: FromPath[UUID], data: JSONBody[ApprovalInput]
    ) -> OrganizationOut:
        return _organization(await approvals.approve_organization(organizer, org_id, data.note))


ROUTES: list[Any] = [AccountsAPI]
