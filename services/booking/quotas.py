"""Fair use (issue 8): a member's limits across every place of the territory, checked by
``commands.create_booking`` before any seat is held.

``Settings.quota_hours_per_week`` (hours booked in one ISO week) and
``quota_active_bookings`` (bookings not yet ended); None: no limit. Counted by ``member_id``
(one indexed equality) over the bookings that hold or may take seats (held, awaiting
approval, offered, confirmed, outcomes), wherever they are. Only a member booking for
themselves is limited: a manager booking for someone is not held to their own quota, and
such a booking (made for a name and an address, no account id) counts for nobody.

Not a counter under a lock: two requests of one member at the same instant may both pass
and overshoot by one booking. A person books one thing at a time (a double click is one
request: same Idempotency-Key), so a fair-use limit may tolerate that; the seats themselves
never overbook (capacity).
"""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.booking import BookingIn, QuotaActiveExceeded, QuotaHoursExceeded
from services.common.config import container_settings

from . import access
from .models import Booking
from .rules import quotas as rule
from .rules import states

COUNTED = states.HOLDS_SEATS


def check(data: BookingIn, person: access.Booker, key: str, now: datetime) -> None:
    """Refuse a booking that would pass the member's limits; a retry of a booking already
    made with ``key`` is never refused (it answers the same booking)."""
    settings = container_settings()
    limit_hours, limit_active = settings.quota_hours_per_week, settings.quota_active_bookings
    if not person.member_id or (limit_hours is None and limit_active is None):
        return
    if Booking.objects(idempotency_key=key).only("id").first() is not None:
        return
    mine = [
        rule.Counted(b.start, b.end, b.utc_offset_minutes or 0)
        for b in Booking.objects(member_id=person.member_id)
        if b.status in COUNTED
    ]
    mine = [rule.Counted(_utc(c.start), _utc(c.end), c.utc_offset_minutes) for c in mine]
    if limit_active is not None:
        active = rule.active(mine, now)
        if active >= limit_active:
            raise QuotaActiveExceeded(
                f"at most {limit_active} bookings to come", limit=limit_active, active=active
            )
    if limit_hours is not None:
        offset = int(data.start.utcoffset().total_seconds() // 60)
        week = rule.week_of(data.start, offset)
        booked = rule.hours_in_week(mine, week)
        requested = rule.hours(rule.Counted(data.start, data.end))
        if booked + requested > limit_hours:
            raise QuotaHoursExceeded(
                f"at most {limit_hours} hours a week",
                limit=limit_hours,
                booked=round(booked, 2),
                requested=round(requested, 2),
                week=week,
            )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
