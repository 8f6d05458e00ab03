"""The territory's availability search against one indexed find on the same database, and
the same search as bookings grow (issue 8's benchmarks).

    .venv/bin/python -m bench.territory_availability [--growth 1000 10000 100000] [--runs 15]

What runs: a SecantusDB of its own (a free port, a temporary directory) and the booking
service's own functions in this process (``services.booking.search``, the code behind the
``search_availability`` RPC, without the RPC hop: what is measured is how the search reads).

Seeding, through the service's own functions and models, not HTTP: 50 places around Nyons
(``projections.remember_place``, with their points), 8 resources each (4 desk pools of 4
seats, 2 offices, a meeting room, a 3D printer; ``Resource`` documents with their rules:
Mo-Fr 09:00-12:00,14:00-18:00, hourly units); bookings are ``Booking`` documents inserted in
bulk (``insert_many`` of the model's own ``to_mongo()``) whose seats are taken with
``capacity.hold_all``, the function a booking takes them with (whatever the layout of the
seat documents). Load in the 4 weeks searched (about 1,200 bookings): each desk pool and
meeting room has a 2-hour booking a week, and in every other place the desk pools are full on
the first day (the search must look to the next). Growth: more bookings of one hour on the
days before the window (a place's history), until the total reaches each size.

(a) ``search``: ``search_availability(kind=desk_pool, 4 weeks, seats=1, from Nyons, 20 per
page)`` against ``find``: one ``find_one`` by ``_id`` on the bookings (an indexed find).
Both are timed as the median of ``--runs`` runs, and the database commands of one search
are counted (a pymongo command listener). (b) the same search at each ``--growth`` size.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo import monitoring

from contracts.booking import SearchQuery

from .secantus import median_ms, own_secantus

PARIS = ZoneInfo("Europe/Paris")
NYONS = (44.3608, 5.1406)
PLACES = 50
HOURS = "Mo-Fr 09:00-12:00,14:00-18:00"
KINDS = [("desk_pool", 4)] * 4 + [("office", 1)] * 2 + [("meeting_room", 12), ("equipment", 1)]
WEEKS = 4


class Counter(monitoring.CommandListener):
    """Database commands sent (finds, updates...): the round trips of what is measured."""

    def __init__(self) -> None:
        self.count = 0

    def started(self, event) -> None:
        self.count += 1

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


COMMANDS = Counter()
monitoring.register(COMMANDS)


def monday_after(days: int) -> datetime:
    day = datetime.now(PARIS).date() + timedelta(days=days)
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, tzinfo=PARIS)


def seed_territory(first_day: datetime):
    from services.booking import projections
    from services.booking.models import Resource

    rng = random.Random(8)
    resources = []
    for i in range(PLACES):
        place_id = f"place-{i:02d}"
        lat = NYONS[0] + rng.uniform(-0.45, 0.45)
        lon = NYONS[1] + rng.uniform(-0.6, 0.6)
        projections.remember_place(
            {"place_id": place_id, "name": f"Tiers-lieu {i:02d}", "commune": f"Commune {i}",
             "location": {"lat": lat, "lon": lon}}
        )  # fmt: skip
        for j, (kind, seats) in enumerate(KINDS):
            resource = Resource(
                place_id=place_id,
                name=f"{kind} {j}",
                kind=kind,
                seats=seats,
                settings={"opening_hours": HOURS, "unit": "hour"},
                idempotency_key=uuid.uuid4().hex,
            )
            resource.save()
            resources.append(resource)
    bookings = []
    for resource in resources:
        if resource.kind not in ("desk_pool", "meeting_room"):
            continue
        for week in range(WEEKS):  # a 2-hour booking a week, a weekday at random
            day = first_day + timedelta(days=7 * week + rng.randrange(5))
            start = day.replace(hour=rng.choice((9, 10, 14, 15, 16)))
            bookings.append((resource, start, start + timedelta(hours=2), 1))
        if resource.kind == "desk_pool" and int(resource.place_id[-2:]) % 2 == 0:
            # Every other place's desks are full on the first day: the search looks further.
            for start, hours in ((first_day.replace(hour=9), 3), (first_day.replace(hour=14), 4)):
                bookings.append((resource, start, start + timedelta(hours=hours), 4))
    insert_bookings(bookings)
    return resources


def insert_bookings(bookings) -> None:
    """Booking documents in bulk, their seats through ``capacity.hold_all`` (4 threads)."""
    from services.booking import capacity
    from services.booking.models import Booking
    from services.booking.rules.periods import slots

    documents = []
    for resource, start, end, seats in bookings:
        documents.append(
            Booking(
                id=ObjectId(),
                resource_id=str(resource.id),
                place_id=resource.place_id,
                start=start.astimezone(UTC),
                end=end.astimezone(UTC),
                seats=seats,
                name="Banc d'essai",
                email="banc@example.org",
                status="confirmed",
                idempotency_key=uuid.uuid4().hex,
                fingerprint="bench",
            )
        )
    collection = Booking._get_collection()
    for i in range(0, len(documents), 1000):
        collection.insert_many([d.to_mongo() for d in documents[i : i + 1000]], ordered=False)

    def hold(pair) -> None:
        document, (resource, start, end, seats) = pair
        held = capacity.hold_all(
            str(resource.id), slots(start, end), str(document.id), seats, resource.seats
        )
        if not held:  # the history's random hours may meet: no overbooking, just fewer
            collection.update_one({"_id": document.id}, {"$set": {"status": "rejected"}})

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(hold, zip(documents, bookings, strict=True)))


def grow_to(total: int, resources, before: datetime) -> None:
    """One-hour bookings on the working days before ``before`` until ``total`` bookings."""
    from services.booking.models import Booking

    missing = total - Booking.objects.count()
    if missing <= 0:
        return
    rng = random.Random(total)
    wanted = []
    for n in range(missing):
        resource = resources[n % len(resources)]
        day = before - timedelta(days=1 + (n // len(resources)) // 8)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        start = day.replace(hour=9 + (n // len(resources)) % 8)
        wanted.append((resource, start, start + timedelta(hours=1), 1))
    del rng
    insert_bookings(wanted)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--growth", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    from services.booking import search
    from services.booking.models import ALIAS, DOCUMENTS, Booking
    from services.common.db import connect, ensure_indexes

    with own_secantus("bench-territory-") as uri:
        connect(ALIAS, uri, "booking", timeout_ms=10000)
        for document in DOCUMENTS:
            ensure_indexes(document)
        first_day = monday_after(7)
        now = first_day - timedelta(days=1)  # asked the day before the window
        began = time.perf_counter()
        resources = seed_territory(first_day)
        seeded = Booking.objects.count()
        print(f"seeded {PLACES} places × {len(KINDS)} resources, {seeded} bookings "
              f"in {time.perf_counter() - began:.1f} s")  # fmt: skip
        question = SearchQuery(
            kind="desk_pool",
            start=first_day.date().isoformat(),
            end=(first_day + timedelta(days=WEEKS * 7 - 1)).date().isoformat(),
            lat=NYONS[0],
            lon=NYONS[1],
        )
        some_id = Booking.objects.first().id
        collection = Booking._get_collection()

        def find() -> None:
            assert collection.find_one({"_id": some_id}) is not None

        def territory() -> dict:
            return search.search_availability(question, now=now)

        answer = territory()
        before = COMMANDS.count
        territory()
        commands = COMMANDS.count - before
        print(f"answer: {len(answer['places'])} places, next_offset {answer['next_offset']}")
        find_ms = median_ms(find, args.runs * 10)
        search_ms = median_ms(territory, args.runs)
        ratio = search_ms / find_ms
        print(f"(a) find by _id: {find_ms:.2f} ms · territory search: {search_ms:.1f} ms "
              f"({commands} database commands) · ratio {ratio:.1f}× (aim ≤ 10×)")  # fmt: skip
        # This process's CPU per search (the database's aside): less sensitive than wall time
        # to a machine shared with other work.
        cpu_before = time.process_time()
        for _ in range(args.runs):
            territory()
        cpu_ms = (time.process_time() - cpu_before) * 1000 / args.runs
        print(f"    search CPU in this process: {cpu_ms:.1f} ms per search")
        baseline = None
        for size in sorted(args.growth):
            began = time.perf_counter()
            grow_to(size, resources, first_day)
            grown = time.perf_counter() - began
            took = median_ms(territory, args.runs)
            baseline = baseline or took
            print(f"(b) {Booking.objects.count():>7} bookings (seeded in {grown:.0f} s): "
                  f"search {took:.1f} ms · {took / baseline:.2f}× the first size "
                  f"(aim ≤ 1.3×) · find {median_ms(find, args.runs * 10):.2f} ms")  # fmt: skip
            sys.stdout.flush()


if __name__ == "__main__":
    main()
