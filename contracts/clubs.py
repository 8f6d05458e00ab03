"""The clubs service's contract: clubs, their members and announcements (issue 10).

Sections: clubs and members (clubs-core), then meetings and workshops (their own sections).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from .errors import Conflict, NotFound
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
# my_standing(club_id), export_member().
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
    members_visible: bool = True  # whether members see the members list


class ClubPatch(Strict):
    """What the club's managers may change (only the fields sent)."""

    name: ClubName | None = Field(default=None, min_length=1, max_length=120)
    purpose: str | None = Field(default=None, max_length=2000)
    join_policy: JoinPolicy | None = None
    members_visible: bool | None = None


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
    acting_place: bool = True  # the host place acts as president
    status: ClubStatus = ClubStatus.incubating
    status_changed_at: str | None = None  # ISO 8601 with its offset
    status_changed_by: str | None = None
    join_policy: JoinPolicy = JoinPolicy.open
    members_visible: bool = True
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
    club_id: str
    place_id: str
    member_id: str
    removed_by: str | None  # None: they left on their own


class ClubJoinRequested(EventData):
    club_id: str
    place_id: str
    club_name: str
    member_id: str


class ClubPresidentChanged(EventData):
    club_id: str
    place_id: str
    president_id: str | None  # None: the host place acts as president
    previous_id: str | None
    changed_by: str | None


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
    "club_president_changed": ClubPresidentChanged,
    "announcement_posted": AnnouncementPosted,
}

EVENTS: dict[str, type[EventData]] = {**CLUB_EVENTS}
