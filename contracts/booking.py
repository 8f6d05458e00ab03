"""The booking service's contract: resources, bookings, their events and errors."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, EmailStr, Field

from .errors import Conflict, NotFound, ValidationFailed
from .events import EventData
from .models import HeaderText, PersonName, PhoneNumber, Strict

SERVICE = "booking"
METRICS_PORT = 9102


class ResourceKind(StrEnum):
    desk_pool = "desk_pool"
    office = "office"
    meeting_room = "meeting_room"
    equipment = "equipment"
    appointment_slot = "appointment_slot"


# -- RPC: create_resource(place_id, payload, key), list_resources(place_id), get_resource(id),
#         create_booking(payload, key), get_booking(id), list_bookings(resource_id),
#         my_bookings(), cancel_booking(booking_id, key), export_member() ------------------
# Who is asking comes from the RPC context (contracts/identity.py ``Caller``):
# - creating a resource needs a manager of its place or a territory admin;
# - booking needs a signed-in member (``AuthenticationRequired`` otherwise), who books for
#   themselves (their account's address; ``name`` defaults to the account's), or a manager
#   of the resource's place (or a territory admin) booking for someone: ``name`` and
#   ``email`` or ``phone`` of that person — Marceline, who called;
# - a booking's name, email and phone are answered only to its owner (the member who
#   booked, or whose confirmed address it names), a manager of its place, a territory admin
#   or coordinator, or the operator; anyone else gets them null. Cancelling needs the same;
#   otherwise ``contracts.errors.Forbidden`` (403 ``forbidden``).
# - ``export_member()``: what booking holds about the caller (GDPR art. 15/20):
#   ``{"service": "booking", "bookings": [...]}``, every booking they own (by member id or
#   address, every status, with the phone, ``place_id``, ``created_at``, ``cancelled_by``);
#   anonymous: ``AuthenticationRequired``. Erasure: booking consumes ``gateway.member_erased``.
class ResourceIn(Strict):
    name: HeaderText = Field(min_length=1, max_length=120)  # in the subject of emails
    kind: ResourceKind
    seats: int = Field(1, ge=1, le=500, strict=True)


class BookingIn(Strict):
    resource_id: str = Field(min_length=1, max_length=64)
    start: AwareDatetime
    end: AwareDatetime
    seats: int = Field(1, ge=1, le=500, strict=True)
    name: PersonName | None = None
    email: EmailStr | None = None
    phone: PhoneNumber | None = None
    language: str = Field("fr", pattern="^(fr|en)$")


class ResourceOut(BaseModel):
    id: str
    place_id: str
    name: str
    kind: ResourceKind
    seats: int


class BookingStatus(StrEnum):
    """The values of ``BookingOut.status``. ``held``: the request is taking its seats (a
    booking left held is rejected after a few minutes); ``awaiting_approval`` and
    ``waitlisted`` wait for the place or for a seat; ``confirmed``, then maybe ``cancelled``;
    ``rejected``. Transitions: services/booking/rules/states.py."""

    held = "held"
    awaiting_approval = "awaiting_approval"
    waitlisted = "waitlisted"
    confirmed = "confirmed"
    rejected = "rejected"
    cancelled = "cancelled"


class BookingOut(BaseModel):
    id: str
    resource_id: str
    start: datetime
    end: datetime
    seats: int
    # null unless the caller owns the booking, manages its place or is territory staff (the
    # operator, an admin, a coordinator)
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    status: str


# -- errors (code, parameters) -------------------------------------------------------------
class NoSeatLeft(Conflict):
    """``seats_total``, ``seats_taken``, ``seats_requested``."""

    code = "no_seat_left"


class UnknownPlace(NotFound):
    """``id``: booking has not heard of this place from the directory (yet: a place just
    created is known within a second or so; retry)."""

    code = "unknown_place"


class AttemptExpired(Conflict):
    """The booking attempt was released as abandoned while it ran: try again."""

    code = "booking_attempt_expired"


class UtcOffsetRequired(ValidationFailed):
    code = "utc_offset_required"


class EndNotAfterStart(ValidationFailed):
    code = "end_not_after_start"


class TooLong(ValidationFailed):
    """``max_days``."""

    code = "booking_too_long"


class StartInPast(ValidationFailed):
    code = "start_in_past"


class BeyondHorizon(ValidationFailed):
    """``horizon_days``."""

    code = "start_beyond_horizon"


class TooManySeats(ValidationFailed):
    """``capacity``, ``requested``."""

    code = "too_many_seats"


class BookingStarted(Conflict):
    """``start``: a booking that has begun (or is over) can no longer be cancelled."""

    code = "booking_already_started"


class NotCancellable(Conflict):
    """``status``: this booking is not in a state that can be cancelled (rejected, or still
    being taken)."""

    code = "booking_not_cancellable"


# -- events ------------------------------------------------------------------------------
class ResourceCreated(EventData):
    resource_id: str
    place_id: str
    name: str
    kind: str
    seats: int


class BookingConfirmed(EventData):
    booking_id: str
    resource_id: str
    resource_name: str
    place_id: str
    place_name: str | None = None
    start: str
    end: str
    seats: int
    name: str
    email: str | None = None  # None: booked by a manager for someone reached by phone
    language: str = "fr"


class BookingCancelled(BookingConfirmed):
    """A confirmed booking was cancelled; its seats are free again. The confirmation's fields,
    and ``cancelled_by``: ``owner`` (the person, signed in) or ``staff`` (a manager of the
    place, a territory admin, a coordinator, the operator); ``sequence``: the calendar
    revision of the invitation (the confirmation's was 0), so that the cancellation's
    ``.ics`` replaces it."""

    cancelled_by: str
    sequence: int = 1


EVENTS: dict[str, type[EventData]] = {
    "resource_created": ResourceCreated,
    "booking_confirmed": BookingConfirmed,
    "booking_cancelled": BookingCancelled,
}
