"""The funders' figures of a month as pure functions: which bookings count, how many hours a
resource was open and booked, unique visitors, and the small counts grouped for whoever may
only read aggregates. ``services/booking/figures.py`` reads the documents and calls these.

A month is a calendar month in each resource's time zone (Europe/Paris by default): October
2026 there has 745 hours (the 25th has 25). A booking's hours are the part of it inside the
month **and** inside the resource's opening hours minus its closures (a day booking of a
desk open 9–17 counts 8 hours, not 24), times its seats. A resource without opening hours
counts as open around the clock (``open_hours_known`` false: the page says so), the
closures still taken out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from contracts.booking import BadMonth, ResourceSettings

from . import settings as resource_rules
from . import states

# The outcomes recorded after the start (the desk's check-in and outcome, states.py).
CHECKED_IN = states.CHECKED_IN  # « vu » : the person came
NO_SHOW = states.NO_SHOW
EXCUSED = states.EXCUSED
# A booking counts as booked — its hours, its visitor — in these states. A booking still
# awaiting approval holds its seats but was not granted: counted apart, not booked.
BOOKED = (states.CONFIRMED, CHECKED_IN, NO_SHOW, EXCUSED)
OUTCOMES = (*BOOKED, states.CANCELLED, states.AWAITING_APPROVAL)
READ = frozenset(OUTCOMES)  # held, waitlisted and rejected bookings are no one's visit

ONLINE = "online"  # the person booked for themselves
ON_BEHALF = "on_behalf"  # a manager booked for them
CHANNELS = (ONLINE, ON_BEHALF)

# Visitors by audience or commune: a bucket of fewer than SMALL visitors could point at a
# person in a village; for anyone who is not a manager of the place or territory staff they
# are added together under GROUPED. UNKNOWN (not given, or no consent) is never grouped.
SMALL = 3
GROUPED = "grouped"
UNKNOWN = "unknown"

MONTH = re.compile(r"^(2\d{3})-(0[1-9]|1[0-2])$")

Period = tuple[datetime, datetime]


def this_month(now: datetime, tz: ZoneInfo = ZoneInfo("Europe/Paris")) -> str:
    """The month ``now`` falls in, where the territory is (the default month asked)."""
    return now.astimezone(tz).strftime("%Y-%m")


def parse_month(value: str | None) -> tuple[int, int]:
    """``YYYY-MM`` as (year, month); ``BadMonth`` otherwise."""
    found = MONTH.match(value or "")
    if not found:
        raise BadMonth("a month is written YYYY-MM", field="month", value=value)
    return int(found[1]), int(found[2])


def month_bounds(month: str, tz: ZoneInfo) -> Period:
    """The month as UTC instants: local midnight of its first day to the next month's."""
    year, number = parse_month(month)
    after = (year + 1, 1) if number == 12 else (year, number + 1)
    start = datetime(year, number, 1, tzinfo=tz)
    end = datetime(*after, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def months_of(start: datetime, end: datetime, tz: ZoneInfo) -> list[str]:
    """Every local calendar month [start, end) overlaps (a booking is at most 14 days)."""
    first = start.astimezone(tz)
    last = (end.astimezone(tz)).replace(tzinfo=None)
    year, number = first.year, first.month
    found = []
    while True:
        found.append(f"{year:04d}-{number:02d}")
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
        if datetime(year, number, 1) >= last:
            return found


def month_keys(start: datetime, end: datetime, tz: ZoneInfo, place_id: str) -> list[str]:
    """What a booking is indexed by for the figures: ``2026-11`` (the territory's month) and
    ``2026-11:<place_id>`` (the place's), for each month it overlaps. One multikey index, one
    equality per read: no range, no ``$or`` (SecantusDB would scan the collection)."""
    return [key for m in months_of(start, end, tz) for key in (m, place_key(m, place_id))]


def place_key(month: str, place_id: str) -> str:
    return f"{month}:{place_id}"


def _clip(periods: Iterable[Period], lo: datetime, hi: datetime) -> list[Period]:
    return [(max(a, lo), min(b, hi)) for a, b in periods if a < hi and lo < b]


def _minus(periods: list[Period], holes: Iterable[Period]) -> list[Period]:
    for h_lo, h_hi in holes:
        kept: list[Period] = []
        for a, b in periods:
            if b <= h_lo or h_hi <= a:
                kept.append((a, b))
                continue
            if a < h_lo:
                kept.append((a, h_lo))
            if h_hi < b:
                kept.append((h_hi, b))
        periods = kept
    return periods


def open_periods(settings: ResourceSettings, month: str) -> list[Period]:
    """When the resource was open during the month (UTC), closures taken out."""
    tz = resource_rules.zone(settings)
    lo, hi = month_bounds(month, tz)
    opened = resource_rules.open_periods(settings.opening_hours, tz, lo, hi)
    closures = [(c.start.astimezone(UTC), c.end.astimezone(UTC)) for c in settings.closures]
    return _minus(_clip(opened, lo, hi), closures)


def minutes_in(start: datetime, end: datetime, periods: Iterable[Period]) -> int:
    """How many minutes of [start, end) fall inside the periods (disjoint)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    seconds = sum((b - a).total_seconds() for a, b in _clip(periods, start, end))
    return round(seconds / 60)


def total_minutes(periods: Iterable[Period]) -> int:
    return round(sum((b - a).total_seconds() for a, b in periods) / 60)


@dataclass(frozen=True)
class Entry:
    """One booking as the figures read it (no name, no address kept beyond the dedup keys)."""

    id: str
    resource_id: str
    place_id: str
    start: datetime
    end: datetime
    seats: int
    status: str
    audience: str | None = None
    commune: str | None = None
    channel: str | None = None
    # Who, for unique visitors only: never shown.
    member_id: str | None = None
    email_key: str | None = None
    phone: str | None = None
    visitor: str | None = None  # an erased member's anonymous token

    @property
    def booked(self) -> bool:
        return self.status in BOOKED


@dataclass(frozen=True)
class Room:
    """A resource as the figures read it."""

    id: str
    place_id: str
    name: str
    kind: str
    seats: int
    settings: ResourceSettings


def visitors(entries: list[Entry]) -> dict[str, str]:
    """Booking id → visitor id: bookings sharing a member id, an address, a phone or an
    erased member's token are one visitor (a manager booked for Marceline by her address,
    then she booked herself signed in: one person). A booking with none of them is one
    visitor on its own."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for entry in entries:
        phone = "".join(c for c in entry.phone or "" if c.isdigit()) or None
        keys = [
            f"{kind}:{value}"
            for kind, value in (
                ("m", entry.member_id),
                ("e", entry.email_key),
                ("p", phone),
                ("v", entry.visitor),
            )
            if value
        ]
        node = f"b:{entry.id}"
        for key in keys:
            parent[root(key)] = root(node)
        root(node)
    return {entry.id: root(f"b:{entry.id}") for entry in entries}


def grouped(counts: dict[str, int], detailed: bool) -> dict[str, int]:
    """The buckets as they are for whoever may see them whole; otherwise those of fewer than
    ``SMALL`` visitors added together under ``GROUPED`` (``UNKNOWN`` stays)."""
    if detailed:
        return dict(sorted(counts.items()))
    shown: dict[str, int] = {}
    for key, count in sorted(counts.items()):
        if key != UNKNOWN and count < SMALL:
            shown[GROUPED] = shown.get(GROUPED, 0) + count
        else:
            shown[key] = count
    return shown


def booked_minutes(entry: Entry, opened: list[Period]) -> int:
    """Seat-minutes of a booking counted in the month: inside the month's open periods."""
    return minutes_in(entry.start, entry.end, opened) * entry.seats


def opening(month: str, rooms: list[Room]) -> dict[str, list[Period]]:
    """Each room's open periods of the month (the costly part: computed once per read)."""
    return {room.id: open_periods(room.settings, month) for room in rooms}


def summary(
    month: str,
    rooms: list[Room],
    entries: list[Entry],
    detailed: bool,
    opened: dict[str, list[Period]] | None = None,
) -> dict[str, object]:
    """The aggregates of ``entries`` (already those of the month) over ``rooms``;
    ``opened``: ``opening(month, rooms)`` if already known."""
    opened = opened if opened is not None else opening(month, rooms)
    by_room = {room.id: room for room in rooms}
    entries = [e for e in entries if e.status in READ and e.resource_id in by_room]
    booked = [e for e in entries if e.booked]
    minutes = {e.id: booked_minutes(e, opened[e.resource_id]) for e in booked}
    who = visitors(booked)
    # Each visitor's audience and commune: their latest booking of the month that says.
    profile: dict[str, dict[str, str]] = defaultdict(dict)
    for entry in sorted(booked, key=lambda e: (e.start, e.id)):
        for field in ("audience", "commune"):
            value = getattr(entry, field)
            if value:
                profile[who[entry.id]][field] = value
    audience: dict[str, int] = defaultdict(int)
    commune: dict[str, int] = defaultdict(int)
    for visitor in set(who.values()):
        audience[profile[visitor].get("audience", UNKNOWN)] += 1
        commune[profile[visitor].get("commune", UNKNOWN)] += 1
    resources = []
    for room in rooms:
        mine = [e for e in booked if e.resource_id == room.id]
        open_minutes = total_minutes(opened[room.id])
        taken = sum(minutes[e.id] for e in mine)
        capacity = open_minutes * room.seats
        resources.append(
            {
                "resource_id": room.id,
                "place_id": room.place_id,
                "name": room.name,
                "kind": room.kind,
                "seats": room.seats,
                "open_hours": hours(open_minutes),
                "open_hours_known": room.settings.opening_hours is not None,
                "hours_booked": hours(taken),
                "occupancy": round(taken / capacity, 4) if capacity else None,
                "bookings": len(mine),
            }
        )
    return {
        "month": month,
        "detailed": detailed,
        "bookings": len(booked),
        "hours_booked": hours(sum(minutes.values())),
        "visitors": len(set(who.values())),
        "visitors_by_audience": grouped(dict(audience), detailed),
        "visitors_by_commune": grouped(dict(commune), detailed),
        "outcomes": {status: sum(e.status == status for e in entries) for status in OUTCOMES},
        "channels": {c: sum(e.channel == c for e in booked) for c in CHANNELS},
        "resources": resources,
    }


def hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def rows(month: str, rooms: list[Room], entries: list[Entry]) -> list[dict[str, object]]:
    """One row per booking read for the month (booked, cancelled, awaiting approval), in
    order of start: no name, no contact; ``visitor`` numbers the people of this month only
    (``V1``, ``V2``…) so that unique visitors can be counted from the rows; ``hours`` is what
    the aggregates count (seat-hours inside the month's open hours; 0 unless booked)."""
    opened = {room.id: open_periods(room.settings, month) for room in rooms}
    by_room = {room.id: room for room in rooms}
    entries = sorted(
        (e for e in entries if e.status in READ and e.resource_id in by_room),
        key=lambda e: (e.start, e.id),
    )
    who = visitors([e for e in entries if e.booked])
    numbers: dict[str, str] = {}
    found = []
    for entry in entries:
        room = by_room[entry.resource_id]
        tz = resource_rules.zone(room.settings)
        visitor = ""
        if entry.booked:
            visitor = numbers.setdefault(who[entry.id], f"V{len(numbers) + 1}")
        found.append(
            {
                "date": entry.start.astimezone(tz).date().isoformat(),
                "start": entry.start.astimezone(tz).isoformat(),
                "end": entry.end.astimezone(tz).isoformat(),
                "place_id": entry.place_id,
                "resource_id": room.id,
                "resource": room.name,
                "kind": room.kind,
                "seats": entry.seats,
                "hours": hours(booked_minutes(entry, opened[room.id])) if entry.booked else 0.0,
                "status": entry.status,
                "audience": entry.audience or "",
                "commune": entry.commune or "",
                "channel": entry.channel or "",
                "visitor": visitor,
            }
        )
    return found
