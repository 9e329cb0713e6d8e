"""msgspec Structs: what the accounts API accepts and answers (also the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

Role = Literal["owner", "organizer", "viewer"]


class FieldProblem(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct):
    """RFC 9457 problem details, as every /api/ error answers (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = None


class MeOut(msgspec.Struct):
    id: UUID
    email: str
    display_name: str
    is_admin: bool


class OrganizationInput(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(description="1 to 120 characters")]
    description: str = ""


class MemberOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="the membership's id")]
    display_name: str
    email: str
    role: Role


class OrganizationOut(msgspec.Struct):
    """``role`` and ``members`` are set only for members; others see the public view."""

    id: UUID
    name: str
    description: str
    approved: Annotated[
        bool, msgspec.Meta(description="its events are listed publicly only once approved")
    ]
    role: Role | None = None
    members: list[MemberOut] | None = None


class InvitationInput(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    role: Role


class InvitationOut(msgspec.Struct):
    """``url`` is shown once: only its hash is stored. It works once, until ``expires_at``."""

    id: UUID
    organization_id: UUID
    email: str
    role: Role
    url: str
    expires_at: datetime


class TokenInput(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(description="what the token is for, 1 to 100 characters")]


class TokenOut(msgspec.Struct):
    id: UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(msgspec.Struct):
    """``token`` is shown once: send it as ``Authorization: Bearer <token>``."""

    id: UUID
    name: str
    token: str


class ApprovalInput(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(description="why we trust this organization")]
