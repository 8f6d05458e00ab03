"""The work-stay portal (the Verdon's « Respire »): around a place, or the whole territory,
the nearest actors of each portal category and the places offering coworking; one light page,
no script."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.directory import PORTAL_CATEGORIES

from ..deps import ServicesDep
from ..rpc_client import RemoteError, ServiceUnavailable
from .render import render
from .site import domain_code, not_found, unavailable

router = APIRouter(include_in_schema=False)

PORTAL_PATH = "/portal"


@router.get(PORTAL_PATH)
def portal_page(request: Request, services: ServicesDep, place: str = "") -> Response:
    try:
        portal = services.call("directory", "portal", place or None)
    except ServiceUnavailable:
        return unavailable(request, {"directory": False})
    except RemoteError as exc:
        domain_code(exc)
        return not_found(request, {"directory": True})
    return render(
        request,
        "portal.html",
        {
            "services": {"directory": True},
            "portal": portal,
            "portal_categories": [c.value for c in PORTAL_CATEGORIES],
        },
    )
