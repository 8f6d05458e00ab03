"""Clubs service: entrypoints only, one line each; reads in ``queries``; workshops and their
RSVPs in ``workshops``, ``rsvps``, ``attendance``, ``agenda``."""

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

from . import agenda, attendance, queries, rsvp_member_data, rsvps, workshops
from .models import ALIAS, DOCUMENTS
from .workshop_models import WORKSHOP_DOCUMENTS, Rsvp, Workshop


class ClubsService(ServiceBase):
    name = "clubs"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, DOCUMENTS + WORKSHOP_DOCUMENTS)
    events = OutboxRelay(Workshop, Rsvp)
    inbox = Inbox(ALIAS)
    caller = CallerProvider()  # who is asking (the RPC context): a member's own export

    @rpc
    def list_clubs(self, place_id: str | None = None) -> list[dict]:
        return queries.list_clubs(place_id)

    @rpc
    def export_member(self) -> dict:
        return queries.export_member(self.caller)

    # Workshops and events with RSVP (workshops.py, rsvps.py, attendance.py, agenda.py).
    @rpc
    def create_workshop(self, payload: dict, idempotency_key: str) -> dict:
        return workshops.create_workshop(payload, idempotency_key, self.events, self.caller)

    @rpc
    def get_workshop(self, workshop_id: str) -> dict:
        return workshops.get_workshop(workshop_id)

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

    # Booking's answers about a workshop's room (the shared room protocol).
    @reliable_handler("booking", "room_reserved")
    def on_room_reserved(self, event: dict) -> None:
        workshops.record_room_answer(event)

    @reliable_handler("booking", "room_refused")
    def on_room_refused(self, event: dict) -> None:
        workshops.record_room_answer(event)

    @reliable_handler("booking", "room_released")
    def on_room_released(self, event: dict) -> None:
        workshops.record_room_answer(event)

    # A member erased at the gateway (GDPR art. 17): their RSVPs are anonymised.
    @reliable_handler("gateway", "member_erased")
    def on_member_erased_rsvps(self, event: dict) -> None:
        rsvp_member_data.erase_member(event)
