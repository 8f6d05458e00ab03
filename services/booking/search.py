"""Availability beyond one resource: every resource of a place, the places of the territory
with a free unit of a kind ("a desk on Thursday within 20 km of Nyons"), and whether a place
can be booked at all in the next days.

How it reads, so that a territory costs a few queries rather than one per quarter hour per
resource: the resources of the kind in one query, the places (name, commune, point: booking's
projection of the directory, no call to it) in one ``_id $in``; the places are put in order
(distance or name) before any seat is read; then each place is scanned a local day at a time,
its resources' open units computed once per day (opening hours parsed once) and their seats
read with one ``capacity.taken_by_slot`` per resource and day, stopping at the first day with
a free unit and at the page's last place (plus one, to know whether a next page exists).
Those calls read through ``capacity.read_ahead``: a day missing is read with the same day of
the next resources in that order, in one ``_id $in`` (a page costs a few reads, not one per
resource and day).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from contracts.booking import (
    BOOKABLE_MAX_DAYS,
    SEARCH_FIRST_FREE,
    IncompletePoint,
    RadiusWithoutPoint,
    ResourceSettings,
    SearchQuery,
)
from contracts.errors import ValidationFailed

from . import capacity
from .models import KnownPlace, Resource
from .rules import availability as free
from .rules import residents, search
from .rules.periods import slots

# Slots asked at once (see ``_taken``).
SEATS_BATCH = 8
# The territory's scan asks a local day at a time (25 hours at most, across a DST change):
# the open units of such windows are remembered (``_open_units``: 256 days of at most 100
# units, a few MB); a longer window is computed each time.
ONE_DAY = timedelta(hours=25)
# Dates in a territory search are read in this zone (a resource's own applies per resource).
SEARCH_SETTINGS = ResourceSettings()


def _open(
    resource: Resource,
    settings: ResourceSettings,
    lo: datetime,
    hi: datetime,
    seats: int,
    now: datetime,
) -> list:
    """The resource's units in [lo, hi) one could book at ``now``, seats aside (no read);
    none when the resource has fewer than ``seats`` seats open to drop-in bookings (a desk
    pool's resident seats are not booked by the hour: ``Resource.drop_in_seats``)."""
    if seats > resource.drop_in_seats():
        return []
    if hi - lo > ONE_DAY:  # a place's whole window: asked once per resource, not kept
        return free.open_units(settings, lo, hi, now)
    return list(_open_units(settings.model_dump_json(), lo, hi, now))


@lru_cache(maxsize=256)
def _open_units(settings: str, lo: datetime, hi: datetime, now: datetime) -> tuple:
    """``open_units`` of the rules (as JSON), computed once for resources that share them:
    a place's desk pools usually do, and a territory's page asks each of them the same day.
    A pure function of its arguments (``now`` among them), so remembering it changes no
    answer."""
    return tuple(free.open_units(ResourceSettings.model_validate_json(settings), lo, hi, now))


def _taken(resource_id: str, wanted: list) -> dict:
    """Seats taken per slot, asked ``SEATS_BATCH`` slots at a time: on SecantusDB an
    ``_id $in`` costs more than linearly in its length (45k documents: 8 ids 0.65 ms, 36 ids
    2.4 ms, 144 ids 26 ms; ``bench/secantus_in_batches.py``), and the search seldom needs
    more than the first few units of a day."""
    taken: dict = {}
    for i in range(0, len(wanted), SEATS_BATCH):
        taken.update(capacity.taken_by_slot(resource_id, wanted[i : i + SEATS_BATCH]))
    return taken


def _seated(resource: Resource, units: list, seats: int, need: int | None = None) -> list[dict]:
    """Those of ``units`` with ``seats`` seats left, read a few units at a time and no
    further once ``need`` of them are found (None: all)."""
    found: list[dict] = []
    i = 0
    while i < len(units) and (need is None or len(found) < need):
        batch, wanted = [], []
        while i < len(units) and (not batch or len(wanted) + len(slots(*units[i])) <= SEATS_BATCH):
            batch.append(units[i])
            wanted += slots(*units[i])
            i += 1
        taken = _taken(str(resource.id), wanted)
        found += [
            f
            for f in free.free_units(batch, resource.drop_in_seats(), taken)
            if f["seats_left"] >= seats
        ]
    return found if need is None else found[:need]


def _local(moment: datetime, settings: ResourceSettings) -> str:
    return moment.astimezone(free.rules.zone(settings)).isoformat()


def place_availability(
    place_id: str,
    start: str | None,
    end: str | None,
    kind: str | None = None,
    seats: int = 1,
    now: datetime | None = None,
) -> dict:
    """Every resource of the place (of ``kind``) and its free units with ``seats`` seats
    left, each in its own time zone, as ``queries.availability`` answers for one."""
    now = now or datetime.now(UTC)
    lo, hi = free.window(start, end, SEARCH_SETTINGS, now)  # refuses a bad window first
    query = Resource.objects(place_id=place_id)
    if kind:
        query = query.filter(kind=kind)
    found = list(query.order_by("created_at"))
    with capacity.read_ahead([str(r.id) for r in found], _utc_days(lo, hi)):
        resources = [_availability_of(r, start, end, seats, now) for r in found]
    return {
        "place_id": place_id,
        "start": _local(lo, SEARCH_SETTINGS),
        "end": _local(hi, SEARCH_SETTINGS),
        "resources": resources,
    }


def _utc_days(lo: datetime, hi: datetime) -> list:
    """The UTC days a window in any resource's zone may touch (a day's margin each side)."""
    first = lo.astimezone(UTC).date() - timedelta(days=1)
    return [first + timedelta(days=n) for n in range((hi - lo).days + 3)]


def _availability_of(
    resource: Resource, start: str | None, end: str | None, seats: int, now: datetime
) -> dict:
    """One resource's free units in the window, in its own time zone."""
    settings = resource.rules()
    r_lo, r_hi = free.window(start, end, settings, now)
    units = _open(resource, settings, r_lo, r_hi, seats, now)
    return {
        "resource_id": str(resource.id),
        "name": resource.name,
        "kind": resource.kind,
        "timezone": settings.timezone,
        "unit": settings.unit.value,
        "seats": resource.seats,
        "start": _local(r_lo, settings),
        "end": _local(r_hi, settings),
        "free": [
            {**f, "start": _local(f["start"], settings), "end": _local(f["end"], settings)}
            for f in _seated(resource, units, seats)
        ],
    }


def _point(lat: float | None, lon: float | None, radius_km: float | None):
    if (lat is None) != (lon is None):
        field = "lon" if lon is None else "lat"
        raise IncompletePoint("a point is lat and lon together", field=field)
    if radius_km is not None and lat is None:
        raise RadiusWithoutPoint("radius_km needs lat and lon", field="radius_km")
    return None if lat is None else (float(lat), float(lon))


def _first_free(
    resources: list[Resource], lo: datetime, hi: datetime, seats: int, now: datetime, count: int
) -> list[dict]:
    """Up to ``count`` free units among ``resources`` in [lo, hi), earliest first, on the
    first local day that has any. The day's resources are read in the order of their first
    open unit, and no further once a free unit was found that none of the others could open
    before: the first unit answered is the earliest of all, the others are the next ones of
    the resources read (a place whose first desk is free reads one desk, not four)."""
    settings = {str(r.id): r.rules() for r in resources}
    for day_lo, day_hi in search.local_days(lo, hi, free.rules.zone(SEARCH_SETTINGS)):
        candidates = []
        for order, resource in enumerate(resources):
            rules = settings[str(resource.id)]
            units = _open(resource, rules, day_lo, day_hi, seats, now)
            if units:
                candidates.append((units[0][0], order, resource, rules, units))
        candidates.sort(key=lambda c: (c[0], c[1]))
        found: list[tuple] = []
        for first_open, order, resource, rules, units in candidates:
            if found and found[0][0] <= first_open:
                break  # this one and the next open no earlier than what was found
            seated = _seated(resource, units, seats, need=count)
            found += [(f["start"], order, resource, rules, f) for f in seated]
            found.sort(key=lambda item: (item[0], item[1]))
        if found:
            return [
                {
                    "resource_id": str(resource.id),
                    "resource_name": resource.name,
                    "start": _local(f["start"], rules),
                    "end": _local(f["end"], rules),
                    "seats_left": f["seats_left"],
                }
                for _, _, resource, rules, f in found[:count]
            ]
    return []


def search_availability(question: SearchQuery, now: datetime | None = None) -> dict:
    """The territory's places with a resource of ``kind`` free for ``seats`` seats in the
    window, nearest first from (lat, lon) or by name, ``limit`` of them from ``offset``."""
    now = now or datetime.now(UTC)
    point = _point(question.lat, question.lon, question.radius_km)
    kind = question.kind.value if question.kind else None
    seats, limit, offset = question.seats, question.limit, question.offset
    lo, hi = free.window(question.start, question.end, SEARCH_SETTINGS, now)
    query = Resource.objects(kind=kind) if kind else Resource.objects
    # Raw documents: only the places of the page read become ``Resource``s (``_page``);
    # building the territory's few hundred documents cost more than reading them.
    by_place: dict[str, list[dict]] = defaultdict(list)
    for doc in query.exclude("outbox").order_by("created_at").as_pymongo():
        if residents.drop_in_seats(doc["seats"], doc.get("resident_seats")) >= seats:
            by_place[doc["place_id"]].append(doc)
    known = KnownPlace.objects(place_id__in=list(by_place))
    places = [
        search.Candidate(
            p.place_id,
            p.name,
            p.commune,
            (p.lat, p.lon) if p.lat is not None and p.lon is not None else None,
        )
        for p in known
    ]
    ordered = search.candidates_in_order(places, point, question.radius_km)
    # The places' resources, in the order they will be read: seats read a day at a time for
    # the next few dozen of them at once (``capacity.read_ahead``), not per resource.
    with capacity.read_ahead([str(d["_id"]) for p in ordered for d in by_place[p.place_id]]):
        found, next_offset = _page(ordered, by_place, lo, hi, seats, limit, offset, now)
    return {
        "start": _local(lo, SEARCH_SETTINGS),
        "end": _local(hi, SEARCH_SETTINGS),
        "kind": kind,
        "seats": seats,
        "places": found,
        "next_offset": next_offset,
    }


def _page(
    ordered: list[search.Candidate],
    by_place: dict[str, list[dict]],
    lo: datetime,
    hi: datetime,
    seats: int,
    limit: int,
    offset: int,
    now: datetime,
) -> tuple[list[dict], int | None]:
    """The ``limit`` places from ``offset`` with a free unit, and the next page's offset."""
    found: list[dict] = []
    matched = 0
    next_offset = None
    for place in ordered:
        resources = [Resource._from_son(doc) for doc in by_place[place.place_id]]
        first = _first_free(resources, lo, hi, seats, now, SEARCH_FIRST_FREE)
        if not first:
            continue
        matched += 1
        if matched <= offset:
            continue
        if len(found) == limit:  # one more exists: there is a next page
            next_offset = offset + limit
            break
        found.append(
            {
                "place_id": place.place_id,
                "name": place.name,
                "commune": place.commune,
                "located": place.point is not None,
                "distance_km": place.distance_km,
                "free": first,
            }
        )
    return found, next_offset


def bookable(place_id: str, days: int, now: datetime | None = None) -> dict:
    """Whether the place has a free unit (one seat) in the next ``days`` days, and the first:
    scanned a day at a time, it stops there."""
    if not 1 <= days <= BOOKABLE_MAX_DAYS:
        raise ValidationFailed(f"days: from 1 to {BOOKABLE_MAX_DAYS}", field="days")
    now = now or datetime.now(UTC)
    resources = list(Resource.objects(place_id=place_id).order_by("created_at"))
    with capacity.read_ahead([str(r.id) for r in resources]):
        first = _first_free(resources, now, now + timedelta(days=days), 1, now, 1)
    next_free = None
    if first:
        f = first[0]
        next_free = {"resource_id": f["resource_id"], "start": f["start"], "end": f["end"]}
    return {"place_id": place_id, "days": days, "bookable": bool(first), "next_free": next_free}
