"""The clubs service's contract (clubs come in their own issue: listing only for now)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, Field, model_validator

from .errors import Conflict, Forbidden
from .events import EventData
from .models import HeaderText, Strict

SERVICE = "clubs"
METRICS_PORT = 9103


# -- RPC: list_clubs(place_id), export_member() ------------------------------------------------
# ``export_member()``: what clubs holds about the caller (GDPR art. 15/20): their RSVPs,
# ``{"service": "clubs", "rsvps": [...]}``; erasure: clubs consumes ``gateway.member_erased``;
# anonymous: ``AuthenticationRequired``.
class ClubOut(BaseModel):
    id: str
    name: str
    place_id: str | None = None


EVENTS: dict[str, type[EventData]] = {}


# == Workshops and events with RSVP (services/clubs/workshops.py, rsvps.py, agenda.py) ======
# RPC (who is asking comes from the RPC context, ``contracts.identity.Caller``):
# - ``create_workshop(payload, key)``: ``WorkshopIn``; its organiser is a manager of the place
#   (``place_id``) or, for a club's workshop, whoever ``membership.may_manage`` the club;
#   coordinators and admins too. Emits ``workshop_created`` and ``workshop_scheduled`` (the
#   room, per the shared reservation protocol).
# - ``get_workshop(id)``, ``list_workshops(place_id=None, club_id=None)``: anyone; a
#   members-only workshop is listed to everyone (title, date) but only a member may RSVP.
# - ``update_workshop(id, payload, key)``: ``WorkshopPatch``, the organisers; a capacity
#   raised promotes from the waitlist; never below the seats already taken.
# - ``cancel_workshop(id, key)``: the organisers; every participant told (``workshop_cancelled``
#   with ``reason`` ``organiser``). At the deadline a workshop with a minimum is confirmed or
#   cancelled (``minimum_not_reached``) by the service's timer.
# - ``rsvp(id, key)``: a signed-in member; confirmed while seats are left, else waitlisted
#   (first come first promoted); ``cancel_rsvp(id, key)``: the member's own.
# - ``list_rsvps(id)``: the organisers (names and addresses); ``my_rsvp(id)``: the caller's.
# - ``take_attendance(id, {"present": [member ids]}, key)``: the organisers, once started;
#   emits ``workshop_attendance_taken`` (booking counts it in the funders' figures).
# - ``participants_csv(id)``: the organisers; CSV text (name, email, status, present).
# - ``agenda(place_id=None, start=None, end=None)``: ``AgendaItem`` of every source (workshops
#   here; meetings plug in the same way), a place's or the territory's.
VISIBILITIES = ("public", "members")
WORKSHOP_STATUSES = ("scheduled", "confirmed", "cancelled")
CANCEL_REASONS = ("organiser", "minimum_not_reached")
RSVP_STATUSES = ("confirmed", "waitlisted", "cancelled")
DEFAULT_TIMEZONE = "Europe/Paris"


def _aware_in_paris(value: datetime) -> datetime:
    """A start or end without an offset is the place's local time (Europe/Paris)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
    return value


LocalDatetime = Annotated[datetime, AfterValidator(_aware_in_paris)]


class WorkshopIn(Strict):
    title: HeaderText = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=5000)
    place_id: str = Field(min_length=1, max_length=64)
    # The place's name as the directory gives it (the gateway fills it in): a label only.
    place_name: HeaderText | None = Field(default=None, max_length=120)
    club_id: str | None = Field(default=None, max_length=64)
    start: LocalDatetime
    end: LocalDatetime
    capacity: int = Field(ge=1, le=10000)
    visibility: Literal["public", "members"] = "public"
    min_participants: int = Field(default=0, ge=0, le=10000)
    # When the minimum is checked; required with a minimum, before the start.
    deadline: LocalDatetime | None = None

    @model_validator(mode="after")
    def _coherent(self) -> WorkshopIn:
        if self.end <= self.start:
            raise ValueError("end must come after start")
        if self.min_participants > self.capacity:
            raise ValueError("min_participants cannot exceed capacity")
        if self.min_participants and self.deadline is None:
            raise ValueError("a minimum of participants needs a deadline")
        if self.deadline is not None and self.deadline > self.start:
            raise ValueError("the deadline must come before the start")
        if self.visibility == "members" and not self.club_id:
            raise ValueError("a members-only workshop belongs to a club")
        return self


class WorkshopPatch(Strict):
    title: HeaderText | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=5000)
    capacity: int | None = Field(default=None, ge=1, le=10000)


class AttendanceIn(Strict):
    present: list[str] = Field(default_factory=list, max_length=10000)


class RoomOut(BaseModel):
    status: Literal["none", "requested", "reserved", "refused", "released"] = "requested"
    booking_id: str | None = None
    reason: str | None = None


class WorkshopOut(BaseModel):
    id: str
    title: str
    description: str = ""
    place_id: str
    place_name: str | None = None
    club_id: str | None = None
    organiser_id: str | None = None
    start: datetime
    end: datetime
    timezone: str = DEFAULT_TIMEZONE
    capacity: int
    taken: int
    waiting: int = 0
    visibility: str
    min_participants: int = 0
    deadline: datetime | None = None
    status: str
    cancel_reason: str | None = None
    room: RoomOut
    attendance_taken: bool = False
    present: int | None = None


class RsvpOut(BaseModel):
    id: str
    workshop_id: str
    member_id: str
    name: str | None = None
    email: str | None = None
    status: str
    attended: bool | None = None
    created_at: datetime | None = None


class AgendaItem(BaseModel):
    """One entry of an agenda, whatever its source: ``kind`` ``workshop`` (or ``meeting``
    when the meetings plug in), ``id`` its own id, ``url`` the web page that shows it."""

    kind: str
    id: str
    title: str
    place_id: str
    place_name: str | None = None
    club_id: str | None = None
    start: datetime
    end: datetime
    status: str
    url: str
    description: str = ""


# -- errors --------------------------------------------------------------------------------
class WorkshopClosed(Conflict):
    """``id``, ``status``: the workshop is cancelled, or has started, and takes no RSVP or
    change any more."""

    code = "workshop_closed"


class MembersOnly(Forbidden):
    """``id``: a members-only workshop of a club the caller is not a member of."""

    code = "workshop_members_only"


class CapacityBelowTaken(Conflict):
    """``capacity``, ``taken``: a capacity lower than the seats already confirmed."""

    code = "capacity_below_taken"


class AttendanceTooEarly(Conflict):
    """``id``, ``start``: attendance is taken once the workshop has started."""

    code = "attendance_too_early"


# -- events --------------------------------------------------------------------------------
class WorkshopInfo(EventData):
    """What every workshop event says of the workshop, for emails and the agenda."""

    workshop_id: str
    club_id: str | None = None
    place_id: str
    place_name: str | None = None
    title: str
    start: str  # aware ISO, in the place's local time
    end: str
    timezone: str = DEFAULT_TIMEZONE


class WorkshopCreated(WorkshopInfo):
    capacity: int
    visibility: str
    min_participants: int = 0
    deadline: str | None = None
    organiser_id: str | None = None


class WorkshopUpdated(WorkshopInfo):
    changed: list[str]
    capacity: int


class WorkshopScheduled(WorkshopInfo):
    """The room protocol's request: booking reserves the host place's meeting room."""


class WorkshopCancelled(WorkshopInfo):
    """``reason``: ``organiser`` (the organiser cancelled it) or ``minimum_not_reached``
    (too few participants at the deadline); ``participants`` and ``waitlisted``: member ids
    told. Booking releases the room."""

    reason: Literal["organiser", "minimum_not_reached"]
    participants: list[str] = []
    waitlisted: list[str] = []
    taken: int = 0
    min_participants: int = 0


class WorkshopConfirmed(WorkshopInfo):
    """The minimum was reached at the deadline: it takes place."""

    participants: list[str] = []
    taken: int


class WorkshopAttendanceTaken(WorkshopInfo):
    """Taken (or taken again) by the organiser: counts for the funders' figures, no names."""

    registered: int
    present: int
    absent: int


class RsvpEvent(WorkshopInfo):
    """``rsvp_confirmed`` (a seat), ``rsvp_waitlisted`` (in line, ``position``),
    ``rsvp_promoted`` (a seat freed went to them), ``rsvp_cancelled`` (they cancelled)."""

    rsvp_id: str
    member_id: str
    language: str = "fr"
    position: int | None = None


EVENTS.update(
    {
        "workshop_created": WorkshopCreated,
        "workshop_updated": WorkshopUpdated,
        "workshop_scheduled": WorkshopScheduled,
        "workshop_cancelled": WorkshopCancelled,
        "workshop_confirmed": WorkshopConfirmed,
        "workshop_attendance_taken": WorkshopAttendanceTaken,
        "rsvp_confirmed": RsvpEvent,
        "rsvp_waitlisted": RsvpEvent,
        "rsvp_promoted": RsvpEvent,
        "rsvp_cancelled": RsvpEvent,
    }
)
