"""100 concurrent attempts on the last seats, through the gateway: never an overbooking.

    .venv/bin/python -m bench.last_seats [--runs R] [--attempts N] [--left K]

Starts the ``verdon`` territory as processes (as ``bench.booking_vs_echo``), signs up ten
members and gives each ten bearer tokens (every attempt has its own token and its own
``Idempotency-Key``). Then, ``R`` times, on a fresh desk pool of ``SEATS`` seats of which
``SEATS - K`` are already booked:

* a **baseline**: one attempt alone, on another fresh pool (``BASELINE`` times, the median);
* **the race**: ``N`` threads released together by a barrier, each ``POST /api/bookings``
  for one seat over the same period — a day (09:00–17:00 UTC) in even runs, a night across
  UTC midnight (20:00–04:00, two day documents) in odd runs. Exactly ``K`` must answer 201
  and every other one ``409 no_seat_left``;
* **the check**, in the database itself: no quarter of the pool's day documents above
  ``SEATS``, the bookings holding seats exactly the confirmed ones, each holding one seat.

It asserts 0 overbooking in every run and prints the time per attempt (median latency under
the race, and the wall time of the race over ``N``) against the same run's single attempt.

Last, with SecantusDB's profiler on the booking database, it counts the writes of a room
booked for a day (09:00–18:00 local) and of a one-month resident subscription: the capacity
documents written, and every write of the booking database during the request.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from bson import ObjectId
from pymongo import MongoClient

from bench.booking_vs_echo import FAST, machine, member_token, operator
from tests.samples import PLACE as SAMPLE_PLACE
from tools import infra
from tools.demo import post_created
from tools.platform import Platform, Ports
from tools.profiles import load_profile

TERRITORY = "verdon"
PARIS = ZoneInfo("Europe/Paris")
SEATS = 10
MEMBERS = 10
TOKENS_EACH = 10
BASELINE = 7  # single attempts per run; their median is the run's baseline
# Many tokens from one address and one IP: the sign-in limits would refuse the bench.
ENV = {**FAST, "MAILLAGE_RATE_LIMIT_PER_ADDRESS": "100000", "MAILLAGE_RATE_LIMIT_PER_IP": "100000"}
PLACE = {**SAMPLE_PLACE, "name": "Tiers-lieu des dernières places"}


def log(message: str) -> None:
    print(message, flush=True)


def tokens(platform: Platform) -> list[str]:
    """``MEMBERS × TOKENS_EACH`` bearer tokens, ``TOKENS_EACH`` per confirmed member."""
    found = []
    password = "banc d'essai 2026"  # bench.booking_vs_echo.member_token's
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        for n in range(MEMBERS):
            address, first = member_token(platform, f"Membre {n}")
            found.append(first)
            for _ in range(TOKENS_EACH - 1):
                issued = api.post("/api/auth/token", json={"email": address, "password": password})
                if issued.status_code != 200:
                    raise SystemExit(f"no token: {issued.status_code} {issued.text}")
                found.append(issued.json()["access_token"])
    return found


def new_pool(api: httpx.Client, place_id: str, name: str) -> str:
    body = {"name": name, "kind": "desk_pool", "seats": SEATS}
    return post_created(api, f"/api/places/{place_id}/resources", body, uuid.uuid4().hex)["id"]


def period(run: int) -> tuple[datetime, datetime]:
    """A day in even runs, a night across UTC midnight in odd runs, ``run + 3`` days ahead."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day = midnight + timedelta(days=3 + run)
    if run % 2 == 0:
        return day + timedelta(hours=9), day + timedelta(hours=17)
    return day + timedelta(hours=20), day + timedelta(hours=28)


def attempt(client: httpx.Client, token: str, body: dict) -> tuple[int, str, float]:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    began = time.perf_counter()
    response = client.post("/api/bookings", json=body, headers=headers)
    took = time.perf_counter() - began
    code = response.json().get("code", "") if response.status_code != 201 else ""
    return response.status_code, code, took


def race(url: str, bearers: list[str], body: dict) -> tuple[list[tuple[int, str, float]], float]:
    """Every token's attempt at once: (status, code, seconds) each, and the race's wall time."""
    clients = [httpx.Client(base_url=url, timeout=60) for _ in bearers]
    outcomes: list[tuple[int, str, float] | None] = [None] * len(bearers)
    start_line = threading.Barrier(len(bearers) + 1)

    def go(n: int) -> None:
        start_line.wait()
        outcomes[n] = attempt(clients[n], bearers[n], body)

    threads = [threading.Thread(target=go, args=(n,), daemon=True) for n in range(len(bearers))]
    try:
        for thread in threads:
            thread.start()
        start_line.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        return [o for o in outcomes if o is not None], time.perf_counter() - began
    finally:
        for client in clients:
            client.close()


def check_database(db, resource_id: str) -> tuple[int, set[str], set[str]]:
    """(the highest quarter counter, the bookings holding seats, the confirmed bookings) of
    one pool, read from the database itself."""
    days = list(db["capacity_days"].find({"resource_id": resource_id}))
    peak = max((n for doc in days for n in (doc.get("q") or {}).values()), default=0)
    holding = {h["booking_id"] for doc in days for h in doc["holds"]}
    confirmed = {
        str(b["_id"])
        for b in db["bookings"].find({"resource_id": resource_id, "status": "confirmed"})
    }
    return peak, holding, confirmed


def one_run(run: int, url: str, api: httpx.Client, db, place_id: str, bearers, args) -> dict:
    start, end = period(run)
    # The baseline: one attempt alone, on a pool no one else books.
    alone = new_pool(api, place_id, f"Seul {run}")
    baseline = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for n in range(BASELINE):
            shift = timedelta(days=n)
            body = {
                "resource_id": alone,
                "start": (start + shift).isoformat(),
                "end": (end + shift).isoformat(),
                "seats": 1,
            }
            status, code, took = attempt(client, bearers[n % len(bearers)], body)
            if status != 201:
                raise SystemExit(f"baseline attempt refused: {status} {code}")
            baseline.append(took)
    # The race: SEATS - K seats already booked by the operator for someone.
    pool = new_pool(api, place_id, f"Course {run}")
    body = {"resource_id": pool, "start": start.isoformat(), "end": end.isoformat()}
    taken = SEATS - args.left
    if taken:
        booked = api.post(
            "/api/bookings",
            json={**body, "seats": taken, "name": "Groupe", "email": "groupe@example.org"},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert booked.status_code == 201, booked.text
    outcomes, wall = race(url, bearers[: args.attempts], {**body, "seats": 1})
    won = sum(1 for status, _code, _t in outcomes if status == 201)
    refused = sum(1 for status, code, _t in outcomes if (status, code) == (409, "no_seat_left"))
    others = sorted(
        {(s, c) for s, c, _t in outcomes if s != 201 and (s, c) != (409, "no_seat_left")}
    )
    peak, holding, confirmed = check_database(db, pool)
    return {
        "run": run,
        "days": "1 day" if run % 2 == 0 else "2 days",
        "won": won,
        "refused": refused,
        "others": others,
        "peak": peak,
        "holding_is_confirmed": holding == confirmed,
        "confirmed": len(confirmed),
        "race_p50": statistics.median(t for _s, _c, t in outcomes),
        "race_max": max(t for _s, _c, t in outcomes),
        "per_attempt": wall / len(outcomes),
        "baseline": statistics.median(baseline),
    }


# -- write counts ----------------------------------------------------------------------------
def profiled_writes(db, action) -> tuple[dict[str, int], object]:
    """Run ``action`` with the profiler on: the writes (update, insert, delete) of the booking
    database during it, per collection."""
    db.command("profile", 0)
    db["system.profile"].drop()
    db.command("profile", 2)
    began = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    try:
        result = action()
    finally:
        db.command("profile", 0)
    writes: dict[str, int] = {}
    for entry in db["system.profile"].find({"ts": {"$gte": began}}):
        if entry.get("op") in ("update", "insert", "remove", "delete"):
            collection = entry["ns"].split(".", 1)[1]
            writes[collection] = writes.get(collection, 0) + 1
    return writes, result


def settled(db, collection: str, doc_id: str) -> None:
    """Wait until the outbox relay has published what creating ``doc_id`` staged, so that
    its writes are not counted as the next request's."""
    deadline = time.monotonic() + 20
    while db[collection].find_one({"_id": ObjectId(doc_id), "outbox_pending": True}):
        if time.monotonic() > deadline:
            raise SystemExit(f"the outbox of {collection} {doc_id} never settled")
        time.sleep(0.1)


def count_writes(api: httpx.Client, db, place_id: str) -> list[str]:
    lines = []
    room = post_created(
        api,
        f"/api/places/{place_id}/resources",
        {"name": "Salle du conseil", "kind": "meeting_room", "seats": 12},
        uuid.uuid4().hex,
    )["id"]
    settled(db, "resources", room)
    local = datetime.now(UTC).date() + timedelta(days=10)
    start = datetime(local.year, local.month, local.day, 9, tzinfo=PARIS)  # 09:00–18:00 there
    body = {
        "resource_id": room,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=9)).isoformat(),
        "seats": 1,
        "name": "Entreprise",
        "email": "entreprise@example.org",
    }

    def book():
        made = api.post("/api/bookings", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
        assert made.status_code == 201, made.text

    writes, _ = profiled_writes(db, book)
    lines.append(
        f"room for a day (9 h, 36 quarters): {writes.get('capacity_days', 0)} capacity write(s), "
        f"{sum(writes.values())} booking-database write(s) in all {dict(sorted(writes.items()))}"
    )
    pool = post_created(
        api,
        f"/api/places/{place_id}/resources",
        {"name": "Résidents", "kind": "desk_pool", "seats": 7, "resident_seats": 5},
        uuid.uuid4().hex,
    )["id"]
    settled(db, "resources", pool)
    month = (datetime.now(UTC).replace(day=1) + timedelta(days=40)).strftime("%Y-%m")

    def subscribe():
        made = api.post(
            f"/api/resources/{pool}/subscriptions",
            json={"name": "Résidente", "email": "residente@example.org", "start": month},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert made.status_code == 201, made.text

    writes, _ = profiled_writes(db, subscribe)
    lines.append(
        f"month subscription: {writes.get('resident_months', 0)} capacity write(s), "
        f"{sum(writes.values())} booking-database write(s) in all {dict(sorted(writes.items()))}"
    )
    return lines


def verdict(row: dict, args) -> bool:
    """The race's answer is right: exactly the seats left were won, every other attempt was
    refused ``no_seat_left``, no quarter is above the pool's seats, and the bookings holding
    seats are exactly the confirmed ones (the operator's group and the winners)."""
    won = min(args.left, args.attempts)
    group = 1 if SEATS - args.left else 0
    return (
        row["won"] == won
        and row["refused"] == args.attempts - won
        and not row["others"]
        and row["peak"] == SEATS - args.left + won <= SEATS
        and row["holding_is_confirmed"]
        and row["confirmed"] == group + won
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.last_seats",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=10, metavar="R", help="races (default 10)")
    parser.add_argument(
        "--attempts",
        type=int,
        default=MEMBERS * TOKENS_EACH,
        metavar="N",
        help="concurrent attempts per race (default and most: 100)",
    )
    parser.add_argument(
        "--left",
        type=int,
        default=3,
        metavar="K",
        help=f"seats left of {SEATS} when the race starts (default 3)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.attempts <= MEMBERS * TOKENS_EACH or not 0 <= args.left <= SEATS:
        parser.error(f"1 ≤ attempts ≤ {MEMBERS * TOKENS_EACH}, 0 ≤ left ≤ {SEATS}")
    log(f"Machine: {machine()}")
    infra.ensure_rabbitmq(install=False)
    failures = []
    with tempfile.TemporaryDirectory(prefix="maillage-bench-") as var:
        profile = load_profile(TERRITORY)
        platform = Platform(
            profile,
            Path(var),
            Ports.free(),
            vhost=f"maillage_bench_{uuid.uuid4().hex[:8]}",
            extra_env=ENV,
        )
        mongo = None
        try:
            log(f"· starting the {TERRITORY} platform on vhost {platform.vhost} …")
            platform.start()
            mongo = MongoClient(platform.mongo_uri)
            db = mongo[f"{profile.territory}_booking"]
            bearers = tokens(platform)
            log(
                f"· {len(bearers)} tokens of {MEMBERS} members; {args.runs} races of "
                f"{args.attempts} attempts on {args.left} seat(s) left of {SEATS}"
            )
            with httpx.Client(base_url=platform.url, timeout=60, headers=operator(platform)) as api:
                place_id = api.post("/api/places", json=PLACE).json()["id"]
                rows = []
                for run in range(args.runs):
                    row = one_run(run, platform.url, api, db, place_id, bearers, args)
                    rows.append(row)
                    ok = verdict(row, args)
                    if not ok:
                        failures.append(row)
                    log(
                        f"  run {run} ({row['days']}): {row['won']} booked, {row['refused']} "
                        f"no_seat_left, others {row['others']}; peak {row['peak']}/{SEATS}, "
                        f"holds = confirmed: {row['holding_is_confirmed']}; p50 "
                        f"{row['race_p50'] * 1000:.0f} ms (max {row['race_max'] * 1000:.0f}), "
                        f"{row['per_attempt'] * 1000:.1f} ms/attempt, alone "
                        f"{row['baseline'] * 1000:.0f} ms "
                        f"→ ×{row['race_p50'] / row['baseline']:.1f}" + ("" if ok else "  ← FAILED")
                    )
                writes = count_writes(api, db, place_id)
            log(report(rows, writes, args))
        except KeyboardInterrupt:
            log("\n· interrupted")
            return 130
        finally:
            if mongo is not None:
                mongo.close()
            log("· stopping the platform …")
            platform.stop()
            infra.delete_vhost(platform.vhost)
    if failures:
        log(f"{len(failures)} run(s) overbooked or answered otherwise: NOT a valid run")
        return 1
    return 0


def report(rows: list[dict], writes: list[str], args) -> str:
    p50 = statistics.median(r["race_p50"] for r in rows)
    base = statistics.median(r["baseline"] for r in rows)
    per = statistics.median(r["per_attempt"] for r in rows)
    overbooked = sum(1 for r in rows if r["peak"] > SEATS or not r["holding_is_confirmed"])
    return "\n".join(
        [
            "",
            "Results",
            f"  runs {len(rows)}, overbooked runs {overbooked}, "
            f"bookings won {sum(r['won'] for r in rows)} (expected {args.left * len(rows)})",
            f"  attempt under the race: p50 {p50 * 1000:.0f} ms; wall time per attempt "
            f"{per * 1000:.1f} ms; a single attempt alone: {base * 1000:.0f} ms; "
            f"p50 race/alone ×{p50 / base:.1f}, wall per attempt/alone ×{per / base:.2f}",
            *(f"  writes: {w}" for w in writes),
            "",
            "| Runs | Attempts | Seats left | Overbooked | p50 race ms | wall/attempt ms "
            "| alone ms | p50 race/alone | wall per attempt/alone |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {len(rows)} | {args.attempts} | {args.left} | {overbooked} | {p50 * 1000:.0f} "
            f"| {per * 1000:.1f} | {base * 1000:.0f} | {p50 / base:.1f} | {per / base:.2f} |",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
