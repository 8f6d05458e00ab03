"""The signed-in member's own profile, their data (export) and their account's erasure."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from contracts import SERVICE_NAMES
from contracts.booking import BookingOut

from ..accounts import erasure
from ..accounts.models import MeOut, ProfilePatch
from ..accounts.store import Accounts
from ..deps import AccountsDep, GatewayDb, Identity, MemberDep, ServicesDep, session_cookie
from ..rpc_client import RemoteError, ServiceUnavailable

log = logging.getLogger("maillage.gateway")

router = APIRouter(prefix="/me", tags=["me"])

SIGNED_IN = {401: {"description": "Not signed in (no session, no API token)"}}
EXPORT_FILE = "maillage-mes-donnees.json"


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


@router.get("/export", responses=SIGNED_IN)
def export_my_data(
    identity: MemberDep, store: AccountsDep, db: GatewayDb, services: ServicesDep
) -> JSONResponse:
    """Everything Maillage holds about me (GDPR art. 15 and 20), as one JSON file: the
    gateway's account (profile, roles, places I manage, sessions and API tokens without their
    secrets, consent, the audit lines about me), then what each service of the territory
    holds, each answering for itself (``export_member``). A service that cannot answer now is
    named in ``unavailable``: the export is then incomplete, and says so."""
    document: dict[str, Any] = {
        "exported_at": datetime.now(UTC).isoformat(),
        "gateway": erasure.export(db, store, identity.member, identity.secret),
        "services": {},
        "unavailable": [],
    }
    for service in SERVICE_NAMES:
        try:
            document["services"][service] = services.call(service, "export_member")
        except (ServiceUnavailable, RemoteError) as exc:
            # Absent, silent, or a version without the export: named, never left out unsaid.
            log.warning("export: %s did not answer (%s)", service, exc)
            document["unavailable"].append(service)
    disposition = f"attachment; filename={EXPORT_FILE}"
    return JSONResponse(document, headers={"Content-Disposition": disposition})


@router.delete("", status_code=204, response_class=Response, responses=SIGNED_IN)
def erase_me(request: Request, identity: MemberDep, store: AccountsDep, db: GatewayDb) -> Response:
    """Erase my account (GDPR art. 17): the account, its sessions, API tokens and links go;
    the audit log keeps its lines under a marker that no longer names me; the services are
    told (``member_erased``) and anonymise what they hold (my bookings stay counted, without
    me). Signs out: the same credentials then answer 401."""
    erasure.erase(db, store, request.app.state.events, identity.member)
    response = Response(status_code=204)
    settings = request.app.state.settings
    response.delete_cookie(
        session_cookie(settings),
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return response
