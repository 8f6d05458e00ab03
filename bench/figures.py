"""How long a month's figures take to read: ``python -m bench.figures [bookings]``.

Starts its own SecantusDB, writes ``bookings`` bookings (default 10,000) over 12 months of
a territory of 50 places × 8 resources (so about 830 in the month read), then times the
territory's figures, one place's, and the territory's rows against one indexed find of the
same month's documents (the floor: the read alone). Prints each figure and its ratio.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bson import ObjectId

from contracts.identity import Caller, TerritoryRole
from services.booking import figures
from services.booking.models import ALIAS, DOCUMENTS, Booking, Resource
from services.booking.rules import figures as rules
from services.common import db
from tools import infra

PARIS = ZoneInfo("Europe/Paris")
STAFF = Caller(roles=(TerritoryRole.admin,), operator=True)
MONTH = "2026-06"


def fill(count: int) -> None:
    rng = random.Random(8)
    resources = []
    for place in range(50):
        for n in range(8):
            resources.append(
                {
                    "_id": ObjectId(),
                    "place_id": f"place-{place}",
                    "name": f"Ressource {n}",
                    "kind": "desk_pool",
                    "seats": 4,
                    "settings": {"opening_hours": "Mo-Fr 08:00-19:00"},
                }
            )
    Resource._get_collection().insert_many(resources)
    docs = []
    for n in range(count):
        resource = rng.choice(resources)
        day = datetime(2026, 1, 1, tzinfo=PARIS) + timedelta(days=rng.randrange(365))
        start = day.replace(hour=rng.randrange(8, 17))
        end = start + timedelta(hours=rng.choice((1, 2, 3)))
        docs.append(
            {
                "resource_id": str(resource["_id"]),
                "place_id": resource["place_id"],
                "start": start.astimezone(UTC),
                "end": end.astimezone(UTC),
                "seats": 1,
                "name": f"Personne {n}",
                "member_id": f"m{rng.randrange(2000)}",
                "status": rng.choice(("confirmed",) * 8 + ("cancelled", "checked_in")),
                "audience": rng.choice(("teleworker", "retiree", "student", None)),
                "commune": rng.choice(("Riez", "Valensole", "Castellane", None)),
                "channel": rng.choice(("online", "on_behalf")),
                "month_keys": rules.month_keys(start, end, PARIS, resource["place_id"]),
                "idempotency_key": f"k{n}",
                "fingerprint": "f",
            }
        )
    Booking._get_collection().insert_many(docs)


def timed(what, runs: int = 5) -> float:
    what()  # warm
    began = time.perf_counter()
    for _ in range(runs):
        what()
    return (time.perf_counter() - began) / runs * 1000


def main(count: int) -> None:
    port = infra.free_port()
    with tempfile.TemporaryDirectory() as storage:
        server = subprocess.Popen(
            infra.secantus_command(port, Path(storage)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            infra.wait_port("127.0.0.1", port, 30, "SecantusDB")
            db.connect(ALIAS, f"mongodb://127.0.0.1:{port}/", "bench_booking")
            for document in DOCUMENTS:
                db.ensure_indexes(document)
            fill(count)
            in_month = Booking.objects(month_keys=MONTH).count()
            bookings = Booking._get_collection()
            ids = {"_id": 1}
            floor = timed(lambda: list(bookings.find({"month_keys": MONTH})))
            by_index = timed(lambda: list(bookings.find({"month_keys": MONTH}, ids)))
            # The same documents found without the index (a filter on no indexed field).
            scan = timed(
                lambda: list(bookings.find({"seats": 1, "month_keys": {"$all": [MONTH]}}, ids))
            )
            results = {
                "territory figures": timed(lambda: figures.territory_figures(MONTH, STAFF)),
                "one place's figures": timed(
                    lambda: figures.place_figures("place-7", MONTH, STAFF)
                ),
                "territory rows (CSV)": timed(lambda: figures.rows(MONTH, STAFF)),
            }
            print(f"{count} bookings, {in_month} in {MONTH}; 50 places × 8 resources")
            print(f"  floor (one indexed find of the month): {floor:.0f} ms")
            print(f"  their ids alone, by the index: {by_index:.0f} ms")
            print(f"  their ids alone, scanning the collection: {scan:.0f} ms")
            for name, ms in results.items():
                print(f"  {name}: {ms:.0f} ms ({ms / floor:.1f}× the floor)")
        finally:
            db.disconnect(ALIAS)
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
