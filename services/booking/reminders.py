"""Reminders the day before: booking owns the schedule.

A booking confirmed with an email records its reminder moment and hour bucket
(``schedule``, in the same write as its confirmation or restoration). A timer on every
instance (``send_due``) reads the last few hours' buckets by indexed equality and claims each
due booking with ONE conditional update — ``{_id, status: confirmed, reminder_sent_at:
absent}`` → ``reminder_sent_at`` set, ``booking_reminder_due`` staged in the same write
(outbox) — so that of two instances, or of a sweep and a cancellation, exactly one wins: a
booking cancelled first is never claimed, and one claimed first is cancelled afterwards
(the person then gets the reminder, then the cancellation, in that order).
"""

from __future__ import annotations

from datetime import datetime

from services.common.outbox import EventStager

# Module imports: commands and permanences import this module in turn.
from . import commands, queries
from .models import Booking, Resource
from .rules import reminders as rules
from .rules import states

# Bookings read per bucket in one sweep (an hour's reminders of the whole territory).
SWEEP_BATCH = 2000


def schedule(booking: Booking, resource: Resource, now: datetime) -> dict:
    """``update_one`` arguments recording (or clearing) a booking's reminder, for the write
    that confirms or restores it."""
    settings = resource.rules()
    moment = rules.schedule(
        booking.start, settings.reminder_hours_before, settings.timezone, now, booking.email
    )
    if moment is None:
        return {"unset__reminder_at": True, "unset__reminder_due": True}
    return {"set__reminder_at": moment, "set__reminder_due": rules.bucket(moment)}


def send_due(events: EventStager, now: datetime) -> int:
    """Claim and announce every reminder due now; returns how many this call claimed."""
    sent = 0
    for key in rules.buckets(now):
        for booking in Booking.objects(reminder_due=key).limit(SWEEP_BATCH):
            if (
                booking.status == states.CONFIRMED
                and booking.reminder_sent_at is None
                and booking.email
                and rules.is_due(booking.reminder_at, booking.start, now)
            ):
                sent += claim(booking, events, now)
    return sent


def claim(booking: Booking, events: EventStager, now: datetime) -> bool:
    """Take this booking's reminder, once: the update matches only while it is confirmed and
    no one took it (another instance's sweep, or this one's earlier)."""
    resource = queries.find_resource(booking.resource_id)
    data = {
        **commands._event_data(booking, resource),
        "remind_at": rules._utc(booking.reminder_at).isoformat(),
        "hours_before": resource.rules().reminder_hours_before or 0,
    }
    event = events.event("booking_reminder_due", data)
    claimed = Booking.objects(
        id=booking.id,
        status=states.CONFIRMED,
        reminder_due=booking.reminder_due,
        reminder_sent_at__exists=False,
    ).update_one(set__reminder_sent_at=now, **Booking.staging(event))
    if claimed:
        events.flush()
    return bool(claimed)
