"""The facilitator's desk (booking service, services/booking/desk.py): approve or reject a
request awaiting approval, check someone in, record the outcome of a booking, read a place's
planning. The booking service decides who may: a manager of the booking's place or
territory staff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contracts.booking import PLANNING_MAX_DAYS, BookingOut, OutcomeIn, PlanningOut, RejectIn

from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(tags=["desk"])

DESK = {
    403: {"description": "Not a manager of the booking's place nor territory staff"},
    404: {"description": "No such booking"},
}


@router.post(
    "/bookings/{booking_id}/approve",
    response_model=BookingOut,
    responses={**DESK, 409: {"description": "Not awaiting approval"}},
)
def approve_booking(booking_id: str, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """Approve a request awaiting approval: it is confirmed and the person receives the
    confirmation with its invitation. Approving an approved booking answers it again;
    a rejected or cancelled one is `booking_not_awaiting_approval`."""
    return services.call("booking", "approve_booking", booking_id, key)


@router.post(
    "/bookings/{booking_id}/reject",
    response_model=BookingOut,
    responses={**DESK, 409: {"description": "Not awaiting approval"}},
)
def reject_booking(
    booking_id: str, body: RejectIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Refuse a request awaiting approval, with a ``reason`` sent to the person; its seats
    are free again. Rejecting a rejected booking answers it again."""
    return services.call("booking", "reject_booking", booking_id, body.model_dump(mode="json"), key)


@router.post(
    "/bookings/{booking_id}/check-in",
    response_model=BookingOut,
    responses={**DESK, 409: {"description": "Check-in not open (`check_in_closed`)"}},
)
def check_in(booking_id: str, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """The person came: ``checked_in``, from 30 minutes before the start until the end."""
    return services.call("booking", "check_in", booking_id, key)


@router.post(
    "/bookings/{booking_id}/outcome",
    response_model=BookingOut,
    responses={**DESK, 409: {"description": "Not begun (`outcome_too_early`)"}},
)
def record_outcome(
    booking_id: str, body: OutcomeIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """What became of a booking once begun: ``seen`` (stored as ``checked_in``),
    ``excused`` or ``no_show``; another outcome corrects the one recorded."""
    return services.call("booking", "record_outcome", booking_id, body.model_dump(mode="json"), key)


@router.get(
    "/places/{place_id}/planning",
    response_model=PlanningOut,
    responses={403: {"description": "Not a manager of the place nor territory staff"}},
)
def planning(
    place_id: str,
    services: ServicesDep,
    date: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    days: Annotated[int, Query(ge=1, le=PLANNING_MAX_DAYS)] = 1,
    status: Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$")] = None,
) -> dict[str, Any]:
    """The bookings of every resource of the place from ``date`` (today by default, in the
    place's time zone) for ``days`` days, with each person's name and phone: requests
    awaiting approval, confirmed bookings and their outcomes. ``status=awaiting_approval``:
    the approvals queue."""
    found = services.call("booking", "planning", place_id, date, days)
    if status:
        return {**found, "bookings": [b for b in found["bookings"] if b["status"] == status]}
    return found


@router.post(
    "/bookings/{booking_id}/restore",
    response_model=BookingOut,
    responses={
        **DESK,
        409: {
            "description": "Not cancelled (`booking_not_restorable`), started already "
            "(`booking_restore_too_late`), or its seats were taken since (`no_seat_left`)"
        },
    },
)
def restore_booking(booking_id: str, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """Undo a cancellation, until the start: the booking is confirmed again if its seats can
    be taken again, and the person receives "your booking is restored" with the invitation
    that puts it back in their calendar. Restoring a confirmed booking answers it again."""
    return services.call("booking", "restore_booking", booking_id, key)
