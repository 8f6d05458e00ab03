"""The signed-in member's own profile."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from contracts.booking import BookingOut

from ..accounts.models import MeOut, ProfilePatch
from ..accounts.store import Accounts
from ..deps import AccountsDep, Identity, MemberDep, ServicesDep

router = APIRouter(prefix="/me", tags=["me"])

SIGNED_IN = {401: {"description": "Not signed in (no session, no API token)"}}


def me_out(member: dict[str, Any], identity: Identity, store: Accounts) -> dict[str, Any]:
    return {
        "id": member["_id"],
        "email": member["email"],
        "name": member["name"],
        "language": member.get("language") or "fr",
        "commune": member.get("commune"),
        "audience": member.get("audience"),
        "consent_statistics": bool(member.get("consent_statistics")),
        "phone": member.get("phone"),
        "roles": list(identity.caller.roles),
        "manages": list(identity.caller.manages),
        "has_password": bool(member.get("password_hash")),
        "csrf_token": identity.session["csrf"] if identity.session else None,
        "tokens": store.member_tokens(member["_id"]),
    }


@router.get("", response_model=MeOut, responses=SIGNED_IN)
def get_me(identity: MemberDep, store: AccountsDep) -> dict[str, Any]:
    """Who I am: profile, territory roles, my API tokens (ids, to revoke them), and with a
    session cookie the CSRF token to send back on unsafe requests."""
    return me_out(identity.member, identity, store)


@router.patch("", response_model=MeOut, responses=SIGNED_IN)
def patch_me(
    request: Request, body: ProfilePatch, identity: MemberDep, store: AccountsDep
) -> dict[str, Any]:
    """Change my profile (only the fields sent; ``null`` clears an optional one). Tells the
    services (``member_updated``): notifications keeps the address, name and language."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    for required in ("name", "language", "consent_statistics"):
        if changes.get(required, "") is None:
            changes.pop(required)  # these cannot be cleared
    member = store.update_profile(identity.member["_id"], changes)
    if changes:
        request.app.state.events.emit(
            "member_updated",
            {
                "member_id": member["_id"],
                "email": member["email"],
                "name": member["name"],
                "language": member["language"],
            },
        )
        if "language" in changes:
            request.state.member_language = member["language"]
    return me_out(member, identity, store)


@router.get("/bookings", response_model=list[BookingOut], responses=SIGNED_IN)
def my_bookings(identity: MemberDep, services: ServicesDep) -> list[dict[str, Any]]:
    """My bookings, newest first: those I made signed in, and those made with my address
    (anonymously before I had an account, or by a facilitator for me); cancelled ones too."""
    return services.call("booking", "my_bookings")
