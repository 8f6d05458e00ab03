"""Bookings of a resource (booking service). The booking service decides from the caller
(the RPC context) who sees a booking's person and who may cancel it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contracts.booking import BookingIn, BookingOut, CancelIn, SeriesOut, WaitlistedBookingOut

from .. import paths  # noqa: F401  (the ``booking_id`` path convertor)
from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(prefix="/bookings", tags=["bookings"])


# A plain booking validates as ``BookingOut`` first (its body as before); one put on the
# waitlist carries its ``position``.
@router.post("", status_code=201, response_model=BookingOut | WaitlistedBookingOut | SeriesOut)
def create_booking(
    booking: BookingIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Book, signed in: for oneself (``name`` and ``email`` may be left out: the account's),
    or, as a manager of the resource's place, for someone (``name`` and ``email`` or
    ``phone``), with their ``audience`` and ``commune`` for the funders' figures if they gave
    them. The booking service decides. With a ``recurrence``: a series
    (``SeriesOut``; ``on_conflict``: ``refuse``, all dates or none, 409 ``series_refused``
    listing the dates that fail; ``skip``, the others booked and the skipped listed). With
    ``waitlist: true`` and no seat left: ``waitlisted`` with its ``position`` (1: first),
    rather than 409 ``no_seat_left``."""
    return services.call("booking", "create_booking", booking.model_dump(mode="json"), key)


@router.get(
    "/{booking_id:booking_id}",
    response_model=BookingOut,
    responses={404: {"description": "No such booking"}},
)
def get_booking(booking_id: str, services: ServicesDep) -> dict[str, Any]:
    """A booking; ``name``, ``email`` and ``phone`` only for its owner (signed in as the
    member who booked, or whose address it names), a manager of its place, a territory admin
    or coordinator, or the operator: null for anyone else."""
    return services.call("booking", "get_booking", booking_id)


@router.post(
    "/{booking_id}/cancel",
    response_model=BookingOut,
    responses={
        403: {"description": "Not the booking's owner nor territory staff (`forbidden`)"},
        404: {"description": "No such booking"},
        409: {
            "description": "Started already (`booking_already_started`), or not in a state "
            "that can be cancelled (`booking_not_cancellable`)"
        },
    },
)
def cancel_booking(
    booking_id: str, services: ServicesDep, key: IdempotencyKey, body: CancelIn | None = None
) -> dict[str, Any]:
    """Cancel a booking: its owner before it starts; a manager of its place, a territory
    admin or coordinator, or the operator until it ends, with a ``reason`` (sent to the
    person) when it is someone else's. Its seats are free again and the person receives
    the cancellation by email. Cancelling a cancelled booking answers it again."""
    # Without a body, the call as before (a booking service not yet updated still answers).
    payload = (body.model_dump(mode="json"),) if body else ()
    return services.call("booking", "cancel_booking", booking_id, key, *payload)
