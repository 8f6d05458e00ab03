"""FastAPI dependencies: the RPC client, the correlation id, who is asking (a web session, an
API token, the operator's token, or no one), the idempotency key and the operator's bearer
token."""

from __future__ import annotations

import hmac
import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import Depends, Header, Request, Response
from pymongo.database import Database

from contracts.identity import ANONYMOUS, CONTEXT_KEY, Caller
from contracts.identity import TerritoryRole as Role

from . import audit
from .accounts.store import Accounts, accounts
from .problems import ProblemException
from .rpc_client import RpcClient

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,200}$")


def get_rpc(request: Request) -> RpcClient:
    return request.app.state.rpc


def get_db(request: Request) -> Database:
    """The gateway's own database (accounts, sessions, audit log)."""
    return request.app.state.db


GatewayDb = Annotated[Database, Depends(get_db)]


# --- who is asking ---------------------------------------------------------------------------

SESSION_COOKIE = "maillage_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"  # the hidden field of the web pages' forms
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
FORM_TYPE = "application/x-www-form-urlencoded"


def session_cookie(settings: Any) -> str:
    """``__Host-`` over HTTPS: the browser then refuses it without Secure, Path=/, or with a
    Domain, so that no sibling host can plant or shadow it."""
    return f"__Host-{SESSION_COOKIE}" if settings.secure_cookies else SESSION_COOKIE


def clear_session_cookie(request: Request, response: Response) -> None:
    """Tell the browser to forget the session cookie (signed out, or the account erased)."""
    settings = request.app.state.settings
    response.delete_cookie(
        session_cookie(settings),
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


def get_accounts(request: Request, db: Annotated[Database, Depends(get_db)]) -> Accounts:
    """The accounts' store (routes that use it list 503: the gateway's database away)."""
    return accounts(request.app.state)


AccountsDep = Annotated[Accounts, Depends(get_accounts)]


@dataclass(frozen=True)
class Identity:
    """The caller, and how they proved it: ``via`` is ``session``, ``token``, ``operator``
    or None (anonymous). ``secret`` is the session id or API token as sent."""

    caller: Caller = ANONYMOUS
    via: str | None = None
    member: dict[str, Any] | None = None
    session: dict[str, Any] | None = None
    secret: str | None = None


async def form_csrf(request: Request) -> str | None:
    """The ``csrf_token`` field of a form posted with a session cookie (read here, where
    awaiting is possible; Starlette keeps the body for the route). The pages' forms are
    URL-encoded (``web_pages.FORM_MEDIA_TYPE``)."""
    if request.method in SAFE_METHODS or session_cookie(request.app.state.settings) not in (
        request.cookies
    ):
        return None
    if not request.headers.get("content-type", "").lower().startswith(FORM_TYPE):
        return None
    values = parse_qs((await request.body()).decode("utf-8", "replace")).get(CSRF_FIELD)
    return values[0] if values else None


def caller_of(member: dict[str, Any]) -> Caller:
    """The caller a member's session or token carries: their id, address, name, roles and
    the places they manage; their audience and commune only if they consented to be counted
    in the funders' figures."""
    counted = bool(member.get("consent_statistics"))
    return Caller(
        member_id=member["_id"],
        email=member["email"],
        name=member.get("name"),
        roles=tuple(Role(r) for r in member.get("roles", []) if r in Role.__members__),
        manages=tuple(member.get("manages") or ()),
        language=member.get("language") or "fr",
        audience=member.get("audience") if counted else None,
        commune=member.get("commune") if counted else None,
    )


def identify(request: Request, form_token: Annotated[str | None, Depends(form_csrf)]) -> Identity:
    """Who is asking. A bearer token must be valid (else ``401 invalid_token``); a session
    cookie that is unknown or expired counts as no one; a session-authenticated unsafe
    request needs its session's CSRF token (else ``403 csrf_failed``). Anonymous requests
    never touch the gateway's database."""
    authorization = request.headers.get("authorization")
    identity = Identity()
    if authorization is not None:
        scheme, _, secret = authorization.partition(" ")
        secret = secret.strip()
        admin_token = request.app.state.settings.admin_token
        if scheme.lower() != "bearer" or not secret:
            raise ProblemException(401, "invalid_token")
        if admin_token and hmac.compare_digest(secret.encode(), admin_token.encode()):
            operator = Caller(roles=(Role.admin,), operator=True)
            identity = Identity(caller=operator, via="operator", secret=secret)
        else:
            store = accounts(request.app.state)
            token = store.token(secret)
            member = store.member(token["member_id"]) if token else None
            if member is None or not member.get("confirmed"):
                raise ProblemException(401, "invalid_token")
            identity = Identity(caller_of(member), "token", member, secret=secret)
    elif (cookie := request.cookies.get(session_cookie(request.app.state.settings))) is not None:
        store = accounts(request.app.state)
        session = store.session(cookie)
        member = store.member(session["member_id"]) if session else None
        if member is not None:
            if request.method not in SAFE_METHODS:
                sent = request.headers.get(CSRF_HEADER) or form_token or ""
                if not hmac.compare_digest(sent.encode(), session["csrf"].encode()):
                    raise ProblemException(403, "csrf_failed")
            identity = Identity(caller_of(member), "session", member, session, cookie)
            request.state.csrf_token = session["csrf"]  # for the pages' forms
    request.state.caller = identity.caller
    if identity.member is not None:
        request.state.member_language = identity.caller.language  # i18n.page_language
    return identity


IdentityDep = Annotated[Identity, Depends(identify)]


def page_csrf_token(request: Request) -> str | None:
    """The token a page's forms carry: the session's, when this browser has one."""
    known = getattr(request.state, "csrf_token", None)
    if known is not None:
        return known
    cookie = request.cookies.get(session_cookie(request.app.state.settings))
    session = accounts(request.app.state).session(cookie) if cookie else None
    return session["csrf"] if session else None


def require_member(identity: IdentityDep) -> Identity:
    """A signed-in member (the operator's token has no member behind it)."""
    if identity.member is None:
        raise ProblemException(401, "authentication_required")
    return identity


MemberDep = Annotated[Identity, Depends(require_member)]


class Services:
    """Calls services on behalf of one HTTP request, carrying its correlation id and its
    caller (``contracts.identity.Caller``, as JSON in the ``nameko.caller`` header)."""

    def __init__(self, rpc: RpcClient, correlation_id: str, caller: Caller = ANONYMOUS) -> None:
        self.rpc = rpc
        self.correlation_id = correlation_id
        self.caller = caller

    def call(self, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
        context = {"correlation_id": self.correlation_id}
        if not self.caller.anonymous:  # absent means anonymous (Caller.from_context)
            context[CONTEXT_KEY] = self.caller.to_context()
        return self.rpc.call(service, method, *args, context=context, **kwargs)


def get_services(
    request: Request, rpc: Annotated[RpcClient, Depends(get_rpc)], identity: IdentityDep
) -> Services:
    return Services(rpc, request.state.correlation_id, identity.caller)


def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str:
    """The client's key, or a fresh one: a redelivered RPC then still runs only once."""
    if key is None:
        return uuid.uuid4().hex
    if not KEY_PATTERN.match(key):
        raise ProblemException(400, "bad_idempotency_key")
    return key


ServicesDep = Annotated[Services, Depends(get_services)]
IdempotencyKey = Annotated[str, Depends(idempotency_key)]


def require_staff(identity: IdentityDep) -> Identity:
    """A territory admin, a coordinator, or the operator's token (``MAILLAGE_ADMIN_TOKEN``):
    401 for no one, 403 for anyone else."""
    caller = identity.caller
    if caller.admin or caller.has_role(Role.coordinator):
        return identity
    if caller.anonymous:
        raise ProblemException(401, "authentication_required")
    raise ProblemException(403, "forbidden")


def require_admin(identity: Annotated[Identity, Depends(require_staff)]) -> Identity:
    """A territory admin or the operator's token: 401 for no one, 403 for anyone else."""
    if not identity.caller.admin:
        raise ProblemException(403, "forbidden")
    return identity


def actor(identity: Identity) -> str:
    """Who did an administrative act, for the audit log: a member's id, or ``operator``."""
    return identity.member["_id"] if identity.member else audit.OPERATOR


AdminOnly = Depends(require_admin)
StaffDep = Annotated[Identity, Depends(require_staff)]
AdminDep = Annotated[Identity, Depends(require_admin)]
