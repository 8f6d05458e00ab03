"""Seats held per quarter hour, enforced by the database itself, one document per UTC day.

A resource's day document (``capacity_days``) has ``_id = "<resource_id>:<YYYY-MM-DD>"``
(UTC day), a sub-document ``q`` of counters keyed by quarter index (``"36"`` is 09:00 UTC;
a missing counter is 0) and ``holds: [{booking_id, seats, from, to}]`` (quarters
``from`` ≤ i < ``to`` of that day). A booking's part within one day is ONE conditional
update: it matches only while every quarter it touches has room (``$not $gt``, so that a
missing counter matches) and the booking holds nothing there yet, and ``$inc``s them all.
Retries are harmless, two concurrent requests can never both take the last seat, and a
room for a day costs one write instead of ~40. Counting in UTC quarters makes the model
independent of the resource's unit and time zone (they may change under existing bookings).

Reads go through ``_id $in``: SecantusDB serves an ``_id`` range by a collection scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from .models import CapacityDay

QUARTER = timedelta(minutes=15)
QUARTERS_PER_DAY = 96


def _collection() -> Collection:
    return CapacityDay._get_collection()


def day_id(resource_id: str, day: date) -> str:
    return f"{resource_id}:{day.isoformat()}"


def quarter_of(slot: datetime) -> tuple[date, int]:
    """The UTC day of a quarter-hour slot and its index in that day (0..95)."""
    utc = slot.astimezone(UTC)
    return utc.date(), utc.hour * 4 + utc.minute // 15


def slot_at(day: date, quarter: int) -> datetime:
    return datetime.combine(day, time(tzinfo=UTC)) + quarter * QUARTER


def by_day(slots: Iterable[datetime]) -> dict[date, list[int]]:
    """The slots' quarter indexes grouped by UTC day, days in order."""
    days: dict[date, list[int]] = {}
    for slot in slots:
        day, quarter = quarter_of(slot)
        days.setdefault(day, []).append(quarter)
    return dict(sorted(days.items()))


def hold_day(
    resource_id: str, day: date, quarters: list[int], booking_id: str, seats: int, capacity: int
) -> bool:
    """Take ``seats`` in the given quarters of one day for a booking, in one conditional
    update; True when held (now or by an earlier try)."""
    if seats > capacity:
        # The upsert below would create a new day whatever its filter says about room.
        return False
    coll = _collection()
    key = day_id(resource_id, day)
    room = {
        "_id": key,
        "holds.booking_id": {"$ne": booking_id},
        **{f"q.{q}": {"$not": {"$gt": capacity - seats}} for q in quarters},
    }
    hold = {
        "booking_id": booking_id,
        "seats": seats,
        "from": min(quarters),
        "to": max(quarters) + 1,
    }
    take = {"$inc": {f"q.{q}": seats for q in quarters}, "$push": {"holds": hold}}
    try:
        # A day seen for the first time is created by this upsert, with our hold in it.
        coll.update_one(
            room,
            {**take, "$setOnInsert": {"resource_id": resource_id, "day": day.isoformat()}},
            upsert=True,
        )
        return True
    except DuplicateKeyError:
        pass  # the day exists and did not match: full, already ours, or created just now
    # The day exists now, so this conditional update's answer is final.
    return coll.update_one(room, take).modified_count == 1 or _holds(key, booking_id)


def _holds(key: str, booking_id: str) -> bool:
    return (
        _collection().find_one({"_id": key, "holds.booking_id": booking_id}, {"_id": 1}) is not None
    )


def release_day(resource_id: str, day: date, booking_id: str) -> None:
    """Give back what a booking holds on one day, as it was taken (its stored hold)."""
    coll = _collection()
    key = day_id(resource_id, day)
    doc = coll.find_one({"_id": key, "holds.booking_id": booking_id}, {"holds": 1})
    if doc is None:
        return
    hold = next(h for h in doc["holds"] if h["booking_id"] == booking_id)
    coll.update_one(
        {"_id": key, "holds.booking_id": booking_id},  # matches once: retries change nothing
        {
            "$inc": {f"q.{q}": -hold["seats"] for q in range(hold["from"], hold["to"])},
            "$pull": {"holds": {"booking_id": booking_id}},
        },
    )


def hold_all(
    resource_id: str, slots: list[datetime], booking_id: str, seats: int, capacity: int
) -> bool:
    """Hold every slot or none, one write per UTC day: on the first full day, release what
    this call took, in reverse."""
    held: list[date] = []
    for day, quarters in by_day(slots).items():
        if not hold_day(resource_id, day, quarters, booking_id, seats, capacity):
            for taken in reversed(held):
                release_day(resource_id, taken, booking_id)
            return False
        held.append(day)
    return True


def release_all(resource_id: str, slots: list[datetime], booking_id: str) -> None:
    for day in by_day(slots):
        release_day(resource_id, day, booking_id)


# ``$in`` lists this long at most per query.
IN_BATCH = 1000


def _counters(keys: list[str]) -> dict[str, dict[str, int]]:
    """The counters of the day documents among ``keys`` that exist, by ``_id``."""
    found: dict[str, dict[str, int]] = {}
    for i in range(0, len(keys), IN_BATCH):
        for doc in _collection().find({"_id": {"$in": keys[i : i + IN_BATCH]}}, {"q": 1}):
            found[doc["_id"]] = doc.get("q") or {}
    return found


def _loads(resource_id: str, days: Iterable[date]) -> dict[date, dict[str, int]]:
    """The counters of the given days that exist (through the read-ahead, when one is on)."""
    ids = {day_id(resource_id, day): day for day in days}
    ahead = _READ_AHEAD.get()
    found = ahead.counters(resource_id, list(ids)) if ahead else _counters(list(ids))
    return {ids[key]: counters for key, counters in found.items() if counters}


# Day documents asked in one ``_id $in`` by the read-ahead: on SecantusDB a round trip costs
# ~0.3 ms and an ``_id $in`` more than linearly in its length (8 ids 0.65 ms, 36 ids 2.4 ms,
# 144 ids 26 ms; ``bench/secantus_in_batches.py``): two dozen ids is near the cheapest per id.
READ_AHEAD_IDS = 24


class ReadAhead:
    """Day documents read for a whole search rather than one resource's few slots at a time.

    A search asks ``taken_by_slot`` for one resource's next few units, resource after
    resource in an order it knows beforehand (``resource_ids``). On a miss, what it will
    likely ask next is read in the same ``_id $in``, up to ``READ_AHEAD_IDS`` ids (the
    missing ones always whole): the same days of the next resources (a territory stops at a
    place's first free day), or, given ``window`` (UTC days; a place's page reads every
    unit), this resource's later days of the window, then the next resources' days. Every
    day read is kept, as read, for the rest of the search: its answers are those of one
    reading taken at once. Reads only: ``hold_day`` never consults it.
    """

    def __init__(self, resource_ids: list[str], window: list[date] | None = None):
        self.order = list(dict.fromkeys(resource_ids))
        self.position = {rid: i for i, rid in enumerate(self.order)}
        self.window = [day.isoformat() for day in window or []]
        self.days: dict[str, dict[str, int]] = {}
        self.queries = 0

    def counters(self, resource_id: str, keys: list[str]) -> dict[str, dict[str, int]]:
        missing = [key for key in keys if key not in self.days]
        if missing:
            self._read(resource_id, missing)
        return {key: self.days[key] for key in keys}

    def _ahead(self, resource_id: str, days: list[str]) -> Iterator[str]:
        others = self.order[self.position.get(resource_id, len(self.order)) + 1 :]
        if not self.window:
            yield from (f"{other}:{day}" for other in others for day in days)
            return
        yield from (f"{resource_id}:{day}" for day in self.window if day > max(days))
        yield from (f"{other}:{day}" for other in others for day in self.window)

    def _read(self, resource_id: str, missing: list[str]) -> None:
        wanted = list(missing)
        days = [key.rsplit(":", 1)[1] for key in missing]
        for key in self._ahead(resource_id, days):
            if len(wanted) >= READ_AHEAD_IDS:
                break
            if key not in self.days and key not in wanted:
                wanted.append(key)
        found = _counters(wanted)
        self.queries += -(-len(wanted) // IN_BATCH)
        for key in wanted:
            self.days[key] = found.get(key, {})


_READ_AHEAD: ContextVar[ReadAhead | None] = ContextVar("capacity_read_ahead", default=None)


@contextmanager
def read_ahead(resource_ids: list[str], window: list[date] | None = None) -> Iterator[ReadAhead]:
    """Within this block (this greenlet or thread), ``taken_by_slot`` reads through a
    ``ReadAhead`` over ``resource_ids``, in that order (``window``: see ``ReadAhead``)."""
    ahead = ReadAhead(resource_ids, window)
    token = _READ_AHEAD.set(ahead)
    try:
        yield ahead
    finally:
        _READ_AHEAD.reset(token)


def taken_by_slot(resource_id: str, slots: list[datetime]) -> dict[datetime, int]:
    """Seats taken per slot (UTC start) among ``slots``; slots no one holds are absent."""
    wanted = by_day(slots)
    loads = _loads(resource_id, wanted)
    taken: dict[datetime, int] = {}
    for day, quarters in wanted.items():
        counters = loads.get(day, {})
        for q in quarters:
            if counters.get(str(q)):
                taken[slot_at(day, q)] = counters[str(q)]
    return taken


def holders(resource_ids: list[str], slots: list[datetime]) -> set[str]:
    """The ids of the bookings holding seats in any of ``slots`` on these resources: the
    holds of their day documents (``_id $in``) whose quarters meet the slots'."""
    wanted = by_day(slots)
    keys = {day_id(rid, day): quarters for rid in resource_ids for day, quarters in wanted.items()}
    ids = list(keys)
    found: set[str] = set()
    for i in range(0, len(ids), IN_BATCH):
        for doc in _collection().find({"_id": {"$in": ids[i : i + IN_BATCH]}}, {"holds": 1}):
            quarters = keys[doc["_id"]]
            lo, hi = min(quarters), max(quarters) + 1
            found.update(
                hold["booking_id"]
                for hold in doc.get("holds") or []
                if hold["from"] < hi and lo < hold["to"]
            )
    return found


def seats_taken(resource_id: str, slots: list[datetime]) -> int:
    """The highest number of seats taken over the given slots."""
    return max(taken_by_slot(resource_id, slots).values(), default=0)


def first_day_above(resource_id: str, since: datetime, limit: int) -> tuple[date, int] | None:
    """The first UTC day where more than ``limit`` seats are taken in some quarter from
    ``since`` on, with that count; None when there is none. One indexed equality on
    ``resource_id`` (a resource has one document per booked day), filtered here."""
    first_day, first_quarter = quarter_of(since)
    found: tuple[date, int] | None = None
    for doc in _collection().find({"resource_id": resource_id}, {"q": 1, "day": 1}):
        day = date.fromisoformat(doc["day"])
        if day < first_day or (found is not None and day >= found[0]):
            continue
        counters = (doc.get("q") or {}).items()
        top = max((n for q, n in counters if day > first_day or int(q) >= first_quarter), default=0)
        if top > limit:
            found = (day, top)
    return found
