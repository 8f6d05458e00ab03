"""The facilitator's desk as plain functions: when one may check in or record an outcome, what
a cancellation needs, which outcome is which status, the planning's window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from contracts.booking import (
    CHECK_IN_OPENS_MINUTES,
    PLANNING_MAX_DAYS,
    CancelIn,
    CheckInClosed,
    Outcome,
    OutcomeTooEarly,
    PlanningRangeTooLong,
    ReasonRequired,
)
from contracts.errors import ValidationFailed
from services.common.validation import parse

from . import states

# ``seen`` is the person's coming, stored as a check-in.
OUTCOME_STATUS = {
    Outcome.seen: states.CHECKED_IN,
    Outcome.no_show: states.NO_SHOW,
    Outcome.excused: states.EXCUSED,
}
# An outcome is recorded on a confirmed booking, or corrects another outcome.
OPEN_FOR_OUTCOME = frozenset({states.CONFIRMED}) | states.OUTCOMES


def as_utc(moment: datetime) -> datetime:
    """Stored datetimes come back naive (UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cancel_reason(payload: dict | None, *, staff: bool, owner: bool) -> str | None:
    """The reason of a cancellation: required when staff cancel someone else's booking (the
    person is told why); the owner may give none."""
    reason = parse(CancelIn, payload or {}).reason
    if staff and not owner and not reason:
        raise ReasonRequired(
            "a reason is required to cancel someone else's booking", field="reason"
        )
    return reason


def check_in_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return as_utc(start) - timedelta(minutes=CHECK_IN_OPENS_MINUTES), as_utc(end)


def check_check_in(start: datetime, end: datetime, now: datetime) -> None:
    """One checks in from ``CHECK_IN_OPENS_MINUTES`` before the start until the end."""
    opens, closes = check_in_window(start, end)
    if not opens <= now < closes:
        raise CheckInClosed(
            "check-in is open from shortly before the start until the end",
            opens=opens.isoformat(),
            closes=closes.isoformat(),
        )


def check_outcome(start: datetime, now: datetime) -> None:
    """An outcome is recorded once the booking has begun."""
    if now < as_utc(start):
        raise OutcomeTooEarly(
            "the outcome is recorded once the booking has begun", start=as_utc(start).isoformat()
        )


def planning_window(day: str | None, days: int, timezone: str, now: datetime) -> tuple:
    """(start, end) in UTC of ``days`` days from ``day`` (YYYY-MM-DD; today by default) in the
    place's time zone."""
    if not 1 <= days <= PLANNING_MAX_DAYS:
        raise PlanningRangeTooLong(
            f"the planning covers 1 to {PLANNING_MAX_DAYS} days", max_days=PLANNING_MAX_DAYS
        )
    zone = ZoneInfo(timezone)
    try:
        first = date.fromisoformat(day) if day else now.astimezone(zone).date()
    except ValueError:
        raise ValidationFailed("the date must read YYYY-MM-DD", field="date") from None
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(first + timedelta(days=days), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)
