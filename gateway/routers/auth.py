"""Accounts: sign-up with email confirmation, sign-in by password or by a one-time link,
password reset, sign-out (this session, or every one), API tokens.

Whatever the address, the routes that take one answer the same (``202 accepted``, or the same
``401``): whether an account exists is told only by email, to its owner. Their work (hashing,
writing, emitting the email's event) runs after the answer is sent, so that the time taken
tells nothing either. Rate limits (``ratelimit.py``) are counted before the address is looked
up. Emails go out through the gateway's outbox: ``app.state.events.emit`` (``events.py``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from .. import ratelimit
from ..accounts.models import (
    Accepted,
    CredentialsIn,
    EmailIn,
    LinkIn,
    NewPasswordIn,
    SignedIn,
    SignupIn,
    TokenOut,
    is_safe_path,
)
from ..accounts.secrets import Passwords
from ..accounts.store import CONFIRM, EMAIL, RESET, SIGN_IN, Accounts, Link
from ..deps import IdentityDep, MemberDep, clear_session_cookie, get_accounts, session_cookie
from ..i18n import api_language
from ..problems import ProblemException

log = logging.getLogger("maillage.accounts")

router = APIRouter(prefix="/auth", tags=["auth"])

AccountsDep = Annotated[Accounts, Depends(get_accounts)]
INVALID_LINK = {404: {"description": "Unknown, used or expired link"}}
LIMITED = {429: {"description": "Too many attempts: try again after Retry-After seconds"}}
# Where the emailed links lead. The password page comes with the web sign-in pages.
CONFIRM_PATH = "/api/auth/confirm?token="
SIGN_IN_PATH = "/api/auth/link/"
RESET_PATH = "/mot-de-passe?token="
EMAIL_PATH = "/api/auth/email?token="


def passwords(request: Request) -> Passwords:
    state = request.app.state
    if getattr(state, "passwords", None) is None:
        state.passwords = Passwords(state.settings)
    return state.passwords


def _url(request: Request, path: str, token: str) -> str:
    return request.app.state.settings.public_url.rstrip("/") + path + quote(token, safe="")


def _emit_link(request: Request, event: str, member: dict, link: Link, path: str) -> None:
    request.app.state.events.emit(
        event,
        {
            "email": member["email"],
            "name": member["name"],
            "language": member.get("language") or "fr",
            "link": _url(request, path, link.token),
            "expires_at": link.expires_at.isoformat(),
        },
    )


def _later(work, *args: Any) -> None:
    """Run after the answer: failures are logged (the person asks again), never shown."""
    try:
        work(*args)
    except Exception:
        log.exception("accounts: %s failed", getattr(work, "__name__", work))


def _open_session(request: Request, response: Response, store: Accounts, member_id: str) -> str:
    session_id, csrf = store.open_session(member_id)
    settings = request.app.state.settings
    response.set_cookie(
        session_cookie(settings),
        session_id,
        max_age=int(settings.session_hours * 3600),
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return csrf


def _signed_in_page(
    request: Request, store: Accounts, member_id: str, target: str = "/"
) -> RedirectResponse:
    """A browser followed an emailed link: to ``target`` (the home page unless the link
    kept a page of this site), signed in."""
    response = RedirectResponse(target, status_code=303)
    _open_session(request, response, store, member_id)
    return response


# --- sign-up and confirmation ----------------------------------------------------------------


def _sign_up(request: Request, store: Accounts, body: SignupIn, language: str) -> None:
    password_hash = passwords(request).hash(body.password)  # always: the same time for all
    member = store.by_email(body.email)
    if member is not None and member["confirmed"]:
        # The owner already has an account and probably forgot: a sign-in link, which only
        # the owner of the address can use, rather than nothing or an error someone could read.
        link = store.new_link(SIGN_IN, member, timedelta(minutes=_s(request).sign_in_link_minutes))
        _emit_link(request, "sign_in_link_requested", member, link, SIGN_IN_PATH)
        return
    member = store.sign_up(body.email, body.name, language, password_hash)
    pending = {"password_hash": password_hash, "name": body.name, "language": language}
    link = store.new_link(
        CONFIRM, member, timedelta(hours=_s(request).confirmation_link_hours), **pending
    )
    _emit_link(request, "email_confirmation_requested", {**member, **pending}, link, CONFIRM_PATH)


def _s(request: Request):
    return request.app.state.settings


@router.post("/signup", status_code=202, response_model=Accepted, responses=LIMITED)
def sign_up(request: Request, body: SignupIn, store: AccountsDep, later: BackgroundTasks) -> Any:
    """Create an account; the confirmation link arrives by email. The same answer whether
    or not the address is known (a known, confirmed address receives a sign-in link)."""
    if limited := ratelimit.hit(request, "sign_up", body.email):
        return limited
    later.add_task(_later, _sign_up, request, store, body, body.language or api_language(request))
    return Accepted()


@router.get("/confirm", responses=INVALID_LINK)
def confirm(request: Request, store: AccountsDep, token: str = Query(max_length=200)) -> Any:
    """The emailed confirmation link: the address is confirmed, the member signed in."""
    link = store.use_link(CONFIRM, token)
    member, first = store.confirm(link) if link else (None, False)
    if member is None:
        raise ProblemException(404, "invalid_link")  # unknown, used or expired: one answer
    if first:
        request.app.state.events.emit(
            "member_registered",
            {
                "member_id": member["_id"],
                "email": member["email"],
                "name": member["name"],
                "language": member["language"],
                "timezone": member.get("timezone") or "Europe/Paris",
            },
        )
    return _signed_in_page(request, store, member["_id"])


# --- sign-in by password ----------------------------------------------------------------------


def _check_password(request: Request, store: Accounts, body: CredentialsIn) -> dict[str, Any]:
    member = store.by_email(body.email)
    hasher = passwords(request)
    if not hasher.verify(member and member.get("password_hash"), body.password):
        raise ProblemException(401, "invalid_credentials")
    if not member["confirmed"]:
        raise ProblemException(403, "email_not_confirmed")
    if hasher.needs_rehash(member["password_hash"]):
        store.set_password_hash(member["_id"], hasher.hash(body.password))
    return member


SIGN_IN_ANSWERS = {
    **LIMITED,
    401: {"description": "Wrong address or password (the same answer for both)"},
    403: {"description": "The address is not confirmed yet"},
}


@router.post("/token", response_model=TokenOut, responses=SIGN_IN_ANSWERS)
def token(request: Request, body: CredentialsIn, store: AccountsDep) -> Any:
    """A bearer token for an API client (``Authorization: Bearer …``), revocable."""
    if limited := ratelimit.hit(request, "sign_in", body.email):
        return limited
    member = _check_password(request, store, body)
    secret, doc = store.issue_token(member["_id"])
    return TokenOut(access_token=secret, token_id=doc["id"], expires_at=doc["expires_at"])


@router.post("/session", response_model=SignedIn, responses=SIGN_IN_ANSWERS)
def session(request: Request, response: Response, body: CredentialsIn, store: AccountsDep) -> Any:
    """A web session (a cookie) for a browser; the body gives the CSRF token that unsafe
    requests with the cookie send back (``X-CSRF-Token`` or the form's ``csrf_token``)."""
    if limited := ratelimit.hit(request, "sign_in", body.email):
        return limited
    member = _check_password(request, store, body)
    csrf = _open_session(request, response, store, member["_id"])
    return SignedIn(member_id=member["_id"], csrf_token=csrf)


# --- sign-in by a one-time link ---------------------------------------------------------------


def _send_link_to_member(
    request: Request,
    store: Accounts,
    email: str,
    purpose: str,
    minutes: int,
    event: str,
    path: str,
    **extra: Any,
) -> None:
    """A link for a known, confirmed address; nothing (and no sign of it) for any other."""
    member = store.by_email(email)
    if member is None or not member["confirmed"]:
        return
    link = store.new_link(purpose, member, timedelta(minutes=minutes), **extra)
    _emit_link(request, event, member, link, path)


def _send_sign_in_link(request: Request, store: Accounts, email: str, next: str | None) -> None:
    minutes = _s(request).sign_in_link_minutes
    _send_link_to_member(
        request,
        store,
        email,
        SIGN_IN,
        minutes,
        "sign_in_link_requested",
        SIGN_IN_PATH,
        next=next or "/",
    )


@router.post("/link", status_code=202, response_model=Accepted, responses=LIMITED)
def request_link(request: Request, body: LinkIn, store: AccountsDep, later: BackgroundTasks) -> Any:
    """A one-time sign-in link by email, for a known and confirmed address (the same answer
    for any address). ``next``: a page of this site to land on once the link is followed
    (kept with the link, not in it)."""
    if limited := ratelimit.hit(request, "link", body.email):
        return limited
    later.add_task(_later, _send_sign_in_link, request, store, body.email, body.next)
    return Accepted()


def _follow_link(request: Request, store: Accounts, token: str) -> Any:
    link = store.use_link(SIGN_IN, token)
    member = store.member(link["member_id"]) if link else None
    if member is None or not member["confirmed"]:
        raise ProblemException(404, "invalid_link")  # unknown, used or expired: one answer
    target = link.get("next") or "/"
    return _signed_in_page(request, store, member["_id"], target if is_safe_path(target) else "/")


@router.get("/link/{token}", responses=INVALID_LINK)
def follow_link(request: Request, token: str, store: AccountsDep) -> Any:
    """The emailed sign-in link: signs in once, then leads to the home page."""
    return _follow_link(request, store, token)


@router.get("/link", responses=INVALID_LINK)
def follow_link_query(
    request: Request, store: AccountsDep, token: str = Query(max_length=200)
) -> Any:
    return _follow_link(request, store, token)


# --- a new address -------------------------------------------------------------------------


@router.get("/email", responses=INVALID_LINK)
def confirm_new_email(
    request: Request, store: AccountsDep, token: str = Query(max_length=200)
) -> Any:
    """The link emailed to a new address (``POST /api/me/email``): the account takes it if no
    one has it meanwhile, every session and token of the member is signed out, the services
    are told (``member_updated``), and this browser is signed in, on the profile."""
    link = store.use_link(EMAIL, token)
    member = store.member(link["member_id"]) if link else None
    previous = member["email"] if member else None
    if member is not None:
        member = store.change_email(member["_id"], link["new_email"])
    if member is None:
        raise ProblemException(404, "invalid_link")  # unknown, used, expired or taken
    request.app.state.events.emit(
        "member_updated",
        {
            "member_id": member["_id"],
            "email": member["email"],
            "name": member["name"],
            "language": member.get("language") or "fr",
            "timezone": member.get("timezone") or "Europe/Paris",
            "previous_email": previous,
        },
    )
    response = _signed_in_page(request, store, member["_id"], "/profil")
    from ..web_pages.render import set_flash  # the web client's words; no import cycle here

    return set_flash(response, "email_changed")


# --- password reset ---------------------------------------------------------------------------


def _send_reset_link(request: Request, store: Accounts, email: str) -> None:
    minutes = _s(request).password_reset_minutes
    _send_link_to_member(
        request, store, email, RESET, minutes, "password_reset_requested", RESET_PATH
    )


@router.post("/password-reset", status_code=202, response_model=Accepted, responses=LIMITED)
def password_reset(
    request: Request, body: EmailIn, store: AccountsDep, later: BackgroundTasks
) -> Any:
    """A link to choose a new password, by email (the same answer for any address)."""
    if limited := ratelimit.hit(request, "reset", body.email):
        return limited
    later.add_task(_later, _send_reset_link, request, store, body.email)
    return Accepted()


@router.post("/password", response_model=SignedIn, responses={**LIMITED, **INVALID_LINK})
def new_password(
    request: Request, response: Response, body: NewPasswordIn, store: AccountsDep
) -> Any:
    """Set the password from a reset link: every other session and token is signed out, this
    browser is signed in."""
    if limited := ratelimit.hit(request, "reset", None):
        return limited
    link = store.use_link(RESET, body.token)
    member = store.member(link["member_id"]) if link else None
    if member is None:
        raise ProblemException(404, "invalid_link")  # unknown, used or expired: one answer
    store.set_password_hash(member["_id"], passwords(request).hash(body.password))
    store.sign_out_everywhere(member["_id"])
    csrf = _open_session(request, response, store, member["_id"])
    return SignedIn(member_id=member["_id"], csrf_token=csrf)


# --- sign-out and tokens ----------------------------------------------------------------------


@router.post("/signout", status_code=204)
def sign_out(request: Request, identity: IdentityDep, store: AccountsDep) -> Response:
    """Ends this session (cookie), or revokes this API token (bearer). Anonymous: nothing to
    do, the same 204."""
    response = Response(status_code=204)
    if identity.via == "session":
        store.close_session(identity.secret)
    elif identity.via == "token":
        store.revoke_token_digest(identity.secret)
    clear_session_cookie(request, response)
    return response


@router.post("/signout-all", status_code=204, responses={401: {"description": "Not signed in"}})
def sign_out_all(request: Request, identity: MemberDep, store: AccountsDep) -> Response:
    """Ends every session and revokes every API token of the member."""
    store.sign_out_everywhere(identity.member["_id"])
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response


@router.delete(
    "/tokens/{token_id}", status_code=204, responses={401: {"description": "Not signed in"}}
)
def revoke_token(token_id: str, identity: MemberDep, store: AccountsDep) -> Response:
    """Revoke one of the member's API tokens (listed in ``GET /api/me``)."""
    if not store.revoke_token(identity.member["_id"], token_id):
        raise ProblemException(404, "not_found", id=token_id)
    return Response(status_code=204)
