"""Workshops as pure functions: when one is open to answers, what its deadline decides, where
a member stands in line, and the organiser's participants as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from contracts.booking import StartInPast
from contracts.errors import ValidationFailed

OPEN = ("scheduled", "confirmed")  # takes RSVPs until its start
CONFIRMED, SCHEDULED, CANCELLED = "confirmed", "scheduled", "cancelled"
BY_ORGANISER, MINIMUM_NOT_REACHED = "organiser", "minimum_not_reached"


def initial_status(min_participants: int) -> str:
    """A workshop with a minimum waits for its deadline (``scheduled``); without, it takes
    place (``confirmed``) from the start."""
    return SCHEDULED if min_participants > 0 else CONFIRMED


def open_to_answers(status: str, start: datetime, now: datetime) -> bool:
    """RSVPs (and their cancellation) are taken while it is not cancelled and not started."""
    return status in OPEN and now < start


def check_new_times(start: datetime, deadline: datetime | None, now: datetime) -> None:
    """A workshop is moved to a time to come, after its deadline when one still waits (the
    minimum is decided before it takes place)."""
    if start <= now:
        raise StartInPast("a workshop is moved to a time to come", field="start")
    if deadline is not None and deadline > start:
        raise ValidationFailed("the deadline must come before the start", field="start")


def deadline_outcome(taken: int, min_participants: int) -> str:
    """At the deadline: ``confirmed`` when the minimum is reached, else ``cancelled``."""
    return CONFIRMED if taken >= min_participants else CANCELLED


def position(created: Iterable[tuple[datetime, str]], mine: tuple[datetime, str]) -> int:
    """1-based place in the waiting line, first come first served (ties by id)."""
    return 1 + sum(1 for other in created if other < mine)


def attendance_counts(attended: Iterable[bool]) -> dict[str, int]:
    """Registered (confirmed at the time), present and absent, as the funders count them."""
    marks = list(attended)
    present = sum(1 for mark in marks if mark)
    return {"registered": len(marks), "present": present, "absent": len(marks) - present}


CSV_HEADER = ("name", "email", "status", "registered_at", "present")


def participants_csv(rows: Iterable[dict]) -> str:
    """The organiser's export: one line per live RSVP, confirmed first (``;`` separated,
    as French spreadsheets open it). Cells starting with ``= + - @`` are quoted with ``'``
    so that a spreadsheet never runs a name as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    order = {"confirmed": 0, "waitlisted": 1}
    for row in sorted(rows, key=lambda r: (order.get(r["status"], 2), r.get("created_at") or "")):
        attended = row.get("attended")
        writer.writerow(
            [
                _cell(row.get("name") or ""),
                _cell(row.get("email") or ""),
                row["status"],
                row.get("created_at") or "",
                "" if attended is None else ("yes" if attended else "no"),
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
