"""A booking's life as notifications hears of it, so that no reminder goes after a
cancellation: booking stops sending reminders of a cancelled booking, but a reminder already
in the email outbox (SMTP away, or its event handled just before the cancellation's) would
still go. So:

- a cancellation records the booking ``cancelled`` (``BookingState``), then supersedes every
  reminder of it still ``pending`` (a conditional update: one being sent is left alone);
- a reminder is recorded only for a booking not known as cancelled, and checks again after
  recording it (a cancellation handled meanwhile by another instance either sees the
  reminder pending and supersedes it, or has recorded its state first and this check sees
  it: write, then read, on both sides);
- a restoration or a confirmation makes it ``active`` again. Events older than the state
  held change nothing (``event_time_us``).
"""

from __future__ import annotations

from typing import Any

from mongoengine.errors import NotUniqueError

from .models import BookingState, Delivery
from .rules import event_time_us

CANCELLED, ACTIVE = "cancelled", "active"
REMINDER = "booking_reminder"


def about(booking_id: str) -> str:
    return f"booking:{booking_id}"


def keep_state(event: dict[str, Any], state: str) -> bool:
    """Record the booking's state from ``event`` unless a newer event set it; True if so."""
    booking_id = event["data"]["booking_id"]
    occurred = event_time_us(event.get("occurred_at"))
    try:
        BookingState(booking_id=booking_id, state=state, event_time_us=occurred).save(
            force_insert=True
        )
        return True
    except NotUniqueError:
        pass
    newer = BookingState.objects(booking_id=booking_id, event_time_us__lt=occurred)
    return bool(newer.update_one(set__state=state, set__event_time_us=occurred))


def is_cancelled(booking_id: str) -> bool:
    found = BookingState.objects(booking_id=booking_id).only("state").first()
    return found is not None and found.state == CANCELLED


def supersede_reminders(booking_id: str) -> int:
    """Reminders of this booking not sent yet: superseded (never sent); how many."""
    return Delivery.objects(about=about(booking_id), kind=REMINDER, status=Delivery.PENDING).update(
        set__status=Delivery.SUPERSEDED, set__reason="booking cancelled"
    )


def cancelled(event: dict[str, Any]) -> int:
    """``booking_cancelled``: the state first, then the pending reminders."""
    keep_state(event, CANCELLED)
    if not is_cancelled(event["data"]["booking_id"]):
        return 0  # a newer event made it active again (restored)
    return supersede_reminders(event["data"]["booking_id"])
