"""Unsubscribing, from the link in every email.

It takes a click on a button (a POST): mail scanners fetch every link in a message, so a GET
must never unsubscribe. The POST also answers RFC 8058 one-click requests
(``List-Unsubscribe=One-Click``), which carry the address and token in the query string.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..deps import ServicesDep
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .render import render
from .site import domain_code

router = APIRouter(include_in_schema=False)


def incomplete(request: Request) -> Response:
    return render(request, "unsubscribe.html", {"state": "incomplete"}, status=400)


@router.get("/unsubscribe")
def unsubscribe_form(request: Request, email: str = "", token: str = "") -> Response:
    if not email or not token:
        return incomplete(request)
    return render(request, "unsubscribe.html", {"state": "ask", "email": email, "token": token})


@router.post("/unsubscribe")
async def unsubscribe(request: Request, services: ServicesDep) -> Response:
    fields = dict(request.query_params)  # one-click: the link's own query string
    fields.update(await forms.read_form(request))
    email, token = fields.get("email", ""), fields.get("token", "")
    if not email or not token:
        return incomplete(request)
    try:
        services.call("notifications", "unsubscribe", email, token)
    except ServiceUnavailable:
        return render(request, "unavailable.html", status=503)
    except RemoteError as exc:
        domain_code(exc)
        return render(request, "unsubscribe.html", {"state": "invalid"}, status=400)
    return render(request, "unsubscribe.html", {"state": "done", "email": email})
