"""The signed-in member's own profile, their data (export) and their account's erasure."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import JSONResponse

from contracts import SERVICE_NAMES
from contracts.booking import BookingOut
from contracts.clubs import MyClubOut

from .. import ratelimit
from ..accounts import erasure
from ..accounts.models import Accepted, EmailChangeIn, MeOut, ProfilePatch
from ..accounts.store import EMAIL, Accounts
from ..deps import AccountsDep, GatewayDb, Identity, MemberDep, ServicesDep, clear_session_cookie
from ..problems import ProblemException
from ..rpc_client import RemoteError, ServiceUnavailable
from . import auth

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
                "timezone": member.get("timezone") or "Europe/Paris",
            },
        )
        if "language" in changes:
            request.state.member_language = member["language"]
    return me_out(member, identity, store)


CHANGE_ANSWERS = {
    **SIGNED_IN,
    403: {"description": "The current password is missing or wrong (members who have one)"},
    429: {"description": "Too many attempts: try again after Retry-After seconds"},
}


def check_current_password(request: Request, member: dict[str, Any], password: str | None):
    """A member with a password says it again (a borrowed open session is not enough);
    a member who signs in by link only has none to say. Counted as a sign-in attempt."""
    if not member.get("password_hash"):
        return None
    if limited := ratelimit.hit(request, "sign_in", member["email"]):
        return limited
    hasher = auth.passwords(request)
    if not password or not hasher.verify(member["password_hash"], password):
        raise ProblemException(403, "invalid_credentials")
    return None


def _mask(email: str) -> str:
    """``veronique@example.org`` -> ``v•••@example.org``: the old address's owner recognises
    (or not) the new one, which the notice does not spell out."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _ask_email_change(request: Request, store: Accounts, member: dict, new_email: str) -> None:
    if store.by_email(new_email) is not None:
        # Taken (or the member's own): nothing to anyone, so that the answer, the new
        # mailbox and the old one tell nothing about who has an account.
        return
    minutes = request.app.state.settings.sign_in_link_minutes
    link = store.new_link(EMAIL, member, timedelta(minutes=minutes), new_email=new_email)
    request.app.state.events.emit(
        "email_change_requested",
        {
            "email": new_email,
            "name": member["name"],
            "language": member.get("language") or "fr",
            "link": auth._url(request, auth.EMAIL_PATH, link.token),
            "expires_at": link.expires_at.isoformat(),
            "previous_email": member["email"],
            "new_email_hint": _mask(new_email),
        },
    )


@router.post("/email", status_code=202, response_model=Accepted, responses=CHANGE_ANSWERS)
def change_email(
    request: Request,
    body: EmailChangeIn,
    identity: MemberDep,
    store: AccountsDep,
    later: BackgroundTasks,
) -> Any:
    """Ask to change my address: a link goes to the new address (the change is made when it
    is followed, if the address is still free), a notice to the current one (a change asked
    from a stolen session is seen). The same 202 whether or not the new address is taken.
    With a password, ``password`` must be the current one."""
    member = identity.member
    if limited := check_current_password(request, member, body.password):
        return limited
    if limited := ratelimit.hit(request, "link", body.email):
        return limited
    later.add_task(auth._later, _ask_email_change, request, store, member, body.email)
    return Accepted()


@router.get("/bookings", response_model=list[BookingOut], responses=SIGNED_IN)
def my_bookings(identity: MemberDep, services: ServicesDep) -> list[dict[str, Any]]:
    """My bookings, newest first: those I made signed in, and those made with my address
    (anonymously before I had an account, or by a facilitator for me); cancelled ones too."""
    return services.call("booking", "my_bookings")


@router.get("/clubs", response_model=list[MyClubOut], responses=SIGNED_IN)
def my_clubs(identity: MemberDep, services: ServicesDep) -> list[dict[str, Any]]:
    """My clubs, by name: those I am in (with my role), those I asked to join (``status``
    ``requested``), those I preside; ``manages`` when I run it."""
    return services.call("clubs", "my_clubs")


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
    clear_session_cookie(request, response)
    return response
