"""Notifications service: turns events into emails. Entrypoints only, one line each.

Handlers record the emails (``commands``); the ``Mailer`` sends them (``sender``)."""

from __future__ import annotations

from nameko.timer import timer

from contracts.notifications import METRICS_PORT
from services.common.base import ServiceBase
from services.common.config import container_settings
from services.common.db import MongoDatabase
from services.common.identity import CallerProvider, require
from services.common.inbox import Inbox, reliable_handler
from services.common.rpc import rpc

from . import commands, contact, delivery_log, preferences, queries, retention, suspensions
from .models import ALIAS, DOCUMENTS
from .sender import Mailer


class NotificationsService(ServiceBase):
    name = "notifications"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, DOCUMENTS)
    inbox = Inbox(ALIAS)
    mailer = Mailer()  # sends what the handlers record, retrying while SMTP is away
    caller = CallerProvider()  # who is asking (the RPC context): a member's own export

    @reliable_handler("booking", "booking_confirmed")
    def on_booking_confirmed(self, event: dict) -> None:
        commands.notify_booking_confirmed(container_settings(), event)

    @reliable_handler("booking", "booking_cancelled")
    def on_booking_cancelled(self, event: dict) -> None:
        commands.notify_booking_cancelled(container_settings(), event)

    # A series of bookings: one email for all its dates.
    @reliable_handler("booking", "booking_series_confirmed")
    def on_booking_series_confirmed(self, event: dict) -> None:
        commands.notify_booking_series(container_settings(), event)

    @reliable_handler("booking", "booking_series_cancelled")
    def on_booking_series_cancelled(self, event: dict) -> None:
        commands.notify_booking_series(container_settings(), event)

    # A request awaiting the place's approval: received, then refused (an approval is a
    # booking_confirmed).
    @reliable_handler("booking", "booking_requested")
    def on_booking_requested(self, event: dict) -> None:
        commands.notify_booking_answer(container_settings(), event)

    @reliable_handler("booking", "booking_rejected")
    def on_booking_rejected(self, event: dict) -> None:
        commands.notify_booking_answer(container_settings(), event)

    # The reminder before a booking, and a cancellation the place undid.
    # The directory's answer to a member's proposal (approved, or rejected with a reason).
    @reliable_handler("directory", "contribution_approved")
    def on_contribution_approved(self, event: dict) -> None:
        commands.notify_contribution_answer(container_settings(), event)

    @reliable_handler("directory", "contribution_rejected")
    def on_contribution_rejected(self, event: dict) -> None:
        commands.notify_contribution_answer(container_settings(), event)

    @reliable_handler("booking", "booking_reminder_due")
    def on_booking_reminder_due(self, event: dict) -> None:
        commands.notify_booking_reminder(container_settings(), event)

    @reliable_handler("booking", "booking_restored")
    def on_booking_restored(self, event: dict) -> None:
        commands.notify_booking_restored(container_settings(), event)

    # The waitlist: on the list, then a seat offered (at most three messages an entry).
    @reliable_handler("booking", "booking_waitlisted")
    def on_booking_waitlisted(self, event: dict) -> None:
        commands.notify_waitlist(container_settings(), event)

    @reliable_handler("booking", "booking_offered")
    def on_booking_offered(self, event: dict) -> None:
        commands.notify_waitlist(container_settings(), event)

    # A club meeting whose room booking refused: its president hears why (club_meetings.py).
    @reliable_handler("clubs", "meeting_room_refused")
    def on_meeting_room_refused(self, event: dict) -> None:
        commands.notify_meeting_room_refused(container_settings(), event)

    # A join request to answer: the club's president (or acting place's managers) hears of it.
    @reliable_handler("clubs", "club_join_requested")
    def on_club_join_requested(self, event: dict) -> None:
        commands.notify_club_join_requested(container_settings(), event)

    # A member hears of their own standing in a club (club_standing.py): the answer to their
    # join request, their removal, the presidency handed to them.
    @reliable_handler("clubs", "club_join_answered")
    def on_club_join_answered(self, event: dict) -> None:
        commands.notify_club_standing(container_settings(), event)

    @reliable_handler("clubs", "club_member_left")
    def on_club_member_left(self, event: dict) -> None:
        commands.notify_club_standing(container_settings(), event)

    @reliable_handler("clubs", "club_president_changed")
    def on_club_president_changed(self, event: dict) -> None:
        commands.notify_club_standing(container_settings(), event)

    # The clubs' coming meetings, for the weekly digest (digest.py).
    @reliable_handler("clubs", "meeting_scheduled")
    def on_meeting_scheduled(self, event: dict) -> None:
        commands.keep_coming_event(event)

    # A meeting moved or cancelled: the digest follows, and the club's members are told.
    @reliable_handler("clubs", "meeting_moved")
    def on_meeting_moved(self, event: dict) -> None:
        commands.meeting_changed(container_settings(), event)

    @reliable_handler("clubs", "meeting_cancelled")
    def on_meeting_cancelled(self, event: dict) -> None:
        commands.meeting_changed(container_settings(), event)

    # Workshops and events (clubs): seats, the line, confirmed or cancelled (workshops.py).
    @reliable_handler("clubs", "rsvp_confirmed")
    def on_rsvp_confirmed(self, event: dict) -> None:
        commands.notify_workshop(container_settings(), event)

    @reliable_handler("clubs", "rsvp_waitlisted")
    def on_rsvp_waitlisted(self, event: dict) -> None:
        commands.notify_workshop(container_settings(), event)

    @reliable_handler("clubs", "rsvp_promoted")
    def on_rsvp_promoted(self, event: dict) -> None:
        commands.notify_workshop(container_settings(), event)

    @reliable_handler("clubs", "workshop_confirmed")
    def on_workshop_confirmed(self, event: dict) -> None:
        commands.notify_workshop(container_settings(), event)

    @reliable_handler("clubs", "workshop_cancelled")
    def on_workshop_cancelled(self, event: dict) -> None:
        commands.notify_workshop(container_settings(), event)

    # New times: the participants' invitations move (one email for a burst of moves).
    @reliable_handler("clubs", "workshop_updated")
    def on_workshop_updated(self, event: dict) -> None:
        commands.notify_workshop(container_settings(), event)

    @reliable_handler("directory", "place_created")
    def on_place_created(self, event: dict) -> None:
        commands.notify_place_created(container_settings(), event)

    # A club's announcement to its members (``clubs.py``, deliveries of kind "clubs").
    @reliable_handler("clubs", "announcement_posted")
    def on_announcement_posted(self, event: dict) -> None:
        commands.notify_club_announcement(container_settings(), event)

    # Contact requests to an actor or a place, and the answer (``contact.py``).
    @reliable_handler("directory", "contact_requested")
    def on_contact_requested(self, event: dict) -> None:
        contact.notify_contact_requested(container_settings(), event)

    @reliable_handler("directory", "contact_replied")
    def on_contact_replied(self, event: dict) -> None:
        contact.notify_contact_replied(container_settings(), event)

    # The gateway's members: a contact projection, erased on request.
    @reliable_handler("gateway", "member_registered")
    def on_member_registered(self, event: dict) -> None:
        commands.keep_contact(event)

    @reliable_handler("gateway", "member_updated")
    def on_member_updated(self, event: dict) -> None:
        commands.keep_contact(event)

    @reliable_handler("gateway", "member_erased")
    def on_member_erased(self, event: dict) -> None:
        commands.erase_member(event, forget_failures=self.inbox.forget_member)

    # Who manages each place: its managers are told of its bookings (``managers.py``).
    @reliable_handler("gateway", "place_managers_changed")
    def on_place_managers_changed(self, event: dict) -> None:
        commands.keep_place_managers(event)

    # The emails with a single-use link the person asked for.
    @reliable_handler("gateway", "email_confirmation_requested")
    def on_email_confirmation_requested(self, event: dict) -> None:
        commands.notify_link(container_settings(), event)

    @reliable_handler("gateway", "sign_in_link_requested")
    def on_sign_in_link_requested(self, event: dict) -> None:
        commands.notify_link(container_settings(), event)

    @reliable_handler("gateway", "password_reset_requested")
    def on_password_reset_requested(self, event: dict) -> None:
        commands.notify_link(container_settings(), event)

    @reliable_handler("gateway", "email_change_requested")
    def on_email_change_requested(self, event: dict) -> None:
        commands.notify_link(container_settings(), event)

    # The weekly digest of coming events, to those who chose it (once per ISO week).
    @timer(interval=3600)
    def send_weekly_digest(self) -> int:
        return commands.send_weekly_digest(container_settings())

    @rpc
    def unsubscribe(self, email: str, token: str, kind: str | None = None) -> dict:
        return commands.unsubscribe(email, token, kind)

    # Preferences per kind of message: by the signed link of an email, or signed in.
    @rpc
    def email_preferences(self, email: str, token: str) -> dict:
        return commands.email_preferences(email, token)

    @rpc
    def set_email_preferences(
        self, email: str, token: str, kinds: dict, idempotency_key: str | None = None
    ) -> dict:
        return commands.set_email_preferences(email, token, kinds, idempotency_key)

    @rpc
    def my_email_preferences(self) -> dict:
        return preferences.mine(self.caller)

    @rpc
    def set_my_email_preferences(self, kinds: dict, idempotency_key: str | None = None) -> dict:
        return preferences.set_mine(self.caller, kinds, idempotency_key)

    @rpc
    def export_member(self) -> dict:
        return queries.export_member(self.caller)

    @rpc
    def deliveries(self, limit: int = 50, status: str | None = None) -> list[dict]:
        """The latest deliveries (addresses, subjects): the operator's, like the log below."""
        require(self.caller.admin, self.caller, "read the delivery log", "deliveries")
        return queries.recent_deliveries(limit, status)

    # The operator's view of delivery: the log per address and event, suspended addresses.
    @rpc
    def delivery_log(
        self,
        email: str | None = None,
        event_id: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> list[dict]:
        return delivery_log.delivery_log(self.caller, email, event_id, status, limit)

    @rpc
    def suspensions(self, limit: int = 100) -> list[dict]:
        return suspensions.list_suspensions(self.caller, limit)

    @rpc
    def lift_suspension(self, request: dict) -> dict:
        return suspensions.lift(self.caller, request)

    # The delivery log: anonymised after six months, deleted after two years.
    @timer(interval=3600)
    def apply_retention(self) -> dict:
        return retention.apply()
