"""The booking service's contract: resources, bookings, their events and errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import opening_hours
from pydantic import AwareDatetime, BaseModel, EmailStr, Field, field_validator, model_validator

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
#         update_resource(resource_id, payload, key), availability(resource_id, start, end),
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
# - ``update_resource``: a manager of its place or a territory admin; a partial
#   ``ResourcePatch`` (only the fields sent change; ``null`` clears the optional ones);
#   emits ``resource_updated`` when something changed; the same body twice is the same result.
# - ``availability(resource_id, start, end)``: ISO datetimes with an offset, or dates (in the
#   resource's time zone; ``end`` as a date is included); None: today and the next 7 days;
#   at most ``AVAILABILITY_MAX_DAYS``. Anyone may ask: no person is in it.


class BookingUnit(StrEnum):
    """What a booking is made of, in the resource's time zone: it starts and ends on a
    boundary. ``half_day``: 00:00 and 12:00 local (a morning, an afternoon), ``day``: 00:00
    local — local hour multiples rather than 8–12 / 13:30–18, because each place's opening
    hours already say when one may come; a half day or a day is booked whole and used while
    the place is open (see services/booking/rules/settings.py)."""

    quarter_hour = "quarter_hour"
    hour = "hour"
    half_day = "half_day"
    day = "day"


UNIT_MINUTES = {"quarter_hour": 15, "hour": 60, "half_day": 720, "day": 1440}
# The longest booking (also the cap of ``max_duration_minutes``) and the furthest ahead.
MAX_DURATION_MINUTES = 14 * 24 * 60
MAX_HORIZON_DAYS = 731
AVAILABILITY_MAX_DAYS = 31


class Closure(Strict):
    """A period during which the resource cannot be booked (works, holidays, an event)."""

    start: AwareDatetime
    end: AwareDatetime
    reason: HeaderText | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        if self.end <= self.start:
            raise ValueError("a closure's end must be after its start")
        return self


def check_opening_hours(value: str | None) -> str | None:
    """OSM ``opening_hours`` syntax, parsed by the real parser (opening-hours-py)."""
    if value is None:
        return None
    try:
        opening_hours.OpeningHours(value)
    except (opening_hours.ParserError, SyntaxError, ValueError) as error:
        # The parser's first line says where; its expectation is on the last.
        lines = [line.strip(" |=") for line in str(error).splitlines() if line.strip(" |")]
        why = lines[-1] if lines else "invalid"
        raise ValueError(f"not a valid OSM opening_hours expression: {why}") from None
    return value


def check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r}") from None
    return value


class ResourceSettings(Strict):
    """A resource's booking rules; every field optional, with the defaults that kept earlier
    resources bookable as they were."""

    # None: no restriction of its own. The directory has no opening hours yet; issue 9 gives
    # places theirs, which will then be the default of their resources.
    opening_hours: str | None = Field(None, max_length=500)
    closures: list[Closure] = Field(default_factory=list, max_length=200)
    unit: BookingUnit = BookingUnit.quarter_hour
    # None: one unit.
    min_duration_minutes: int | None = Field(None, ge=1, le=MAX_DURATION_MINUTES, strict=True)
    max_duration_minutes: int = Field(
        MAX_DURATION_MINUTES, ge=1, le=MAX_DURATION_MINUTES, strict=True
    )
    # How long before its start one may still book.
    lead_time_minutes: int = Field(0, ge=0, le=MAX_DURATION_MINUTES, strict=True)
    # How far ahead one may book.
    horizon_days: int = Field(MAX_HORIZON_DAYS, ge=1, le=MAX_HORIZON_DAYS, strict=True)
    # The owner may cancel until this many hours before the start (a manager of the place or
    # territory staff until the start).
    cancellation_deadline_hours: int = Field(0, ge=0, le=24 * 60, strict=True)
    # Stored and shown only: the approval flow comes in a later slice of issue 8.
    approval_required: bool = False
    # Shown, never charged; None: free or unknown.
    price_member_cents: int | None = Field(None, ge=0, le=10_000_000, strict=True)
    price_visitor_cents: int | None = Field(None, ge=0, le=10_000_000, strict=True)
    timezone: str = Field("Europe/Paris", max_length=64)
    # Whether the managers of the place hear of each booking (used by a later slice).
    notify_managers: bool = False

    _hours = field_validator("opening_hours")(check_opening_hours)
    _zone = field_validator("timezone")(check_timezone)

    @model_validator(mode="after")
    def _durations(self) -> ResourceSettings:
        if self.min_duration_minutes is not None and (
            self.min_duration_minutes > self.max_duration_minutes
        ):
            raise ValueError("min_duration_minutes must not exceed max_duration_minutes")
        return self


class ResourceIn(ResourceSettings):
    name: HeaderText = Field(min_length=1, max_length=120)  # in the subject of emails
    kind: ResourceKind
    seats: int = Field(1, ge=1, le=500, strict=True)


class ResourcePatch(Strict):
    """``PATCH /api/resources/{id}``: the fields to change, validated as on creation."""

    name: HeaderText | None = Field(None, min_length=1, max_length=120)
    seats: int | None = Field(None, ge=1, le=500, strict=True)
    opening_hours: str | None = Field(None, max_length=500)
    closures: list[Closure] | None = Field(None, max_length=200)
    unit: BookingUnit | None = None
    min_duration_minutes: int | None = Field(None, ge=1, le=MAX_DURATION_MINUTES, strict=True)
    max_duration_minutes: int | None = Field(None, ge=1, le=MAX_DURATION_MINUTES, strict=True)
    lead_time_minutes: int | None = Field(None, ge=0, le=MAX_DURATION_MINUTES, strict=True)
    horizon_days: int | None = Field(None, ge=1, le=MAX_HORIZON_DAYS, strict=True)
    cancellation_deadline_hours: int | None = Field(None, ge=0, le=24 * 60, strict=True)
    approval_required: bool | None = None
    price_member_cents: int | None = Field(None, ge=0, le=10_000_000, strict=True)
    price_visitor_cents: int | None = Field(None, ge=0, le=10_000_000, strict=True)
    timezone: str | None = Field(None, max_length=64)
    notify_managers: bool | None = None

    _hours = field_validator("opening_hours")(check_opening_hours)
    _zone = field_validator("timezone")(check_timezone)


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
    opening_hours: str | None = None
    closures: list[Closure] = []
    unit: BookingUnit = BookingUnit.quarter_hour
    min_duration_minutes: int | None = None
    max_duration_minutes: int = MAX_DURATION_MINUTES
    lead_time_minutes: int = 0
    horizon_days: int = MAX_HORIZON_DAYS
    cancellation_deadline_hours: int = 0
    approval_required: bool = False
    price_member_cents: int | None = None
    price_visitor_cents: int | None = None
    timezone: str = "Europe/Paris"
    notify_managers: bool = False


class FreePeriod(BaseModel):
    """One unit of a resource in which ``seats_left`` seats can still be booked."""

    start: datetime
    end: datetime
    seats_left: int


class AvailabilityOut(BaseModel):
    """The free units of a resource between ``start`` and ``end``, in its time zone: open,
    outside closures, within lead time and horizon, with at least one seat left."""

    resource_id: str
    timezone: str
    unit: BookingUnit
    seats: int
    start: datetime
    end: datetime
    free: list[FreePeriod]


# The duration of one unit, for the rules.
def unit_length(unit: str) -> timedelta:
    return timedelta(minutes=UNIT_MINUTES[unit])


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


class OutsideOpeningHours(Conflict):
    """``opening_hours``, ``timezone``: the resource is not open for the whole period."""

    code = "outside_opening_hours"


class ResourceClosed(Conflict):
    """``closure_start``, ``closure_end``, ``reason``: a closure overlaps the period."""

    code = "resource_closed"


class NotOnUnit(ValidationFailed):
    """``unit``, ``unit_minutes``, ``timezone``: start and end must fall on the unit's
    boundaries there."""

    code = "not_on_unit"


class DurationOutOfRange(ValidationFailed):
    """``min_minutes``, ``max_minutes``, ``minutes``."""

    code = "duration_out_of_range"


class TooLateToBook(ValidationFailed):
    """``lead_time_minutes``: this resource is booked at least that long before."""

    code = "too_late_to_book"


class AvailabilityRangeTooLong(ValidationFailed):
    """``max_days``: availability is answered for at most that many days at once."""

    code = "availability_range_too_long"


class CancellationDeadlinePassed(Conflict):
    """``deadline_hours``, ``deadline``: its owner may cancel until that many hours before
    the start; a manager of the place may still."""

    code = "cancellation_deadline_passed"


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


class ResourceUpdated(EventData):
    """A resource's name, seats or booking rules changed: ``changed`` names the fields that
    did, ``resource`` is the whole resource as ``get_resource`` answers it now."""

    resource_id: str
    place_id: str
    changed: list[str]
    resource: dict


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
    "resource_updated": ResourceUpdated,
    "booking_confirmed": BookingConfirmed,
    "booking_cancelled": BookingCancelled,
}


# -- availability of a place and of the territory ------------------------------------------
# RPC: place_availability(place_id, start, end, kind, seats),
#      search_availability(kind, start, end, seats, lat, lon, radius_km, limit, offset),
#      bookable(place_id, days). Anyone may ask: no person is in the answers.
# - ``place_availability``: every resource of the place (of ``kind`` if given) with its free
#   units having at least ``seats`` seats left, as ``availability`` answers for one.
# - ``search_availability``: the places with a resource of ``kind`` having a free unit with
#   ``seats`` seats in the window; by distance from (lat, lon) when given (places booking
#   knows no point of come last, ``located: false``, and are left out by ``radius_km``), else
#   by name; ``limit`` places from ``offset``; ``next_offset`` when more follow. ``from``/
#   ``to`` as ``availability`` (dates in Europe/Paris), at most ``AVAILABILITY_MAX_DAYS``.
# - ``bookable``: whether the place has any free unit in the next ``days`` days, and the first.
SEARCH_LIMIT_MAX = 50
SEARCH_FIRST_FREE = 3  # the first free units shown per place
BOOKABLE_DEFAULT_DAYS = 14
BOOKABLE_MAX_DAYS = 60
RADIUS_MAX_KM = 1000


class SearchQuery(Strict):
    """``search_availability``'s question (``GET /api/availability``'s query string)."""

    kind: ResourceKind | None = None
    start: str | None = Field(None, max_length=40)  # ``from``
    end: str | None = Field(None, max_length=40)  # ``to``
    seats: int = Field(1, ge=1, le=500)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    radius_km: float | None = Field(None, gt=0, le=RADIUS_MAX_KM)
    limit: int = Field(20, ge=1, le=SEARCH_LIMIT_MAX)
    offset: int = Field(0, ge=0, le=10_000)


class ResourceAvailabilityOut(AvailabilityOut):
    """One resource of a place and its free units."""

    name: str
    kind: ResourceKind


class PlaceAvailabilityOut(BaseModel):
    place_id: str
    start: datetime
    end: datetime
    resources: list[ResourceAvailabilityOut]


class FreeUnitOut(FreePeriod):
    """A free unit of one of a place's resources."""

    resource_id: str
    resource_name: str


class PlaceFoundOut(BaseModel):
    place_id: str
    name: str | None
    commune: str | None
    # Whether booking knows the place's point (places heard of before it kept one do not):
    # without it, no distance.
    located: bool
    distance_km: float | None
    free: list[FreeUnitOut]


class SearchOut(BaseModel):
    start: datetime
    end: datetime
    kind: ResourceKind | None
    seats: int
    places: list[PlaceFoundOut]
    # The ``offset`` of the next page; null on the last.
    next_offset: int | None


class NextFreeOut(BaseModel):
    resource_id: str
    start: datetime
    end: datetime


class BookableOut(BaseModel):
    place_id: str
    days: int
    bookable: bool
    next_free: NextFreeOut | None


class RadiusWithoutPoint(ValidationFailed):
    """``radius_km`` needs ``lat`` and ``lon``: the distance from where?"""

    code = "radius_without_point"


class IncompletePoint(ValidationFailed):
    """``field``: a point is ``lat`` and ``lon`` together."""

    code = "incomplete_point"
