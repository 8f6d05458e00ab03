"""A permanence's slots as pure functions: the rule's openings (OSM ``opening_hours``, the
same parser and syntax as resources' opening hours), cut by a motif's duration, outside the
agent's closures, within the motif's minimum and maximum booking delay; and the seats a
motif's appointment takes of the agent's time.

Openings are found by local wall time (``settings.open_periods``), then cut in real time: a
morning that spans a DST change (2026-03-29, 2026-10-25 in Europe/Paris) holds as many
appointments as it really lasts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from contracts.booking import (
    AppointmentTooFar,
    AppointmentTooSoon,
    Closure,
    MotifIn,
)

from .settings import Period, open_periods


def openings(rule: str, tz: ZoneInfo, start: datetime, end: datetime) -> list[Period]:
    """The rule's openings (UTC) overlapping [start, end)."""
    return [(a, b) for a, b in open_periods(rule, tz, start, end) if a < end and start < b]


def cut(periods: list[Period], minutes: int) -> list[Period]:
    """Each opening cut into consecutive appointments of ``minutes`` from its start; a
    remainder too short for one is left out."""
    length = timedelta(minutes=minutes)
    found = []
    for lo, hi in periods:
        current = lo
        while current + length <= hi:
            found.append((current, current + length))
            current += length
    return found


def outside_closures(slots: list[Period], closures: list[Closure]) -> list[Period]:
    return [s for s in slots if not any(c.start < s[1] and s[0] < c.end for c in closures)]


def earliest(motif: MotifIn, now: datetime) -> datetime:
    return now + timedelta(hours=motif.min_delay_hours)


def latest(motif: MotifIn, now: datetime) -> datetime:
    return now + timedelta(days=motif.max_delay_days)


def motif_slots(
    rule: str,
    tz: ZoneInfo,
    closures: list[Closure],
    motif: MotifIn,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[Period]:
    """The motif's appointments starting in [start, end) that may be booked at ``now``."""
    # Openings that began before ``start`` still cut from their own start.
    slots = outside_closures(cut(openings(rule, tz, start, end), motif.duration_minutes), closures)
    lo, hi = max(start, earliest(motif, now)), min(end, latest(motif, now))
    return [s for s in slots if lo <= s[0] < end and s[0] <= hi]


def check_delays(motif: MotifIn, start: datetime, now: datetime) -> None:
    if start < earliest(motif, now):
        raise AppointmentTooSoon(
            f"this motif is booked at least {motif.min_delay_hours} hours ahead",
            field="start",
            min_delay_hours=motif.min_delay_hours,
        )
    if start > latest(motif, now):
        raise AppointmentTooFar(
            f"this motif is booked at most {motif.max_delay_days} days ahead",
            field="start",
            max_delay_days=motif.max_delay_days,
        )


def seats_of(motif: MotifIn, unit: int) -> int:
    """The agent's seats one appointment of ``motif`` takes: all of them for an individual
    motif, ``unit / N`` for a place in a group session of N."""
    return unit // motif.capacity


def places_left(motif: MotifIn, unit: int, taken: int) -> int:
    return (unit - taken) // seats_of(motif, unit)
