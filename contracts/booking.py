"""The booking service's contract: resources, bookings, their events and errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    EmailStr,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from .errors import Conflict, NotFound, ValidationFailed
from .events import EventData
from .models import (
    AudienceType,
    HeaderText,
    PersonName,
    PhoneNumber,
    Strict,
    check_opening_hours,
)

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
# - series (services/booking/series.py): ``create_booking`` with a ``recurrence`` books a
#   series (``SeriesOut``; ``on_conflict`` refuse: all or nothing, ``SeriesRefused``; skip);
#   ``preview_series(payload)``: ``SeriesPreviewOut``, no write, the same booker rules;
#   ``get_series(id)`` and ``cancel_series(id, {from?, to?}, key)``: its owner, a manager of
#   its place or territory staff, as for a booking.
# - ``place_figures(place_id, month)``, ``territory_figures(month)``: the funders' aggregates
#   of a month (``YYYY-MM``, else ``BadMonth``) for anyone signed in, small audience and
#   commune counts grouped unless the caller manages the place or is territory staff;
#   ``figure_rows(month, place_id=None)``: one ``FigureRow`` per booking (no name, no
#   contact), a place's for its managers and territory staff, the territory's for territory
#   staff only (services/booking/figures.py).


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
    # The .ics URL it was imported from (``import_closures``), None when typed in: a new
    # import replaces the closures of its URL and keeps the others.
    source: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        if self.end <= self.start:
            raise ValueError("a closure's end must be after its start")
        return self


def check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r}") from None
    return value


# Hours before its start a booking's reminder is sent, unless its resource says otherwise.
DEFAULT_REMINDER_HOURS = 24
WaitlistMode = Literal["offer", "auto"]


# A club's monthly meeting of three hours, and an hour to spare (``club_hours_per_month``).
DEFAULT_CLUB_HOURS_PER_MONTH = 4


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
    # territory staff until the end, with a reason).
    cancellation_deadline_hours: int = Field(0, ge=0, le=24 * 60, strict=True)
    # A booking by anyone but a manager of the place or territory staff then awaits their
    # approval, holding its seats (services/booking/desk.py).
    approval_required: bool = False
    # Shown, never charged; None: free or unknown.
    price_member_cents: int | None = Field(None, ge=0, le=10_000_000, strict=True)
    price_visitor_cents: int | None = Field(None, ge=0, le=10_000_000, strict=True)
    timezone: str = Field("Europe/Paris", max_length=64)
    # Whether the managers of the place hear of each booking (used by a later slice).
    notify_managers: bool = False
    # The reminder email, this many hours before the start (services/booking/reminders.py);
    # None or 0: no reminder.
    reminder_hours_before: int | None = Field(DEFAULT_REMINDER_HOURS, ge=0, le=24 * 14, strict=True)
    # Seats freed on a full period go to its waitlist: ``offer`` holds them for the first in
    # line for ``offer_minutes`` until they accept; ``auto`` books them at once.
    waitlist_mode: WaitlistMode = "offer"
    offer_minutes: int = Field(120, ge=5, le=7 * 24 * 60, strict=True)
    # A meeting room lends itself free of charge to each club of its place for this many
    # hours a (local) month (services/booking/club_rooms.py); 0: no free hours.
    club_hours_per_month: int = Field(DEFAULT_CLUB_HOURS_PER_MONTH, ge=0, le=24 * 31, strict=True)

    _hours = field_validator("opening_hours")(check_opening_hours)
    _zone = field_validator("timezone")(check_timezone)

    @model_validator(mode="after")
    def _durations(self) -> ResourceSettings:
        if self.min_duration_minutes is not None and (
            self.min_duration_minutes > self.max_duration_minutes
        ):
            raise ValueError("min_duration_minutes must not exceed max_duration_minutes")
        return self


def check_resident_seats(kind: str, seats: int, resident_seats: int) -> None:
    """Resident seats belong to desk pools and fit within their seats (``ValueError`` for
    pydantic; ``ResidentSeatsInvalid`` on a merged patch)."""
    if resident_seats and kind != ResourceKind.desk_pool:
        raise ValueError("only a desk pool has resident seats")
    if resident_seats > seats:
        raise ValueError("resident_seats must not exceed seats")


class ClosuresImportIn(Strict):
    """``POST /api/resources/{id}/closures/import``: an iCalendar (.ics) address whose events
    become closures (school holidays, the place's own calendar)."""

    url: AnyHttpUrl


class CalendarUnreadable(ValidationFailed):
    """``url``, ``reason``: the calendar could not be fetched or read (unreachable, not an
    .ics, too big, a private address)."""

    code = "calendar_unreadable"


class ResourceIn(ResourceSettings):
    name: HeaderText = Field(min_length=1, max_length=120)  # in the subject of emails
    kind: ResourceKind
    seats: int = Field(1, ge=1, le=500, strict=True)
    # Desk pools only: seats kept for members on a subscription; drop-in gets the rest.
    resident_seats: int = Field(0, ge=0, le=500, strict=True)

    @model_validator(mode="after")
    def _residents_fit(self) -> ResourceIn:
        check_resident_seats(self.kind, self.seats, self.resident_seats)
        return self


class ResourcePatch(Strict):
    """``PATCH /api/resources/{id}``: the fields to change, validated as on creation."""

    name: HeaderText | None = Field(None, min_length=1, max_length=120)
    seats: int | None = Field(None, ge=1, le=500, strict=True)
    resident_seats: int | None = Field(None, ge=0, le=500, strict=True)
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
    reminder_hours_before: int | None = Field(None, ge=0, le=24 * 14, strict=True)
    waitlist_mode: WaitlistMode | None = None
    offer_minutes: int | None = Field(None, ge=5, le=7 * 24 * 60, strict=True)

    _hours = field_validator("opening_hours")(check_opening_hours)
    _zone = field_validator("timezone")(check_timezone)


# -- recurring bookings (a series) ------------------------------------------------------
# A series has at most this many occurrences; each must also fall within the resource's
# horizon like any booking (a date beyond it is refused or skipped, as any other rule).
MAX_OCCURRENCES = 52


class Weekday(StrEnum):
    MO = "MO"
    TU = "TU"
    WE = "WE"
    TH = "TH"
    FR = "FR"
    SA = "SA"
    SU = "SU"


class OnConflict(StrEnum):
    """What a series does with a date that cannot be booked: ``refuse`` books nothing,
    ``skip`` books the others and lists it."""

    refuse = "refuse"
    skip = "skip"


class Recurrence(Strict):
    """Repeat a booking, expanded in the resource's time zone (RFC 5545 RRULE semantics):
    ``weekly`` on ``weekdays`` (default: the start's) every ``interval`` weeks, or
    ``monthly`` on the ``nth`` ``weekday`` of the month (``[2, 4]``: 2nd and 4th; ``-1``:
    the last); until a date (included, local) or ``count`` occurrences, at most
    ``MAX_OCCURRENCES``. The first occurrence is the first date matching the rule from
    ``start``."""

    freq: Literal["weekly", "monthly"]
    interval: int = Field(1, ge=1, le=12, strict=True)
    weekdays: list[Weekday] | None = Field(None, min_length=1, max_length=7)
    weekday: Weekday | None = None
    nth: list[int] | None = Field(None, min_length=1, max_length=5)
    until: date | None = None
    count: int | None = Field(None, ge=1, le=MAX_OCCURRENCES, strict=True)

    @model_validator(mode="after")
    def _coherent(self) -> Recurrence:
        if (self.until is None) == (self.count is None):
            raise ValueError("give either until or count")
        check_rule_shape(self.freq, self.weekdays, self.weekday, self.nth)
        return self


def check_rule_shape(
    freq: str, weekdays: list | None, weekday: str | None, nth: list[int] | None
) -> None:
    """A weekly rule names weekdays (or none: the start's), a monthly one a weekday and which
    of the month (``nth``); ``ValueError`` otherwise. Shared by the clubs' meetings."""
    if freq == "monthly":
        if weekday is None or not nth:
            raise ValueError("a monthly recurrence needs weekday and nth")
        if weekdays:
            raise ValueError("weekdays is for a weekly recurrence")
        if any(n == 0 or not -5 <= n <= 5 for n in nth):
            raise ValueError("nth is 1 to 5, or -1 to -5 counted from the month's end")
    elif weekday is not None or nth is not None:
        raise ValueError("weekday and nth are for a monthly recurrence")


FIGURES_FIELDS = ("audience", "commune")


class BookingIn(Strict):
    resource_id: str = Field(min_length=1, max_length=64)
    start: AwareDatetime
    end: AwareDatetime
    seats: int = Field(1, ge=1, le=500, strict=True)
    name: PersonName | None = None
    email: EmailStr | None = None
    phone: PhoneNumber | None = None
    language: str = Field("fr", pattern="^(fr|en)$")
    # A series (services/booking/series.py); absent: one booking.
    recurrence: Recurrence | None = None
    on_conflict: OnConflict = OnConflict.refuse
    # For the funders' figures, given by a manager booking for someone (who told them); a
    # member booking for themselves has their profile's, if they consented (``Caller``).
    audience: AudienceType | None = None
    commune: HeaderText | None = Field(None, min_length=1, max_length=120)
    # No seat left: wait on the resource's waitlist (services/booking/waitlist.py) rather
    # than be refused. One booking only: a series does not wait.
    waitlist: bool = False

    @model_validator(mode="after")
    def _single_waits(self) -> BookingIn:
        if self.waitlist and self.recurrence is not None:
            raise ValueError("a series cannot wait on the waitlist: book its dates one by one")
        return self

    @model_serializer(mode="wrap")
    def _plain_as_before(self, handler: SerializerFunctionWrapHandler) -> dict:
        """One booking dumps as before series and figures existed: the same body on the bus
        (a booking service of the previous version, still running during an upgrade, refuses
        fields it does not know) and the same idempotency fingerprint for a retry across the
        upgrade."""
        dumped = handler(self)
        if self.recurrence is None:
            dumped.pop("recurrence", None)
            dumped.pop("on_conflict", None)
        for field in FIGURES_FIELDS:
            if dumped.get(field) is None:
                dumped.pop(field, None)
        if not self.waitlist:
            dumped.pop("waitlist", None)
        return dumped


class ResourceOut(BaseModel):
    id: str
    place_id: str
    name: str
    kind: ResourceKind
    seats: int
    resident_seats: int = 0
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
    reminder_hours_before: int | None = DEFAULT_REMINDER_HOURS
    waitlist_mode: WaitlistMode = "offer"
    offer_minutes: int = 120
    club_hours_per_month: int = DEFAULT_CLUB_HOURS_PER_MONTH


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
    ``rejected``; once begun, the outcome the place records: ``checked_in`` (the person
    came), ``no_show``, ``excused``. Transitions: services/booking/rules/states.py."""

    held = "held"
    awaiting_approval = "awaiting_approval"
    waitlisted = "waitlisted"
    confirmed = "confirmed"
    rejected = "rejected"
    cancelled = "cancelled"
    checked_in = "checked_in"
    no_show = "no_show"
    excused = "excused"
    # seats freed for someone on the waitlist, held until they accept or the offer lapses
    offered = "offered"


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


class SeriesBookingOut(BookingOut):
    """A date of a series, as a booking (``/api/bookings/{id}`` answers it too)."""

    series_id: str | None = None


class OccurrenceCheck(BaseModel):
    """One date of a series: ``ok``, or ``code`` the rule that refuses it (an error code:
    ``no_seat_left``, ``resource_closed``, ``outside_opening_hours``…)."""

    start: datetime
    end: datetime
    ok: bool
    code: str | None = None


class SeriesPreviewOut(BaseModel):
    """``POST /api/bookings/preview``: every date of the series, nothing written."""

    resource_id: str
    timezone: str
    occurrences: list[OccurrenceCheck]


class SkippedDate(BaseModel):
    start: datetime
    code: str


class SeriesOut(BaseModel):
    """A series: its occurrences as bookings (every status, cancelled ones too) and the
    dates skipped when it was made (``on_conflict: skip``)."""

    series_id: str
    resource_id: str
    recurrence: dict
    status: str  # ``active``, or ``refused`` (nothing booked)
    bookings: list[SeriesBookingOut]
    skipped: list[SkippedDate]


class SeriesCancelIn(Strict):
    """``POST /api/series/{id}/cancel``: the occurrences starting in [from, to] (dates in the
    resource's time zone, both included); none given: every occurrence not yet started."""

    from_: date | None = Field(None, alias="from")
    to: date | None = None
    # Why, when a manager of the place cancels someone else's series (sent to the person).
    reason: HeaderText | None = Field(None, min_length=1, max_length=500)

    model_config = {**Strict.model_config, "populate_by_name": True}

    @model_validator(mode="after")
    def _ordered(self) -> SeriesCancelIn:
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError("to must not be before from")
        return self


# -- the facilitator's desk (services/booking/desk.py) -------------------------------------
# RPC: approve_booking(booking_id, key), reject_booking(booking_id, payload, key),
#      check_in(booking_id, key), record_outcome(booking_id, payload, key),
#      planning(place_id, date, days), and cancel_booking(booking_id, key, payload).
# All need a manager of the booking's place or territory staff (401 anonymous, 403
# ``forbidden`` otherwise), except cancelling, which the owner may too (without a reason).
# A resource with ``approval_required``: a booking by anyone else waits ``awaiting_approval``
# (holding its seats) until approved (→ ``confirmed``) or rejected (→ ``rejected``, freed).
PLANNING_MAX_DAYS = 7
# Check-in opens this long before the start (and closes at the end).
CHECK_IN_OPENS_MINUTES = 30
Reason = Annotated[HeaderText, Field(min_length=1, max_length=500)]


class Outcome(StrEnum):
    """What the place records of a booking once begun; ``seen`` is stored as
    ``checked_in``."""

    seen = "seen"
    excused = "excused"
    no_show = "no_show"


class CancelIn(Strict):
    """``POST /api/bookings/{id}/cancel``: a manager of the place cancelling someone else's
    booking says why (sent to the person); the owner needs no reason."""

    reason: Reason | None = None


class RejectIn(Strict):
    reason: Reason


class OutcomeIn(Strict):
    outcome: Outcome


class PlanningBooking(BookingOut):
    resource_name: str


class PlanningOut(BaseModel):
    """The bookings of every resource of a place from ``start`` for ``days`` days, in the
    place's time zone (its first resource's), holding their seats: requests awaiting
    approval, confirmed bookings and their outcomes. With the person's name and phone."""

    place_id: str
    timezone: str
    start: datetime
    end: datetime
    days: int
    resources: list[ResourceOut]
    bookings: list[PlanningBooking]
    # Cancelled bookings of the period not begun yet: the place may restore them
    # (services/booking/restore.py).
    cancelled: list[PlanningBooking] = []


# -- the funders' figures (services/booking/figures.py, rules/figures.py) -----------------
class ResourceFigures(BaseModel):
    """A resource's month: ``occupancy`` = ``hours_booked`` / (``open_hours`` × ``seats``),
    null when it never opened; ``open_hours_known`` false: no opening hours, counted 24/7."""

    resource_id: str
    place_id: str
    name: str
    kind: str
    seats: int
    open_hours: float
    open_hours_known: bool
    hours_booked: float
    occupancy: float | None
    bookings: int


class Figures(BaseModel):
    """A month's aggregates. Booked: confirmed, checked_in, no_show, excused; ``hours_booked``
    in seat-hours inside the opening hours; ``visitors``: distinct people among the booked;
    ``visitors_by_*``: each visitor once, ``unknown`` when not given (or no consent),
    ``grouped`` the buckets of fewer than 3 for whoever may not see them whole
    (``detailed`` false); ``outcomes``: every status read, awaiting_approval included;
    ``channels``: ``online`` (booked for oneself) and ``on_behalf`` (by a manager)."""

    month: str
    detailed: bool
    bookings: int
    hours_booked: float
    visitors: int
    visitors_by_audience: dict[str, int]
    visitors_by_commune: dict[str, int]
    outcomes: dict[str, int]
    channels: dict[str, int]
    # Clubs' workshops of the month with attendance taken (``workshop_attendance_taken``):
    # ``workshops``, ``registered``, ``present``, ``absent``; no names.
    workshops: dict[str, int] | None = None


class PlaceFigures(Figures):
    place_id: str
    place_name: str | None = None
    resources: list[ResourceFigures]


class TerritoryFigures(Figures):
    places: list[PlaceFigures]


class FigureRow(BaseModel):
    """One booking of the month for the CSV: no name, no contact. ``hours``: seat-hours it
    counts (0 unless booked); ``visitor``: V1, V2… the people of this export."""

    date: str
    start: str
    end: str
    place_id: str
    place: str
    resource_id: str
    resource: str
    kind: str
    seats: int
    hours: float
    status: str
    audience: str
    commune: str
    channel: str
    visitor: str


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


class SeriesRefused(Conflict):
    """``failed``: ``[{start, code}]``, the dates that cannot be booked; with
    ``on_conflict: refuse`` a series is booked whole or not at all."""

    code = "series_refused"


class NotASeries(ValidationFailed):
    """``recurrence`` is required to preview a series."""

    code = "recurrence_required"


class TooManyOccurrences(ValidationFailed):
    """``max_occurrences``: a series has at most that many dates."""

    code = "too_many_occurrences"


class NoOccurrence(ValidationFailed):
    """The recurrence gives no date from the start to ``until``."""

    code = "no_occurrence"


class NotCancellable(Conflict):
    """``status``: this booking is not in a state that can be cancelled (rejected, or still
    being taken)."""

    code = "booking_not_cancellable"


class NotAwaitingApproval(Conflict):
    """``status``: only a request awaiting approval can be approved or rejected (an approved
    one is answered again when approved, a rejected one when rejected)."""

    code = "booking_not_awaiting_approval"


class ReasonRequired(ValidationFailed):
    """``field``: cancelling someone else's booking (or rejecting a request) needs a reason,
    which is sent to the person."""

    code = "reason_required"


class CheckInClosed(Conflict):
    """``opens``, ``closes``: one checks in from ``CHECK_IN_OPENS_MINUTES`` before the start
    until the end."""

    code = "check_in_closed"


class OutcomeTooEarly(Conflict):
    """``start``: the outcome of a booking is recorded once it has begun."""

    code = "outcome_too_early"


class NoOutcomeForStatus(Conflict):
    """``status``: only a confirmed booking (or one whose outcome is being corrected) gets an
    outcome or a check-in."""

    code = "no_outcome_for_status"


class PlanningRangeTooLong(ValidationFailed):
    """``max_days``."""

    code = "planning_range_too_long"


class FiguresOnBehalfOnly(ValidationFailed):
    """``field``: ``audience`` and ``commune`` are given only by a manager booking for
    someone; a member's own come from their profile, if they consented to be counted."""

    code = "figures_fields_on_behalf_only"


class BadMonth(ValidationFailed):
    """``field``, ``value``: a month is written ``YYYY-MM`` (years 2000-2999)."""

    code = "bad_month"


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
    # An occurrence of a series: the series' own event carries its email.
    series_id: str | None = None
    # An appointment of a permanence: its motif, mode, agent and text after booking.
    appointment: AppointmentInfo | None = None
    # The resource's ``notify_managers``: the place's managers are told too (notifications),
    # except ``acted_by``, the member who made this change (booked, approved, cancelled).
    notify_managers: bool = False
    acted_by: str | None = None


class BookingSeriesConfirmed(EventData):
    """A series was booked: one email for all its dates. ``dates``: the booked occurrences
    (``{booking_id, start, end}``), ``skipped``: the starts not booked, ``rule``: the
    recurrence as asked, ``rrule``: it as an RFC 5545 RRULE value, from ``first_start`` in
    ``timezone``."""

    series_id: str
    resource_id: str
    resource_name: str
    place_id: str
    place_name: str | None = None
    timezone: str
    dates: list[dict]
    skipped: list[str] = []
    rule: dict
    rrule: str
    # The first date of the rule (the calendar's DTSTART; maybe among ``skipped``).
    first_start: str
    first_end: str
    seats: int
    name: str
    email: str | None = None
    language: str = "fr"


class BookingSeriesCancelled(BookingSeriesConfirmed):
    """Occurrences of a series were cancelled together: ``cancelled`` their starts,
    ``all_cancelled`` when none is left; ``sequence`` the calendar revision (increasing)."""

    cancelled: list[str]
    all_cancelled: bool
    cancelled_by: str
    sequence: int
    # Why the place cancelled them (required when staff cancel someone else's series).
    reason: str | None = None


class BookingCancelled(BookingConfirmed):
    """A confirmed booking was cancelled; its seats are free again. The confirmation's fields,
    and ``cancelled_by``: ``owner`` (the person, signed in) or ``staff`` (a manager of the
    place, a territory admin, a coordinator, the operator); ``sequence``: the calendar
    revision of the invitation (the confirmation's was 0), so that the cancellation's
    ``.ics`` replaces it."""

    cancelled_by: str
    sequence: int = 1
    # Cancelled with others of its series (``booking_series_cancelled`` tells the person).
    series_cancel: bool = False
    # Why the place cancelled (given when staff cancel someone else's booking; sent to them).
    reason: str | None = None
    # ``awaiting_approval``: a request withdrawn (or cancelled) before the place answered,
    # with no invitation to take back.
    previous_status: str = "confirmed"


# -- resident seats: subscriptions (RPC: create_subscription(resource_id, payload, key),
#    list_subscriptions(resource_id), my_subscriptions(), cancel_subscription(id, key)) -----
# A manager of the desk pool's place or territory staff subscribes someone (name, email or
# phone) for ``months`` calendar months from ``start`` (YYYY-MM): one resident seat each
# month, all months or none (``NoResidentSeatLeft``). The subscription is its member's by
# address, as a booking is (``my_subscriptions``). Listing a pool's: its managers and staff.
# Cancelling (managers, staff): the months not begun are given back; idempotent.
class SubscriptionIn(Strict):
    name: PersonName
    email: EmailStr | None = None
    phone: PhoneNumber | None = None
    start: str = Field(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")  # YYYY-MM
    months: int = Field(1, ge=1, le=12, strict=True)
    language: str = Field("fr", pattern="^(fr|en)$")

    @model_validator(mode="after")
    def _reachable(self) -> SubscriptionIn:
        if self.email is None and self.phone is None:
            raise ValueError("an email or a phone is required")
        return self


class SubscriptionOut(BaseModel):
    id: str
    resource_id: str
    place_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    start: str
    months: int
    # active | cancelled (``released_from``: the first month given back)
    status: str
    released_from: str | None = None


class ResidentSeatsInvalid(ValidationFailed):
    """``resident_seats`` above ``seats``, or on a resource that is not a desk pool."""

    code = "resident_seats_invalid"


class SeatsBelowBookings(Conflict):
    """Fewer drop-in seats than are booked: ``day`` (UTC, YYYY-MM-DD, the first such day),
    ``seats_taken`` that day, ``seats_drop_in`` asked (``seats - resident_seats``)."""

    code = "seats_below_bookings"


class ResidentSeatsBelowSubscriptions(Conflict):
    """Fewer resident seats than subscriptions: ``month`` (the first such), ``subscribed``."""

    code = "resident_seats_below_subscriptions"


class NoResidentSeatLeft(Conflict):
    """Every resident seat is taken in ``month``; ``resident_seats`` of the pool."""

    code = "no_resident_seat_left"


class SubscriptionNotCancellable(Conflict):
    """Only an active subscription is cancelled; ``status`` is its own."""

    code = "subscription_not_cancellable"


class SubscriptionStarted(EventData):
    subscription_id: str
    resource_id: str
    place_id: str
    start: str
    months: int
    name: str
    email: str | None = None
    language: str = "fr"


class SubscriptionCancelled(SubscriptionStarted):
    """``released_from``: the first month given back (YYYY-MM)."""

    released_from: str


class BookingRequested(BookingConfirmed):
    """A booking of a resource with ``approval_required`` took its seats and awaits the
    place's answer (``awaiting_approval``): the confirmation's fields. Its approval is a
    ``booking_confirmed``, as for a booking that needed none."""


class BookingRejected(BookingConfirmed):
    """A request awaiting approval was refused by the place (``reason``, sent to the
    person); its seats are free again."""

    reason: str


class BookingOutcomeRecorded(BookingConfirmed):
    """The place recorded what became of a booking once begun, or corrected it:
    ``outcome`` is the new status (``checked_in``, ``no_show``, ``excused``),
    ``previous_status`` the one before (``confirmed`` the first time)."""

    outcome: str
    previous_status: str


EVENTS: dict[str, type[EventData]] = {
    "resource_created": ResourceCreated,
    "resource_updated": ResourceUpdated,
    "booking_confirmed": BookingConfirmed,
    "booking_cancelled": BookingCancelled,
    "subscription_started": SubscriptionStarted,
    "subscription_cancelled": SubscriptionCancelled,
    "booking_series_confirmed": BookingSeriesConfirmed,
    "booking_series_cancelled": BookingSeriesCancelled,
    "booking_requested": BookingRequested,
    "booking_rejected": BookingRejected,
    "booking_outcome_recorded": BookingOutcomeRecorded,
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


# -- reminders and restoring a cancelled booking ---------------------------------------------
# RPC: restore_booking(booking_id, key) — a manager of the booking's place or territory staff;
#      send_reminders() is a timer, not an RPC.
# - reminder: ``reminder_hours_before`` (a resource's setting, default 24; None or 0: none)
#   before the start, as wall-clock time in the resource's time zone (the day before at the
#   same time, across a DST change too). Only for a confirmed booking with an email, made
#   before its reminder moment; exactly once (a conditional claim on the booking itself);
#   never once it is cancelled. ``booking_reminder_due`` is what notifications emails.
# - restore: ``cancelled → confirmed`` until the start, only if its seats can be taken
#   again by the same capacity rule (``NoSeatLeft``); ``booking_restored`` carries a higher
#   calendar ``sequence`` so the new invitation replaces the cancellation. Restoring a
#   confirmed booking answers it again; any other status is ``NotRestorable``.
class NotRestorable(Conflict):
    """``status``: only a cancelled booking can be restored."""

    code = "booking_not_restorable"


class RestoreTooLate(Conflict):
    """``start``: a booking is restored only before it starts."""

    code = "booking_restore_too_late"


class BookingReminderDue(BookingConfirmed):
    """A confirmed booking's reminder moment came (``remind_at``, UTC; ``hours_before``):
    emailed once to the person."""

    remind_at: str
    hours_before: int


class BookingRestored(BookingConfirmed):
    """A cancelled booking is confirmed again with its seats: ``sequence`` (higher than the
    cancellation's) makes its new invitation replace the cancelled one; ``restored_by`` is
    the member id of the manager or staff who restored it (``operator`` for the operator)."""

    sequence: int
    restored_by: str


EVENTS.update({"booking_reminder_due": BookingReminderDue, "booking_restored": BookingRestored})
BookingReminderDue.model_rebuild()
BookingRestored.model_rebuild()
# -- the waitlist and fair use (services/booking/waitlist.py, quotas.py) ---------------------
# RPC: waiting_list(resource_id), accept_offer(booking_id, token, key),
#      leave_waitlist(token, key), expire_offers() (a timer too).
# - ``create_booking`` with ``waitlist: true``: no seat left → ``waitlisted`` (not
#   ``NoSeatLeft``), answered with its ``position`` (1: first in line).
# - each release of seats (cancel, reject, sweep, lapse) tries the waiting bookings of that
#   resource overlapping the freed period, oldest first; one whose seats do not fit stays
#   and the next may fit. ``auto``: booked at once (confirmed, or awaiting approval);
#   ``offer``: ``offered``, seats held until ``offer_expires_at``.
# - ``accept_offer``: its owner signed in, or anyone with the token of the offer's email;
#   ``leave_waitlist``: the token of the waitlist email (a cancellation of the booking).
# - ``waiting_list``: the managers of the resource's place and territory staff.
# - fair use (``Settings.quota_hours_per_week``, ``quota_active_bookings``): counted per
#   member across every place of the territory, for the bookings they make themselves.
WAITLIST_MAX_MESSAGES = 3


class WaitlistedBookingOut(BookingOut):
    """A booking on the waitlist (``waitlisted``, with its ``position``) or ``offered``
    (until ``offer_expires_at``)."""

    position: int | None = None
    offer_expires_at: datetime | None = None


class WaitingEntryOut(BaseModel):
    """One line of ``GET /api/resources/{id}/waitlist``: in order, first in line first."""

    id: str
    position: int
    start: datetime
    end: datetime
    seats: int
    name: str
    email: str | None = None
    phone: str | None = None
    status: str
    created_at: datetime
    offer_expires_at: datetime | None = None


class TokenIn(Strict):
    """The signed token of a waitlist email's link."""

    token: str = Field(min_length=10, max_length=200)


class InvalidWaitlistLink(ValidationFailed):
    """``field``: this link's token was not made by this territory (or for this booking)."""

    code = "invalid_waitlist_link"


class NotOffered(Conflict):
    """``status``: only a booking ``offered`` seats can accept them (an accepted one is
    answered again; a lapsed offer is ``rejected``)."""

    code = "booking_not_offered"


class QuotaHoursExceeded(Conflict):
    """``limit``, ``booked``, ``requested`` (hours), ``week`` (ISO, e.g. ``2026-W48``): the
    member's hours that week across every place would pass the territory's fair-use limit."""

    code = "quota_hours_exceeded"


class QuotaActiveExceeded(Conflict):
    """``limit``, ``active``: the member already has that many bookings to come across
    every place of the territory."""

    code = "quota_active_exceeded"


class BookingWaitlisted(BookingConfirmed):
    """No seat left: the person waits (``position``, 1 first). ``leave_token``: for the
    email's one-click link. ``email``-less: nothing sent. ``message``: which of the entry's
    at most ``WAITLIST_MAX_MESSAGES`` messages this is (0: none sent)."""

    position: int
    leave_token: str
    message: int = 1


class BookingOffered(BookingConfirmed):
    """Seats freed for a waiting booking, held for the person until ``expires_at``;
    ``accept_token``/``leave_token`` for the email's links; ``message`` as above."""

    expires_at: str
    accept_token: str
    leave_token: str
    message: int


class BookingOfferLapsed(BookingConfirmed):
    """An offer was not accepted in time: its seats were released. ``requeued``: the
    booking waits again at the end of the line; false: it left the list (it had its
    ``WAITLIST_MAX_MESSAGES`` messages)."""

    requeued: bool


EVENTS.update(
    {
        "booking_waitlisted": BookingWaitlisted,
        "booking_offered": BookingOffered,
        "booking_offer_lapsed": BookingOfferLapsed,
    }
)


# -- club rooms: a place's meeting room lent to its clubs (services/booking/club_rooms.py) ---
# Booking listens to clubs' ``meeting_scheduled`` / ``meeting_moved`` / ``meeting_cancelled``
# and ``workshop_scheduled`` / ``workshop_cancelled``, holds the host place's meeting room
# (a resource of kind ``meeting_room``; a club's hours count against the room's
# ``club_hours_per_month``, a place's own workshop does not) and answers with these events.
# ``sequence``: the clubs event's own (a later change of the same item has a higher one), so
# that clubs keeps the answer to the latest request only.
ROOM_REFUSALS = ("no_meeting_room", "room_taken", "allowance_exceeded")


class RoomAnswer(EventData):
    for_type: Literal["meeting", "workshop"]
    for_id: str
    club_id: str | None = None
    place_id: str
    sequence: int = 0


class RoomReserved(RoomAnswer):
    """The room is held for the item: ``booking_id`` (a confirmed booking of ``resource_id``
    with no person), ``start``/``end`` as asked."""

    booking_id: str
    resource_id: str
    resource_name: str
    start: str
    end: str


class RoomRefused(RoomAnswer):
    """No room for the item: ``reason`` one of ``ROOM_REFUSALS`` (no meeting room at the
    place; the room is taken then; the club's free hours of the month are used up —
    ``hours_per_month``, ``hours_used``)."""

    reason: Literal["no_meeting_room", "room_taken", "allowance_exceeded"]
    resource_id: str | None = None
    start: str
    end: str
    hours_per_month: int | None = None
    hours_used: float | None = None


class RoomReleased(RoomAnswer):
    """The item was cancelled (or moved away): the room's booking ``booking_id`` is cancelled
    and its hours given back to the club's month."""

    booking_id: str


EVENTS.update(
    {"room_reserved": RoomReserved, "room_refused": RoomRefused, "room_released": RoomReleased}
)
