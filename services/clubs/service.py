"""Clubs service: entrypoints only, one line each; writes in ``club_commands``, ``members``,
``announcements`` and ``meetings``, reads in ``queries``, who may do what in ``membership``,
booking's answers about rooms in ``room_answers``; workshops and their RSVPs in
``workshops``, ``rsvps``, ``attendance``, ``agenda``."""

from __future__ import annotations

from datetime import UTC, datetime

from nameko.timer import timer

from contracts.clubs import METRICS_PORT
from services.common.base import ServiceBase
from services.common.db import MongoDatabase
from services.common.identity import CallerProvider
from services.common.inbox import Inbox, reliable_handler
from services.common.outbox import OutboxRelay
from services.common.rpc import rpc

from . import (
    agenda,
    announcements,
    attendance,
    club_commands,
    meetings,
    member_data,
    members,
    queries,
    room_answers,
    rsvp_member_data,
    rsvps,
    workshops,
)
from .models import ALIAS, DOCUMENTS, Announcement, Club, Meeting, MeetingSeries, Membership
from .workshop_models import WORKSHOP_DOCUMENTS, Rsvp, Workshop


class ClubsService(ServiceBase):
    name = "clubs"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, DOCUMENTS + WORKSHOP_DOCUMENTS)
    events = OutboxRelay(Club, Membership, Announcement, MeetingSeries, Meeting, Workshop, Rsvp)
    inbox = Inbox(ALIAS)
    caller = CallerProvider()  # who is asking (the RPC context), for the club's own rules

    # -- clubs ---------------------------------------------------------------------------------
    @rpc
    def list_clubs(self, place_id: str | None = None) -> list[dict]:
        return queries.list_clubs(place_id)

    @rpc
    def get_club(self, club_id: str) -> dict:
        return queries.get_club(club_id)

    @rpc
    def create_club(self, payload: dict, idempotency_key: str) -> dict:
        return club_commands.create_club(payload, idempotency_key, self.events, self.caller)

    @rpc
    def update_club(self, club_id: str, payload: dict, idempotency_key: str) -> dict:
        return club_commands.update_club(
            club_id, payload, idempotency_key, self.events, self.caller
        )

    @rpc
    def set_status(self, club_id: str, payload: dict, idempotency_key: str) -> dict:
        return club_commands.set_status(club_id, payload, idempotency_key, self.events, self.caller)

    @rpc
    def hand_over(self, club_id: str, payload: dict, idempotency_key: str) -> dict:
        return club_commands.hand_over(club_id, payload, idempotency_key, self.events, self.caller)

    # -- members -------------------------------------------------------------------------------
    @rpc
    def list_members(self, club_id: str) -> list[dict]:
        return queries.list_members(club_id, self.caller)

    @rpc
    def my_clubs(self) -> list[dict]:
        return queries.my_clubs(self.caller)

    @rpc
    def my_standing(self, club_id: str) -> dict:
        return queries.my_standing(club_id, self.caller)

    @rpc
    def join(self, club_id: str, idempotency_key: str) -> dict:
        return members.join(club_id, idempotency_key, self.events, self.caller)

    @rpc
    def leave(self, club_id: str, member_id: str, idempotency_key: str) -> dict:
        return members.leave(club_id, member_id, idempotency_key, self.events, self.caller)

    @rpc
    def set_role(self, club_id: str, member_id: str, payload: dict, idempotency_key: str) -> dict:
        return members.set_role(
            club_id, member_id, payload, idempotency_key, self.events, self.caller
        )

    @rpc
    def list_join_requests(self, club_id: str) -> list[dict]:
        return queries.list_join_requests(club_id, self.caller)

    @rpc
    def answer_join_request(
        self, club_id: str, member_id: str, payload: dict, idempotency_key: str
    ) -> dict:
        return members.answer_request(
            club_id, member_id, payload, idempotency_key, self.events, self.caller
        )

    # -- announcements -------------------------------------------------------------------------
    @rpc
    def list_announcements(self, club_id: str) -> list[dict]:
        return announcements.list_announcements(club_id, self.caller)

    @rpc
    def post_announcement(self, club_id: str, payload: dict, idempotency_key: str) -> dict:
        return announcements.post(club_id, payload, idempotency_key, self.events, self.caller)

    # A member erased at the gateway (GDPR art. 17): clubs forgets them (``member_data``).
    @reliable_handler("gateway", "member_erased")
    def on_member_erased(self, event: dict) -> None:
        member_data.erase_member(event, forget_failures=self.inbox.forget_member)

    # -- a member's data -----------------------------------------------------------------------
    @rpc
    def export_member(self) -> dict:
        return queries.export_member(self.caller)

    # Meetings (meetings.py): a series on a rule, each occurrence changed on its own.
    @rpc
    def create_meeting_series(self, club_id: str, payload: dict, idempotency_key: str) -> dict:
        return meetings.create_series(club_id, payload, idempotency_key, self.events, self.caller)

    @rpc
    def list_meetings(self, club_id: str, include_past: bool = False) -> list[dict]:
        return meetings.list_meetings(club_id, include_past)

    @rpc
    def update_meeting(
        self, club_id: str, occurrence_id: str, payload: dict, idempotency_key: str
    ) -> dict:
        return meetings.update(
            club_id, occurrence_id, payload, idempotency_key, self.events, self.caller
        )

    @timer(interval=24 * 3600)
    def extend_meetings(self) -> int:
        return meetings.extend(datetime.now(UTC), self.events)

    # Workshops and events with RSVP (workshops.py, rsvps.py, attendance.py, agenda.py).
    @rpc
    def create_workshop(self, payload: dict, idempotency_key: str) -> dict:
        return workshops.create_workshop(payload, idempotency_key, self.events, self.caller)

    @rpc
    def get_workshop(self, workshop_id: str) -> dict:
        return workshops.get_workshop(workshop_id, self.caller)

    @rpc
    def list_workshops(self, place_id: str | None = None, club_id: str | None = None) -> list:
        return workshops.list_workshops(place_id, club_id)

    @rpc
    def update_workshop(self, workshop_id: str, payload: dict, idempotency_key: str) -> dict:
        return workshops.update_workshop(
            workshop_id, payload, idempotency_key, self.events, self.caller
        )

    @rpc
    def cancel_workshop(self, workshop_id: str, idempotency_key: str) -> dict:
        return workshops.cancel_workshop(workshop_id, idempotency_key, self.events, self.caller)

    @rpc
    def rsvp(self, workshop_id: str, idempotency_key: str) -> dict:
        return rsvps.answer(workshop_id, idempotency_key, self.events, self.caller)

    @rpc
    def cancel_rsvp(self, workshop_id: str, idempotency_key: str) -> dict:
        return rsvps.cancel(workshop_id, idempotency_key, self.events, self.caller)

    @rpc
    def my_rsvp(self, workshop_id: str) -> dict | None:
        return attendance.my_rsvp(workshop_id, self.caller)

    @rpc
    def list_rsvps(self, workshop_id: str) -> list[dict]:
        return attendance.list_rsvps(workshop_id, self.caller)

    @rpc
    def participants_csv(self, workshop_id: str) -> str:
        return attendance.participants_csv(workshop_id, self.caller)

    @rpc
    def take_attendance(self, workshop_id: str, payload: dict, idempotency_key: str) -> dict:
        return attendance.take_attendance(
            workshop_id, payload, idempotency_key, self.events, self.caller
        )

    @rpc
    def agenda(
        self, place_id: str | None = None, start: str | None = None, end: str | None = None
    ) -> list[dict]:
        return agenda.agenda(place_id, start, end)

    @timer(interval=60)
    def settle_workshops(self) -> int:
        return workshops.settle_due(datetime.now(UTC), self.events)

    # Booking's answers about rooms, for a meeting or a workshop (room_answers.py).
    @reliable_handler("booking", "room_reserved")
    def on_room_reserved(self, event: dict) -> None:
        room_answers.record_any(event, self.events)

    @reliable_handler("booking", "room_refused")
    def on_room_refused(self, event: dict) -> None:
        room_answers.record_any(event, self.events)

    @reliable_handler("booking", "room_released")
    def on_room_released(self, event: dict) -> None:
        room_answers.record_any(event, self.events)

    # A member erased at the gateway (GDPR art. 17): their RSVPs are anonymised.
    @reliable_handler("gateway", "member_erased")
    def on_member_erased_rsvps(self, event: dict) -> None:
        rsvp_member_data.erase_member(event)
