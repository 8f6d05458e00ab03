"""Clubs service: entrypoints only, one line each; reads in ``queries``, meetings in
``meetings`` and booking's answers about their rooms in ``room_answers``."""

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

from . import meetings, queries, room_answers
from .models import ALIAS, DOCUMENTS, Meeting, MeetingSeries


class ClubsService(ServiceBase):
    name = "clubs"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, DOCUMENTS)
    events = OutboxRelay(MeetingSeries, Meeting)
    inbox = Inbox(ALIAS)
    caller = CallerProvider()  # who is asking (the RPC context): a member's own export

    @rpc
    def list_clubs(self, place_id: str | None = None) -> list[dict]:
        return queries.list_clubs(place_id)

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

    # Booking's answers about the meetings' rooms (room_answers.py).
    @reliable_handler("booking", "room_reserved")
    def on_room_reserved(self, event: dict) -> None:
        room_answers.record(event, self.events)

    @reliable_handler("booking", "room_refused")
    def on_room_refused(self, event: dict) -> None:
        room_answers.record(event, self.events)

    @reliable_handler("booking", "room_released")
    def on_room_released(self, event: dict) -> None:
        room_answers.record(event, self.events)
