"""« Mes clubs »: the signed-in member's clubs (``clubs.my_clubs``, the caller in the RPC
context): those they are in with their role, those they asked to join, a link to run those
they manage. Linked from the profile and the clubs' page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..deps import ServicesDep
from ..rpc_client import ServiceUnavailable
from .accounts import to_sign_in
from .clubs import moment
from .render import page_account, render
from .site import capabilities, not_found, unavailable

router = APIRouter(include_in_schema=False)

PATH = "/mes-clubs"


@router.get(PATH)
def my_clubs_page(request: Request, services: ServicesDep) -> Response:
    running = capabilities(request)
    if not running.get("clubs"):
        return not_found(request, running)
    if page_account(request) is None:
        return to_sign_in(PATH)
    try:
        clubs = services.call("clubs", "my_clubs")
    except ServiceUnavailable:
        return unavailable(request, running)
    rows = [{**c, "since": moment(c.get("joined_at") or c.get("requested_at"))} for c in clubs]
    return render(request, "my_clubs.html", {"services": running, "clubs": rows})
