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
    # An appointment of a permanence: its motif, mode, agent and text after booking.
    appointment: AppointmentInfo | None = None


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


# -- permanences: an agent's time at a place, on a rule, offering motifs ----------------------
# RPC: create_permanence(place_id, payload, key), list_permanences(place_id),
#      get_permanence(id), update_permanence(id, payload, key), close_permanence(id, key),
#      permanence_slots(id, motif, start, end), book_appointment(id, payload, key),
#      extend_room_holds() (a timer too).
# - creating, changing and closing need a manager of the place or territory staff;
#   anyone reads a permanence and its free slots; booking an appointment is as booking a
#   resource (``access.booker``): oneself signed in, or a manager for someone (name + email
#   or phone). Phone mode needs a phone.
# - the agent's time is a resource of kind ``appointment_slot`` owned by the permanence
#   (``resource_id``); an appointment is an ordinary booking of it with ``motif`` and
#   ``mode``. Its seats are ``seat_unit`` (the least common multiple of the motifs'
#   capacities): an individual appointment takes them all, a place in a group session of N
#   takes ``seat_unit / N`` — one capacity rule for both.
# - ``room_resource_id``: a resource of the same place held for every opening over
#   ``ROOM_HORIZON_DAYS`` (extended daily); a clash refuses the creation (``RoomUnavailable``).
ROOM_HORIZON_DAYS = 84
MAX_SEAT_UNIT = 500


class AppointmentMode(StrEnum):
    in_person = "in_person"
    phone = "phone"


class MotifIn(Strict):
    """A reason one comes for, with its own duration, modes, capacity and delays."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    label: HeaderText = Field(min_length=1, max_length=120)
    # Capacity is counted per quarter hour: a motif lasts whole quarter hours.
    duration_minutes: int = Field(ge=15, le=8 * 60, multiple_of=15, strict=True)
    modes: list[AppointmentMode] = Field(min_length=1, max_length=2)
    # 1: individual; N > 1: a group session with N places.
    capacity: int = Field(1, ge=1, le=100, strict=True)
    # Booked at least this many hours ahead, at most this many days ahead.
    min_delay_hours: int = Field(0, ge=0, le=24 * 60, strict=True)
    max_delay_days: int = Field(60, ge=1, le=365, strict=True)
    text_before: str | None = Field(None, max_length=2000)
    text_after: str | None = Field(None, max_length=2000)

    @field_validator("modes")
    @classmethod
    def _distinct(cls, modes: list[AppointmentMode]) -> list[AppointmentMode]:
        if len(set(modes)) != len(modes):
            raise ValueError("each mode once")
        return modes


def _check_motifs(motifs: list[MotifIn] | None) -> list[MotifIn] | None:
    if motifs is None:  # a patch that leaves them as they are
        return None
    codes = [m.code for m in motifs]
    if len(set(codes)) != len(codes):
        raise ValueError("each motif code once")
    if seat_unit([m.capacity for m in motifs]) > MAX_SEAT_UNIT:
        raise ValueError(f"the motifs' capacities' least common multiple exceeds {MAX_SEAT_UNIT}")
    return motifs


def seat_unit(capacities: list[int]) -> int:
    """The agent's seats: every motif's place is a whole number of them."""
    from math import lcm

    return lcm(*capacities) if capacities else 1


class PermanenceIn(Strict):
    """``rule``: OSM ``opening_hours`` syntax, e.g. ``Tu 09:00-12:00`` (every Tuesday
    morning), ``We[2,4] 14:00-17:00`` (2nd and 4th Wednesday afternoon)."""

    agent_name: HeaderText = Field(min_length=1, max_length=120)
    organisation: HeaderText = Field(min_length=1, max_length=120)
    rule: str = Field(min_length=1, max_length=500)
    closures: list[Closure] = Field(default_factory=list, max_length=200)
    timezone: str = Field("Europe/Paris", max_length=64)
    room_resource_id: str | None = Field(None, min_length=1, max_length=64)
    motifs: list[MotifIn] = Field(min_length=1, max_length=20)

    _rule = field_validator("rule")(check_opening_hours)
    _zone = field_validator("timezone")(check_timezone)
    _motifs = field_validator("motifs")(_check_motifs)


class PermanencePatch(Strict):
    """The fields to change. Motifs are replaced whole; their capacities' least common
    multiple must stay the same (the seats already taken are counted in it)."""

    agent_name: HeaderText | None = Field(None, min_length=1, max_length=120)
    organisation: HeaderText | None = Field(None, min_length=1, max_length=120)
    closures: list[Closure] | None = Field(None, max_length=200)
    motifs: list[MotifIn] | None = Field(None, min_length=1, max_length=20)

    _motifs = field_validator("motifs")(_check_motifs)


class PermanenceOut(BaseModel):
    id: str
    place_id: str
    resource_id: str
    agent_name: str
    organisation: str
    rule: str
    closures: list[Closure] = []
    timezone: str
    room_resource_id: str | None = None
    # The room is held up to this instant (the daily timer moves it on).
    room_held_until: datetime | None = None
    motifs: list[MotifIn]
    seat_unit: int
    status: str  # open | closed


class AppointmentIn(Strict):
    motif: str = Field(min_length=1, max_length=40)
    start: AwareDatetime
    mode: AppointmentMode = AppointmentMode.in_person
    name: PersonName | None = None
    email: EmailStr | None = None
    phone: PhoneNumber | None = None
    language: str = Field("fr", pattern="^(fr|en)$")


class AppointmentSlot(BaseModel):
    start: datetime
    end: datetime
    places_left: int


class SlotsOut(BaseModel):
    permanence_id: str
    motif: str
    timezone: str
    start: datetime
    end: datetime
    slots: list[AppointmentSlot]


class AppointmentOut(BookingOut):
    motif: str
    mode: AppointmentMode
    permanence_id: str


class RoomUnavailable(Conflict):
    """``room_resource_id``, ``start``: the room is already booked for that opening."""

    code = "room_unavailable"


class RoomNotOfPlace(ValidationFailed):
    """``room_resource_id``: the room must be a resource of the permanence's place."""

    code = "room_not_of_place"


class UnknownMotif(ValidationFailed):
    """``motif``: not one of this permanence's motifs."""

    code = "unknown_motif"


class ModeNotOffered(ValidationFailed):
    """``motif``, ``mode``: this motif is not offered in that mode."""

    code = "mode_not_offered"


class PhoneRequired(ValidationFailed):
    """An appointment by phone needs the number the agent will call."""

    code = "phone_required"


class NotASlot(Conflict):
    """``motif``, ``start``: no slot of this motif starts then (outside the rule, a closure,
    or off the motif's steps)."""

    code = "not_a_slot"


class AppointmentTooSoon(ValidationFailed):
    """``min_delay_hours``: this motif is booked at least that many hours ahead."""

    code = "appointment_too_soon"


class AppointmentTooFar(ValidationFailed):
    """``max_delay_days``: this motif is booked at most that many days ahead."""

    code = "appointment_too_far"


class PermanenceClosed(Conflict):
    """The permanence was closed: no more appointments."""

    code = "permanence_closed"


class SeatUnitChanged(ValidationFailed):
    """``seat_unit``: the motifs' capacities must keep this least common multiple."""

    code = "seat_unit_changed"


class BookThroughPermanence(ValidationFailed):
    """``permanence_id``: an agent's time is booked as an appointment of its permanence."""

    code = "book_through_permanence"


class AppointmentInfo(EventData):
    """What an appointment's emails show beyond a booking's."""

    permanence_id: str
    agent_name: str
    organisation: str
    motif: str
    motif_label: str
    mode: str
    phone: str | None = None
    text_after: str | None = None


class PermanenceCreated(EventData):
    permanence_id: str
    place_id: str
    resource_id: str
    agent_name: str
    organisation: str
    rule: str
    room_resource_id: str | None = None
    motifs: list[dict]


class PermanenceUpdated(EventData):
    permanence_id: str
    place_id: str
    changed: list[str]
    permanence: dict


class PermanenceClosedEvent(EventData):
    permanence_id: str
    place_id: str
    room_holds_released: int


EVENTS.update(
    {
        "permanence_created": PermanenceCreated,
        "permanence_updated": PermanenceUpdated,
        "permanence_closed": PermanenceClosedEvent,
    }
)
BookingConfirmed.model_rebuild()
BookingCancelled.model_rebuild()
