"""The clubs service's contract: clubs, their members and announcements (issue 10).

Sections: clubs and members (clubs-core), then meetings and workshops (their own sections).
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from .booking import Weekday, check_rule_shape, check_timezone
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .events import EventData
from .models import HeaderText, Strict

SERVICE = "clubs"
METRICS_PORT = 9103


# == Clubs and members ==========================================================================
class ClubStatus(StrEnum):
    incubating = "incubating"  # the host place helps it grow
    autonomous = "autonomous"  # runs on its own (a coordinator or the place decided)


class JoinPolicy(StrEnum):
    open = "open"  # joining is immediate
    approval = "approval"  # a join request the president or a co-organiser answers


class MemberRole(StrEnum):
    president = "president"
    co_organiser = "co_organiser"
    member = "member"


# -- RPC ---------------------------------------------------------------------------------------
# list_clubs(place_id), get_club(club_id), create_club(payload, key), update_club(club_id,
# payload, key), set_status(club_id, payload, key), list_members(club_id), join(club_id, key),
# leave(club_id, member_id, key), list_join_requests(club_id), answer_join_request(club_id,
# member_id, payload, key), hand_over(club_id, payload, key), set_role(club_id, member_id,
# payload, key), list_announcements(club_id), post_announcement(club_id, payload, key),
# my_standing(club_id), my_clubs() (the caller's clubs, ``MyClubOut``), export_member().
# ``export_member()``: the caller's memberships and join requests (GDPR art. 15/20);
# anonymous: ``AuthenticationRequired``.
ClubName = HeaderText  # it appears in the subject of the club's emails


class ClubIn(Strict):
    """A new club of a place: its managers or territory staff found it; the place acts as
    president until the club names one (``president_id`` None)."""

    name: ClubName = Field(min_length=1, max_length=120)
    purpose: str = Field(default="", max_length=2000)
    place_id: str = Field(min_length=1, max_length=64)
    join_policy: JoinPolicy = JoinPolicy.open
    members_visible: StrictBool = True  # whether members see the members list


class ClubPatch(Strict):
    """What the club's managers may change (only the fields sent)."""

    name: ClubName | None = Field(default=None, min_length=1, max_length=120)
    purpose: str | None = Field(default=None, max_length=2000)
    join_policy: JoinPolicy | None = None
    members_visible: StrictBool | None = None


class StatusIn(Strict):
    """incubating → autonomous (or back): a coordinator, an admin or the host place's
    manager decides."""

    status: ClubStatus


class HandOverIn(Strict):
    """The new president: a member of the club. The host place stops acting."""

    member_id: str = Field(min_length=1, max_length=64)


class RoleIn(Strict):
    """A member made co-organiser, or back to member (the president's role moves only by
    handing over)."""

    role: MemberRole


class AnswerIn(Strict):
    approve: bool


class AnnouncementIn(Strict):
    subject: HeaderText = Field(min_length=1, max_length=160)
    body: str = Field(min_length=1, max_length=10_000)


class ClubOut(BaseModel):
    id: str
    name: str
    purpose: str = ""
    place_id: str | None = None
    president_id: str | None = None
    president_name: str | None = None
    acting_place: StrictBool = True  # the host place acts as president
    status: ClubStatus = ClubStatus.incubating
    status_changed_at: str | None = None  # ISO 8601 with its offset
    status_changed_by: str | None = None
    join_policy: JoinPolicy = JoinPolicy.open
    members_visible: StrictBool = True
    members_count: int = 0


class MemberOut(BaseModel):
    member_id: str
    name: str | None = None
    role: MemberRole
    joined_at: str | None = None


class MembershipOut(BaseModel):
    """The caller's standing in a club: ``member`` (joined), ``requested`` (awaiting an
    answer), ``refused``, ``left``."""

    club_id: str
    member_id: str
    status: str
    role: MemberRole | None = None


class MyClubOut(BaseModel):
    """One of the caller's clubs (``GET /api/me/clubs``, RPC ``my_clubs()``): ``status``
    ``member`` or ``requested`` (awaiting an answer); ``role`` when a member; ``manages``:
    they run it (president, co-organiser, or a manager of the acting place)."""

    club_id: str
    club_name: str
    place_id: str | None = None
    status: str
    role: MemberRole | None = None
    joined_at: str | None = None
    requested_at: str | None = None
    manages: StrictBool = False


class AnnouncementOut(BaseModel):
    id: str
    club_id: str
    author_id: str | None = None
    subject: str
    body: str
    posted_at: str  # ISO 8601 with its offset
    recipients: int


# -- errors -------------------------------------------------------------------------------------
# An unknown club is ``NotFound`` with ``what`` "club" (``membership.club_or_404``).
class NotAMember(Conflict):
    """The member is not (or no longer) in the club (``member_id``)."""

    code = "not_a_club_member"


class PresidentMustHandOver(Conflict):
    """The president cannot leave nor be removed: hand the presidency over first."""

    code = "president_must_hand_over"


class NoJoinRequest(NotFound):
    """No pending join request from this member (``member_id``)."""

    code = "no_join_request"


# -- events -------------------------------------------------------------------------------------
class ClubCreated(EventData):
    club_id: str
    place_id: str
    name: str
    purpose: str
    status: str
    join_policy: str
    members_visible: bool
    created_by: str | None


class ClubUpdated(EventData):
    club_id: str
    place_id: str
    changed: list[str]
    name: str
    purpose: str
    join_policy: str
    members_visible: bool


class ClubStatusChanged(EventData):
    club_id: str
    place_id: str
    status: str
    previous: str
    decided_by: str | None
    decided_at: datetime


class ClubMemberJoined(EventData):
    club_id: str
    place_id: str
    member_id: str
    approved_by: str | None  # None: an open club, joined at once


class ClubMemberLeft(EventData):
    """A member left, or was removed (``removed_by``): a removed member is told by email."""

    club_id: str
    place_id: str
    member_id: str
    removed_by: str | None  # None: they left on their own
    club_name: str | None = None


class ClubJoinRequested(EventData):
    """Told by email to the president, or to the host place's managers while the place acts
    as president (``president_id`` None)."""

    club_id: str
    place_id: str
    club_name: str
    member_id: str
    member_name: str | None = None
    president_id: str | None = None


class ClubJoinAnswered(EventData):
    """The club's managers answered a join request: the member is told (``approved``: they
    are a member now; not: refused), by email, in their language."""

    club_id: str
    place_id: str
    club_name: str
    member_id: str
    approved: StrictBool
    answered_by: str | None = None


class ClubPresidentChanged(EventData):
    """The presidency handed over: the new president is told by email."""

    club_id: str
    place_id: str
    president_id: str | None  # None: the host place acts as president
    previous_id: str | None
    changed_by: str | None
    club_name: str | None = None


class AnnouncementPosted(EventData):
    announcement_id: str
    club_id: str
    club_name: str
    place_id: str
    author_id: str | None
    subject: str
    body: str
    member_ids: list[str]  # the members to write to (notifications has their addresses)


CLUB_EVENTS: dict[str, type[EventData]] = {
    "club_created": ClubCreated,
    "club_updated": ClubUpdated,
    "club_status_changed": ClubStatusChanged,
    "club_member_joined": ClubMemberJoined,
    "club_member_left": ClubMemberLeft,
    "club_join_requested": ClubJoinRequested,
    "club_join_answered": ClubJoinAnswered,
    "club_president_changed": ClubPresidentChanged,
    "announcement_posted": AnnouncementPosted,
}

EVENTS: dict[str, type[EventData]] = {**CLUB_EVENTS}


# -- meetings (services/clubs/meetings.py) ----------------------------------------------------
# RPC: create_meeting_series(club_id, payload, key), list_meetings(club_id, include_past),
#      update_meeting(club_id, occurrence_id, payload, key), extend_meetings() (a timer too).
# - a club's managers (membership.may_manage) create series and change occurrences; anyone
#   reads a club's coming meetings (the room's state and the agenda included).
# - a series repeats on local wall-clock times in ``timezone`` (9:00 stays 9:00 across DST);
#   its occurrences are written ``MEETING_HORIZON_DAYS`` ahead, extended daily by a timer.
# - each occurrence asks for the host place's meeting room by event (``meeting_scheduled``,
#   ``meeting_moved``, ``meeting_cancelled``); booking, when deployed, answers with
#   ``room_reserved`` / ``room_refused`` / ``room_released`` (contracts/booking.py) and the
#   occurrence's ``room.state`` follows: ``requested`` (no answer yet, or booking absent),
#   ``reserved``, ``refused`` (``room.reason``), ``released``.
MEETING_HORIZON_DAYS = 365
MAX_MEETINGS_LISTED = 60


class MeetingRule(Strict):
    """``weekly`` on ``weekdays`` (default: the first date's) every ``interval`` weeks, or
    ``monthly`` on the ``nth`` ``weekday`` of the month (``{"freq": "monthly", "weekday":
    "TH", "nth": [1]}``: the first Thursday; ``-1``: the last)."""

    freq: Literal["weekly", "monthly"]
    interval: int = Field(1, ge=1, le=12, strict=True)
    weekdays: list[Weekday] | None = Field(None, min_length=1, max_length=7)
    weekday: Weekday | None = None
    nth: list[int] | None = Field(None, min_length=1, max_length=5)

    @model_validator(mode="after")
    def _coherent(self) -> MeetingRule:
        check_rule_shape(self.freq, self.weekdays, self.weekday, self.nth)
        return self


class MeetingSeriesIn(Strict):
    """``POST /api/clubs/{id}/meetings``: from ``first_date`` (local) on ``rule``, from
    ``start_time`` to ``end_time`` (local wall clock) until ``until`` (included; none: open,
    kept a year ahead). ``room``: ask booking for the host place's meeting room."""

    title: HeaderText = Field(min_length=1, max_length=120)
    rule: MeetingRule
    first_date: date
    start_time: time
    end_time: time
    timezone: str = Field("Europe/Paris", max_length=64)
    until: date | None = None
    agenda: str | None = Field(None, max_length=5000)
    room: StrictBool = True

    _zone = field_validator("timezone")(check_timezone)

    @model_validator(mode="after")
    def _times(self) -> MeetingSeriesIn:
        if self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        if self.until is not None and self.until < self.first_date:
            raise ValueError("until must not be before first_date")
        return self


class MeetingPatch(Strict):
    """``PATCH /api/clubs/{id}/meetings/{occurrence_id}``: move it (``start`` and ``end``),
    cancel it (``status: cancelled``), or write its agenda (``agenda``; empty: none)."""

    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    status: Literal["cancelled"] | None = None
    agenda: str | None = Field(None, max_length=5000)

    @model_validator(mode="after")
    def _coherent(self) -> MeetingPatch:
        if (self.start is None) != (self.end is None):
            raise ValueError("a move gives both start and end")
        if self.start is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        if self.status and self.start is not None:
            raise ValueError("cancel or move, not both")
        if self.start is None and self.status is None and self.agenda is None:
            raise ValueError("nothing to change")
        return self


class MeetingRoom(BaseModel):
    """``state``: ``none`` (not asked), ``requested``, ``reserved``, ``refused``, ``released``;
    ``reason`` of a refusal (contracts/booking.py ``ROOM_REFUSALS``) and its figures."""

    state: Literal["none", "requested", "reserved", "refused", "released"]
    reason: str | None = None
    booking_id: str | None = None
    resource_name: str | None = None
    hours_per_month: int | None = None
    hours_used: float | None = None


class MeetingOut(BaseModel):
    id: str
    club_id: str
    series_id: str
    title: str
    start: datetime
    end: datetime
    status: Literal["scheduled", "cancelled"]
    moved: StrictBool = False
    agenda: str | None = None
    room: MeetingRoom


class MeetingSeriesOut(BaseModel):
    id: str
    club_id: str
    title: str
    rule: MeetingRule
    start_time: time
    end_time: time
    timezone: str
    first_date: date
    until: date | None = None
    scheduled_until: date
    occurrences: list[MeetingOut]


class MeetingCancelled(Conflict):
    """``id``: a cancelled meeting is neither moved nor cancelled again."""

    code = "meeting_cancelled"


class MeetingStarted(Conflict):
    """``start``: a meeting that has begun is no longer changed (its agenda aside)."""

    code = "meeting_started"


class NoMeetingDate(ValidationFailed):
    """The rule gives no date between ``first_date`` and ``until``."""

    code = "no_meeting_date"


class MeetingSeriesCreated(EventData):
    series_id: str
    club_id: str
    place_id: str | None
    title: str
    rrule: str
    first_start: str
    timezone: str


class MeetingScheduled(EventData):
    """An occurrence asks for its room: ``start``/``end`` aware (local offset), ``sequence``
    grows with each change of the occurrence. ``room``: whether the club wants the room."""

    occurrence_id: str
    series_id: str
    club_id: str
    place_id: str | None
    title: str
    start: str
    end: str
    sequence: int
    room: StrictBool = True


class MeetingNews(MeetingScheduled):
    """What the club's members are told of a change: ``member_ids`` (each emailed, the one
    who made the change aside) and the club's name."""

    club_name: str | None = None
    member_ids: list[str] = []


class MeetingMoved(MeetingNews):
    previous_start: str
    previous_end: str


class MeetingCancelledEvent(MeetingNews):
    """The occurrence will not take place: its room, if held, is released."""


class MeetingRoomRefused(EventData):
    """Booking refused the room of an occurrence: told to the club's president, or to the
    host place's managers when the place is acting president (``president_id`` None)."""

    occurrence_id: str
    club_id: str
    club_name: str
    place_id: str | None
    president_id: str | None
    title: str
    start: str
    end: str
    reason: str
    hours_per_month: int | None = None
    hours_used: float | None = None


EVENTS.update(
    {
        "meeting_series_created": MeetingSeriesCreated,
        "meeting_scheduled": MeetingScheduled,
        "meeting_moved": MeetingMoved,
        "meeting_cancelled": MeetingCancelledEvent,
        "meeting_room_refused": MeetingRoomRefused,
    }
)


# == Workshops and events with RSVP (services/clubs/workshops.py, rsvps.py, agenda.py) ======
# RPC (who is asking comes from the RPC context, ``contracts.identity.Caller``):
# - ``create_workshop(payload, key)``: ``WorkshopIn``; its organiser is a manager of the place
#   (``place_id``) or, for a club's workshop, whoever ``membership.may_manage`` the club;
#   coordinators and admins too. Emits ``workshop_created`` and ``workshop_scheduled`` (the
#   room, per the shared reservation protocol).
# - ``get_workshop(id)``, ``list_workshops(place_id=None, club_id=None)``: anyone; a
#   members-only workshop is listed to everyone (title, date) but only a member may RSVP.
# - ``update_workshop(id, payload, key)``: ``WorkshopPatch``, the organisers; a capacity
#   raised promotes from the waitlist; never below the seats already taken; new times
#   emit ``workshop_scheduled`` again with the next ``sequence`` (the room follows).
# - ``get_workshop(id)`` answers ``may_organise`` for the caller (the pages' organiser tools).
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
    """What the organisers change. New times (``start`` and ``end`` together) ask for the
    room again (``workshop_scheduled`` with the next ``sequence``); they come before any
    deadline's decision is due and in the future."""

    title: HeaderText | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=5000)
    capacity: int | None = Field(default=None, ge=1, le=10000)
    start: LocalDatetime | None = None
    end: LocalDatetime | None = None

    @model_validator(mode="after")
    def _times_together(self) -> WorkshopPatch:
        if (self.start is None) != (self.end is None):
            raise ValueError("start and end change together")
        if self.start is not None and self.end <= self.start:
            raise ValueError("end must come after start")
        return self


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
    attendance_taken: StrictBool = False
    present: int | None = None
    # The caller may organise it (change, cancel, attendance): the clubs service's own rule.
    may_organise: StrictBool = False


class RsvpOut(BaseModel):
    id: str
    workshop_id: str
    member_id: str
    name: str | None = None
    email: str | None = None
    status: str
    attended: StrictBool | None = None
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
    # The workshop's version for the room protocol: up by one at each change of its times
    # (booking keeps the answer to the latest ``workshop_scheduled`` only).
    sequence: int = 0


class WorkshopCreated(WorkshopInfo):
    capacity: int
    visibility: str
    min_participants: int = 0
    deadline: str | None = None
    organiser_id: str | None = None


class WorkshopUpdated(WorkshopInfo):
    """``changed``: the fields changed. When the times changed, ``participants`` (member ids
    with a seat) are told the new times (notifications: one email for a burst of moves)."""

    changed: list[str]
    capacity: int
    participants: list[str] = []


class WorkshopScheduled(WorkshopInfo):
    """The room protocol's request: booking reserves the host place's meeting room. Sent
    at creation (``sequence`` 0) and again at each change of its times (the next
    ``sequence``): booking moves the hold, or refuses with the reason."""

    room: StrictBool = True


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
