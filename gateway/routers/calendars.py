"""Calendar feeds (iCalendar, for a calendar app's subscription):

- ``POST`` / ``DELETE /api/me/calendar-token``: the signed-in member makes (or replaces) and
  revokes the secret URL of their private feed;
- ``GET /api/me/calendar.ics?token=…``: that feed, the member's bookings. The app sends no
  cookie and no header: the URL's token is the credential, so a wrong or revoked one is a
  404 (an address that does not exist), never a 401 that would invite to sign in;
- ``GET /api/resources/{resource_id}/busy.ics``: public, when a resource is full.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from .. import calendars, i18n
from ..accounts.models import CalendarLink
from ..deps import AccountsDep, MemberDep, Services, ServicesDep, caller_of, get_rpc
from ..problems import ProblemException
from ..rpc_client import RemoteError, RpcClient, ServiceUnavailable

router = APIRouter(tags=["calendars"])

FEED_PATH = "/api/me/calendar.ics"
ICS = "text/calendar; charset=utf-8"
SIGNED_IN = {401: {"description": "Not signed in (no session, no API token)"}}
FEED_ANSWERS = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar feed (RFC 5545)"},
}


def _ics(body: bytes, cache: str) -> Response:
    return Response(body, media_type=ICS, headers={"Cache-Control": cache})


def _lookup(services: Services, service: str, method: str, key: str, found: dict) -> Any:
    """One resource or place per feed, None when it cannot be said now (the feed still
    lists the booking, by its dates)."""
    if key not in found:
        try:
            found[key] = services.call(service, method, key)
        except (ServiceUnavailable, RemoteError):
            found[key] = None
    return found[key]


@router.post(
    "/me/calendar-token", status_code=201, response_model=CalendarLink, responses=SIGNED_IN
)
def make_calendar_link(request: Request, identity: MemberDep, store: AccountsDep) -> dict:
    """Make the secret address of my calendar feed, replacing the one I had (which stops
    working). Answered once: only its digest is kept. Paste it into a calendar app as a
    subscription (« s'abonner à un calendrier par URL »)."""
    token, doc = store.issue_calendar_token(identity.member["_id"])
    url = request.app.state.settings.public_url.rstrip("/") + f"{FEED_PATH}?token={token}"
    webcal = "webcal://" + url.split("://", 1)[1]
    return {"url": url, "webcal_url": webcal, "created_at": doc["created_at"]}


@router.delete("/me/calendar-token", status_code=204, response_class=Response, responses=SIGNED_IN)
def revoke_calendar_link(identity: MemberDep, store: AccountsDep) -> Response:
    """Revoke my calendar feed's address (idempotent): the app then gets 404."""
    store.revoke_calendar_token(identity.member["_id"])
    return Response(status_code=204)


@router.get(
    "/me/calendar.ics",
    response_class=Response,
    responses={**FEED_ANSWERS, 404: {"description": "No feed has this token (wrong or revoked)"}},
)
def my_calendar(
    request: Request,
    store: AccountsDep,
    rpc: Annotated[RpcClient, Depends(get_rpc)],
    token: Annotated[str, Query(max_length=200)],
) -> Response:
    """My bookings as an iCalendar feed (every status: cancelled ones say so), in my
    language, each with the UID of its email invitation. Private: ``Cache-Control: private``."""
    member = store.calendar_member(token)
    if member is None:
        raise ProblemException(404, "route_not_found")
    caller = caller_of(member)  # the member's own rights, as their session would carry
    services = Services(rpc, request.state.correlation_id, caller)
    bookings = services.call("booking", "my_bookings")
    resources: dict[str, Any] = {}
    places: dict[str, Any] = {}
    for booking in bookings:
        resource = _lookup(services, "booking", "get_resource", booking["resource_id"], resources)
        if resource:
            _lookup(services, "directory", "get_place", resource["place_id"], places)
    body = calendars.member_feed(bookings, resources, places, caller.language)
    return _ics(body, "private, max-age=300")


@router.get("/resources/{resource_id}/busy.ics", response_class=Response, responses=FEED_ANSWERS)
def busy_calendar(request: Request, resource_id: str, services: ServicesDep) -> Response:
    """When the resource is full over the coming 8 weeks (« Occupé »), no names: every seat
    booked. A desk pool with seats left is not busy: ``availability`` tells how many are
    left. In the reader's language (``Accept-Language``, else French)."""
    resource = services.call("booking", "get_resource", resource_id)
    place = _lookup(services, "directory", "get_place", resource["place_id"], {})
    bookings = services.call("booking", "list_bookings", resource_id)
    body = calendars.busy_feed(resource, place, bookings, i18n.api_language(request))
    return _ics(body, "public, max-age=300")
