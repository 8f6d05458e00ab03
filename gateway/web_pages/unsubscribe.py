"""Unsubscribing, from the link in every email.

It takes a click on a button (a POST): mail scanners fetch every link in a message, so a GET
must never unsubscribe. The POST also answers RFC 8058 one-click requests
(``List-Unsubscribe=One-Click``), which carry the address and token in the query string.

The link of a message carries its kind (``kind=bookings``…): it stops that kind only, and
the page offers the preferences page (every kind) and "stop everything". Without a kind (the
links of older emails): everything, as before.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.notifications import MESSAGE_KINDS

from ..deps import ServicesDep
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .email_preferences import KIND_TEXTS, LINK_PATH
from .render import render
from .site import domain_code

router = APIRouter(include_in_schema=False)


def incomplete(request: Request) -> Response:
    return render(request, "unsubscribe.html", {"state": "incomplete"}, status=400)


def _kind(value: str) -> str:
    return value if value in MESSAGE_KINDS else ""


def _preferences_url(email: str, token: str) -> str:
    return f"{LINK_PATH}?{urlencode({'email': email, 'token': token})}"


@router.get("/unsubscribe")
def unsubscribe_form(
    request: Request, email: str = "", token: str = "", kind: str = ""
) -> Response:
    if not email or not token:
        return incomplete(request)
    context = {"state": "ask", "email": email, "token": token, "kind": _kind(kind)}
    context["preferences_url"] = _preferences_url(email, token)
    context["kind_texts"] = KIND_TEXTS
    return render(request, "unsubscribe.html", context)


@router.post("/unsubscribe")
async def unsubscribe(request: Request, services: ServicesDep) -> Response:
    fields = dict(request.query_params)  # one-click: the link's own query string
    fields.update(await forms.read_form(request))
    email, token = fields.get("email", ""), fields.get("token", "")
    kind = _kind(fields.get("kind", ""))
    if not email or not token:
        return incomplete(request)
    try:
        if kind:  # that kind only
            services.call("notifications", "unsubscribe", email, token, kind)
        else:
            services.call("notifications", "unsubscribe", email, token)
    except ServiceUnavailable:
        return render(request, "unavailable.html", status=503)
    except RemoteError as exc:
        domain_code(exc)
        return render(request, "unsubscribe.html", {"state": "invalid"}, status=400)
    context = {"state": "done", "email": email, "kind": kind, "kind_texts": KIND_TEXTS}
    context["preferences_url"] = _preferences_url(email, token)
    return render(request, "unsubscribe.html", context)
