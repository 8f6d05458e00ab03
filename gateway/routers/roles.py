"""Roles: who holds which, granted and removed by territory staff, each act audited.

``PUT /api/admin/roles`` and ``DELETE /api/admin/roles`` take the same ``{email, role,
scope}`` and are idempotent (granting twice is granting once; removing a role not held
answers the same). The rules of who grants what: ``accounts/roles.py``. The roles page
(``web_pages/roles.py``) grants and removes through ``apply_grant`` too: one rule, one audit.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from .. import audit
from ..accounts import place_managers
from ..accounts.roles import RoleGrant, grants_of, may_grant
from ..accounts.store import Accounts
from ..deps import AccountsDep, Identity, ServicesDep, StaffDep, actor
from ..problems import ProblemException

router = APIRouter(prefix="/admin/roles", tags=["admin"])

MEMBER_FIELDS = ("email", "name")


def holder(member: dict[str, Any]) -> dict[str, Any]:
    return {
        "member_id": member["_id"],
        **{name: member[name] for name in MEMBER_FIELDS},
        "grants": grants_of(member),
    }


@router.get("")
def list_roles(identity: StaffDep, store: AccountsDep) -> list[dict[str, Any]]:
    """Every member who holds a role, with their grants (admins and coordinators only)."""
    return [holder(member) for member in store.role_holders()]


def apply_grant(
    request: Request,
    grant: RoleGrant,
    identity: Identity,
    store: Accounts,
    services: ServicesDep,
    granting: bool,
) -> dict[str, Any]:
    """Grant (or remove) ``grant`` as ``identity``: 403 ``forbidden`` when they may not,
    404 ``unknown_member`` without a confirmed account, the directory's 404 for a place it
    does not know (on granting); audited when something changed. The member's grants."""
    if not may_grant(identity.caller, grant):
        raise ProblemException(403, "forbidden")
    member = store.by_email(grant.email)
    if member is None or not member.get("confirmed"):
        raise ProblemException(404, "unknown_member")
    if granting and grant.place_id is not None:
        services.call("directory", "get_place", grant.place_id)  # 404 for a place unknown
    field, value = grant.stored
    change = store.grant if granting else store.revoke
    if change(member["_id"], field, value):
        audit.record(
            request.app.state.db,
            actor(identity),
            "role_granted" if granting else "role_revoked",
            member_id=member["_id"],
            role=grant.role,
            scope=grant.scope,
        )
        if grant.place_id is not None:  # the services learn who manages the place now
            place_managers.announce(
                request.app.state.db, store, request.app.state.events, grant.place_id
            )
    return holder(store.member(member["_id"]))


@router.put("")
def grant_role(
    request: Request,
    grant: RoleGrant,
    identity: StaffDep,
    store: AccountsDep,
    services: ServicesDep,
) -> dict[str, Any]:
    """Grant a role: a territory admin grants any; a coordinator names place managers. The
    member must have a confirmed account; a place must exist in the directory."""
    return apply_grant(request, grant, identity, store, services, granting=True)


@router.delete("")
def revoke_role(
    request: Request,
    grant: RoleGrant,
    identity: StaffDep,
    store: AccountsDep,
    services: ServicesDep,
) -> dict[str, Any]:
    """Remove a role (the same body as granting it)."""
    return apply_grant(request, grant, identity, store, services, granting=False)
