"""Booking service: entrypoints only, one line each; writes in ``commands``, reads in
``queries``, the directory's places in ``projections``, a member's export and erasure in
``member_data``."""

from __future__ import annotations

from datetime import UTC, datetime

from nameko.timer import timer

from contracts.booking import METRICS_PORT, SearchQuery
from services.common.base import ServiceBase
from services.common.config import container_settings
from services.common.db import MongoDatabase
from services.common.identity import CallerProvider
from services.common.inbox import Inbox, reliable_handler
from services.common.outbox import OutboxRelay
from services.common.rpc import rpc
from services.common.upgrades import StartupUpgrades
from services.common.validation import parse

from . import (
    closures_import,
    club_rooms,
    commands,
    desk,
    figures,
    member_data,
    permanences,
    planning,
    projections,
    queries,
    reminders,
    restore,
    search,
    series,
    subscriptions,
    waitlist,
    workshop_attendance,
)
from .capacity_migration import migrate_slot_loads
from .models import (
    ALIAS,
    DOCUMENTS,
    Booking,
    Permanence,
    Resource,
    RoomRequest,
    Series,
    Subscription,
)
from .upgrades import backfill_month_keys


class BookingService(ServiceBase):
    name = "booking"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, (*DOCUMENTS, workshop_attendance.WorkshopAttendance))
    # Earlier versions' documents, brought up to date at start.
    earlier = StartupUpgrades(ALIAS, migrate_slot_loads, backfill_month_keys)
    events = OutboxRelay(Resource, Booking, Series, Subscription, Permanence, RoomRequest)
    inbox = Inbox(ALIAS)
    caller = CallerProvider()  # who is asking (the RPC context), for the object-level rules

    @rpc
    def create_resource(self, place_id: str, payload: dict, idempotency_key: str) -> dict:
        return commands.create_resource(
            place_id, payload, idempotency_key, self.events, who=self.caller
        )

    @rpc
    def list_resources(self, place_id: str | None = None) -> list[dict]:
        return queries.list_resources(place_id)

    @rpc
    def get_resource(self, resource_id: str) -> dict:
        return queries.get_resource(resource_id)

    @rpc
    def update_resource(self, resource_id: str, payload: dict, idempotency_key: str) -> dict:
        return commands.update_resource(
            resource_id, payload, idempotency_key, self.events, who=self.caller
        )

    @rpc
    def import_closures(self, resource_id: str, payload: dict, idempotency_key: str) -> dict:
        return closures_import.import_closures(
            resource_id, payload, idempotency_key, self.events, container_settings(), self.caller
        )

    @rpc
    def availability(
        self, resource_id: str, start: str | None = None, end: str | None = None
    ) -> dict:
        return queries.availability(resource_id, start, end)

    @rpc
    def place_availability(
        self,
        place_id: str,
        start: str | None = None,
        end: str | None = None,
        kind: str | None = None,
        seats: int = 1,
    ) -> dict:
        return search.place_availability(place_id, start, end, kind, seats)

    @rpc
    def search_availability(self, query: dict) -> dict:
        return search.search_availability(parse(SearchQuery, query))

    @rpc
    def bookable(self, place_id: str, days: int = 14) -> dict:
        return search.bookable(place_id, days)

    @rpc
    def create_booking(self, payload: dict, idempotency_key: str) -> dict:
        return series.book(payload, idempotency_key, self.events, who=self.caller)

    @rpc
    def preview_series(self, payload: dict) -> dict:
        return series.preview(payload, who=self.caller)

    @rpc
    def get_series(self, series_id: str) -> dict:
        return series.get_series(series_id, self.caller)

    @rpc
    def cancel_series(self, series_id: str, payload: dict, idempotency_key: str) -> dict:
        return series.cancel_series(series_id, payload, idempotency_key, self.events, self.caller)

    @rpc
    def get_booking(self, booking_id: str) -> dict:
        return queries.get_booking(booking_id, self.caller)

    @rpc
    def list_bookings(self, resource_id: str | None = None) -> list[dict]:
        return queries.list_bookings(resource_id, self.caller)

    @rpc
    def my_bookings(self) -> list[dict]:
        return queries.my_bookings(self.caller)

    @rpc
    def export_member(self) -> dict:
        return member_data.export_member(self.caller)

    @rpc
    def cancel_booking(
        self, booking_id: str, idempotency_key: str, payload: dict | None = None
    ) -> dict:
        return commands.cancel_booking(
            booking_id, idempotency_key, self.events, self.caller, payload=payload
        )

    # The facilitator's desk (desk.py, planning.py).
    @rpc
    def approve_booking(self, booking_id: str, idempotency_key: str) -> dict:
        return desk.approve_booking(booking_id, idempotency_key, self.events, self.caller)

    @rpc
    def reject_booking(self, booking_id: str, payload: dict, idempotency_key: str) -> dict:
        return desk.reject_booking(booking_id, payload, idempotency_key, self.events, self.caller)

    @rpc
    def check_in(self, booking_id: str, idempotency_key: str) -> dict:
        return desk.check_in(booking_id, idempotency_key, self.events, self.caller)

    @rpc
    def record_outcome(self, booking_id: str, payload: dict, idempotency_key: str) -> dict:
        return desk.record_outcome(booking_id, payload, idempotency_key, self.events, self.caller)

    @rpc
    def planning(self, place_id: str, date: str | None = None, days: int = 1) -> dict:
        return planning.planning(place_id, date, days, self.caller)

    @rpc
    def create_subscription(self, resource_id: str, payload: dict, idempotency_key: str) -> dict:
        return subscriptions.create_subscription(
            resource_id, payload, idempotency_key, self.events, self.caller
        )

    @rpc
    def list_subscriptions(self, resource_id: str) -> list[dict]:
        return queries.list_subscriptions(resource_id, self.caller)

    @rpc
    def my_subscriptions(self) -> list[dict]:
        return queries.my_subscriptions(self.caller)

    @rpc
    def cancel_subscription(self, subscription_id: str, idempotency_key: str) -> dict:
        return subscriptions.cancel_subscription(
            subscription_id, idempotency_key, self.events, self.caller
        )

    @rpc
    def place_figures(self, place_id: str, month: str) -> dict:
        return figures.place_figures(place_id, month, self.caller)

    @rpc
    def territory_figures(self, month: str) -> dict:
        return figures.territory_figures(month, self.caller)

    @rpc
    def figure_rows(self, month: str, place_id: str | None = None) -> list[dict]:
        return figures.rows(month, self.caller, place_id)

    # Permanences (permanences.py): an agent's time at a place, booked as appointments.
    @rpc
    def create_permanence(self, place_id: str, payload: dict, idempotency_key: str) -> dict:
        return permanences.create_permanence(
            place_id, payload, idempotency_key, self.events, who=self.caller
        )

    @rpc
    def list_permanences(self, place_id: str) -> list[dict]:
        return permanences.list_permanences(place_id)

    @rpc
    def get_permanence(self, permanence_id: str) -> dict:
        return permanences.get_permanence(permanence_id)

    @rpc
    def update_permanence(self, permanence_id: str, payload: dict, idempotency_key: str) -> dict:
        return permanences.update_permanence(
            permanence_id, payload, idempotency_key, self.events, who=self.caller
        )

    @rpc
    def close_permanence(self, permanence_id: str, idempotency_key: str) -> dict:
        return permanences.close_permanence(
            permanence_id, idempotency_key, self.events, who=self.caller
        )

    @rpc
    def permanence_slots(
        self, permanence_id: str, motif: str, start: str | None = None, end: str | None = None
    ) -> dict:
        return permanences.slots(permanence_id, motif, start, end)

    @rpc
    def book_appointment(self, permanence_id: str, payload: dict, idempotency_key: str) -> dict:
        return permanences.book_appointment(
            permanence_id, payload, idempotency_key, self.events, who=self.caller
        )

    # Undo a cancellation (restore.py); the reminders the day before (reminders.py).
    @rpc
    def restore_booking(self, booking_id: str, idempotency_key: str) -> dict:
        return restore.restore_booking(booking_id, idempotency_key, self.events, self.caller)

    @timer(interval=60)
    def send_reminders(self) -> int:
        return reminders.send_due(self.events, datetime.now(UTC))

    @timer(interval=24 * 3600)
    def extend_room_holds(self) -> int:
        return permanences.extend_room_holds(datetime.now(UTC))

    @timer(interval=60)
    def release_abandoned(self) -> int:
        return commands.release_abandoned(datetime.now(UTC), self.events)

    @timer(interval=60)
    def expire_offers(self) -> int:
        return waitlist.expire_offers(self.events)

    @rpc
    def waiting_list(self, resource_id: str) -> list[dict]:
        return waitlist.waiting_list(resource_id, self.caller)

    @rpc
    def accept_offer(self, booking_id: str, token: str | None, idempotency_key: str) -> dict:
        return waitlist.accept_offer(booking_id, token, idempotency_key, self.events, self.caller)

    @rpc
    def leave_waitlist(self, token: str, idempotency_key: str) -> dict:
        return waitlist.leave(token, idempotency_key, self.events)

    @timer(interval=60)
    def release_abandoned_subscriptions(self) -> int:
        return subscriptions.release_abandoned(datetime.now(UTC))

    @reliable_handler("directory", "place_created")
    def on_place_created(self, event: dict) -> None:
        projections.remember_place(event["data"])

    # Clubs' workshops: the attendance taken counts in the funders' figures.
    @reliable_handler("clubs", "workshop_attendance_taken")
    def on_workshop_attendance_taken(self, event: dict) -> None:
        workshop_attendance.remember_attendance(event)

    @reliable_handler("directory", "place_updated")
    def on_place_updated(self, event: dict) -> None:
        projections.follow_place_update(event["data"])

    @reliable_handler("directory", "place_status_changed")
    def on_place_status_changed(self, event: dict) -> None:
        projections.follow_place_status(event["data"])

    # A member's new address: the bookings of the old one stay theirs.
    @reliable_handler("gateway", "member_updated")
    def on_member_updated(self, event: dict) -> None:
        member_data.follow_address_change(event)

    # A member erased at the gateway (GDPR art. 17): their bookings are anonymised.
    @reliable_handler("gateway", "member_erased")
    def on_member_erased(self, event: dict) -> None:
        member_data.erase_member(event, forget_failures=self.inbox.forget_member)

    # A place's meeting room lent to clubs' meetings and to workshops (club_rooms.py).
    @reliable_handler("clubs", "meeting_scheduled")
    def on_meeting_scheduled(self, event: dict) -> None:
        club_rooms.schedule(event, self.events)

    @reliable_handler("clubs", "meeting_moved")
    def on_meeting_moved(self, event: dict) -> None:
        club_rooms.schedule(event, self.events)

    @reliable_handler("clubs", "meeting_cancelled")
    def on_meeting_cancelled(self, event: dict) -> None:
        club_rooms.cancel(event, self.events)

    # A workshop asks for its place's room the same way (a place's own uses no club hours).
    @reliable_handler("clubs", "workshop_scheduled")
    def on_workshop_scheduled(self, event: dict) -> None:
        club_rooms.schedule(event, self.events)

    @reliable_handler("clubs", "workshop_cancelled")
    def on_workshop_cancelled(self, event: dict) -> None:
        club_rooms.cancel(event, self.events)
