"""The waitlist (booking service, services/booking/waitlist.py): accept seats offered, leave
by the email's one-click link, and a resource's line for the people who run its place.

Joining is ``POST /api/bookings`` with ``waitlist: true``; leaving signed in is the usual
``POST /api/bookings/{id}/cancel``. The links of the emails carry a signed token instead of
a session (``/waitlist/leave?token=``, ``/waitlist/accept?token=``, web pages that POST
here), so Marceline can answer from her phone's mail without signing in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contracts.booking import BookingOut, TokenIn, WaitingEntryOut

from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(tags=["waitlist"])


@router.post(
    "/bookings/{booking_id}/accept",
    response_model=BookingOut,
    responses={
        403: {"description": "Not the booking's owner, and no token (`forbidden`)"},
        404: {"description": "No such booking"},
        409: {"description": "No offer open on this booking (`booking_not_offered`)"},
        422: {"description": "A token not made for this booking (`invalid_waitlist_link`)"},
    },
)
def accept_offer(
    booking_id: str, services: ServicesDep, key: IdempotencyKey, body: TokenIn | None = None
) -> dict[str, Any]:
    """Take the seats offered from the waitlist before the offer lapses: its owner signed
    in, or anyone with the offer email's ``token``. Confirmed (or awaiting the place's
    approval where it approves), with the usual confirmation. Accepted already: answered
    again."""
    token = body.token if body else None
    return services.call("booking", "accept_offer", booking_id, token, key)


@router.post(
    "/waitlist/leave",
    response_model=BookingOut,
    responses={
        409: {"description": "No longer on the waitlist (`booking_not_cancellable`)"},
        422: {"description": "Not a leave link of this territory (`invalid_waitlist_link`)"},
    },
)
def leave_waitlist(body: TokenIn, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """Leave the waitlist with the email's signed ``token``, no sign-in needed: the waiting
    (or offered) booking is cancelled and its seats, if offered, go to the next in line.
    Idempotent: left already, answered again. A POST (never a GET), so that a mail client
    opening links ahead does not take anyone off a list."""
    return services.call("booking", "leave_waitlist", body.token, key)


@router.get(
    "/resources/{resource_id}/waitlist",
    response_model=list[WaitingEntryOut],
    responses={
        403: {"description": "Not a manager of its place nor territory staff (`forbidden`)"},
        404: {"description": "No such resource"},
    },
)
def waiting_list(resource_id: str, services: ServicesDep) -> list[dict[str, Any]]:
    """A resource's waitlist, first in line first (offered, then waiting): who, how many
    seats, since when. For the managers of its place and territory staff only (people's
    names and addresses)."""
    return services.call("booking", "waiting_list", resource_id)
