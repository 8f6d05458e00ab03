"""The waitlist emails' one-click links: leave the list, take the seat offered.

The link opens a page with one button (a POST): mail scanners fetch every link in a message,
so a GET never acts. No sign-in: the signed token of the link is the permission
(services/booking/links.py)."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..deps import ServicesDep
from ..errors_text import error_text
from ..i18n import page_language
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .render import render
from .site import domain_code

router = APIRouter(include_in_schema=False)
LEAVE_PATH = "/waitlist/leave"
ACCEPT_PATH = "/waitlist/accept"
FORM_PATHS = (LEAVE_PATH, ACCEPT_PATH)
TEMPLATE = "waitlist_link.html"


def _key(action: str, token: str) -> str:
    """One request per link and action: clicking twice is the same request."""
    return hashlib.sha256(f"{action}:{token}".encode()).hexdigest()[:32]


@router.get(LEAVE_PATH)
def leave_form(request: Request, token: str = "") -> Response:
    return _ask(request, "leave", token)


@router.get(ACCEPT_PATH)
def accept_form(request: Request, token: str = "") -> Response:
    return _ask(request, "accept", token)


def _ask(request: Request, action: str, token: str) -> Response:
    state = "ask" if token else "incomplete"
    context = {"state": state, "action": action, "token": token}
    return render(request, TEMPLATE, context, status=200 if token else 400)


@router.post(LEAVE_PATH)
async def leave(request: Request, services: ServicesDep) -> Response:
    token = (await forms.read_form(request)).get("token", "")
    return _act(request, "leave", token, lambda: _call(services, "leave_waitlist", token))


@router.post(ACCEPT_PATH)
async def accept(request: Request, services: ServicesDep) -> Response:
    token = (await forms.read_form(request)).get("token", "")
    booking_id = token.partition(".")[0]
    return _act(
        request, "accept", token, lambda: _call(services, "accept_offer", booking_id, token)
    )


def _call(services, name: str, *args) -> dict:
    return services.call("booking", name, *args, _key(name, args[-1]))


def _act(request: Request, action: str, token: str, call) -> Response:
    if not token:
        return render(request, TEMPLATE, {"state": "incomplete", "action": action}, status=400)
    try:
        booking = call()
    except ServiceUnavailable:
        return render(request, "unavailable.html", status=503)
    except RemoteError as exc:
        code, params = domain_code(exc)
        title, detail = error_text(code, params, page_language(request))
        context = {"state": "refused", "action": action, "title": title, "detail": detail}
        return render(request, TEMPLATE, context, status=400 if "link" in code else 409)
    return render(request, TEMPLATE, {"state": "done", "action": action, "booking": booking})
