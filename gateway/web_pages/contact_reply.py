"""The page a contact request's recipient opens from their email (``/contact/reply/<token>``):
the message, the answer, and — once answered — the sender's address. The token is the right;
the directory keeps only its digest."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import i18n
from ..deps import ServicesDep
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import refused, who
from .actors import _alert
from .my_bookings import services_for
from .render import render
from .site import domain_code, not_found, unavailable

router = APIRouter(include_in_schema=False)

REPLY_PATH = "/contact/reply"
FORM_PATHS = (REPLY_PATH,)


def _reply_response(
    request: Request,
    thread: dict[str, Any],
    token: str,
    *,
    alert: tuple[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "services": {"directory": True},
        "thread": thread,
        "token": token,
        "alert": alert,
        "values": values or {"key": forms.new_key(), "share_email": True},
    }
    return render(request, "contact_reply.html", context, status=status)


@router.get(REPLY_PATH + "/{token}")
def reply_page(request: Request, token: str, services: ServicesDep) -> Response:
    """The recipient reads the request from their email's link (the token is the right)."""
    try:
        thread = services.call("directory", "contact_request", token)
    except ServiceUnavailable:
        return unavailable(request, {"directory": False})
    except RemoteError as exc:
        domain_code(exc)
        return not_found(request, {"directory": True})
    response = _reply_response(request, thread, token)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of referrers
    return response


@router.post(REPLY_PATH)
async def send_reply(request: Request) -> Response:
    identity, fields = await who(request)
    if identity is None:
        return refused(request)
    token = fields.get("token", "")
    services = services_for(request, identity)
    language = i18n.page_language(request)
    share = fields.get("share_email") == "on"
    body = {"message": fields.get("message", "").strip(), "share_email": share}
    key = fields.get("key", "")
    if not forms.KEY_PATTERN.match(key):
        key = forms.new_key()
    try:
        thread = services.call("directory", "reply_contact", token, body, key)
    except ServiceUnavailable:
        return unavailable(request, {"directory": False})
    except RemoteError as exc:
        alert, status, _ = _alert(exc, language)
        try:
            thread = services.call("directory", "contact_request", token)
        except RemoteError:
            return not_found(request, {"directory": True})
        values = {"message": body["message"], "key": forms.new_key(), "share_email": share}
        return _reply_response(request, thread, token, alert=alert, values=values, status=status)
    response = _reply_response(request, thread, token)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
