"""Booking through the whole platform versus a bare nameko RPC echo on the same broker.

    .venv/bin/python -m bench.booking_vs_echo [--requests N] [--concurrency 1 16]

Starts the ``verdon`` territory as processes (SecantusDB, SMTP sink, the four services, the
gateway) on free ports, in a temporary directory, on a fresh RabbitMQ vhost, plus
``bench.echo_service`` in its own process. The place and its resource are created with the
operator's token (places need a coordinator, resources a manager of their place). Then, for
each concurrency level (threads, each with its own ``httpx.Client`` or its own ``RpcClient``
connection), after a warm-up:

* ``echo``: ``RpcClient.call("echo", "echo", value)``, the gateway's own wire client without
  HTTP, against a service that does nothing: the baseline.
* ``member``: ``POST /api/bookings`` by a signed-in member for herself (``Authorization:
  Bearer …``, no name or email in the body: her account's) through the gateway (HTTP →
  token and member read in the gateway's database → pika RPC with the caller → booking
  service → SecantusDB → outbox event → notifications). Each request books one seat for one
  hour (four quarter-hour slots) in its own hour, so that none conflicts; anything but 201
  is an error. Anonymous booking no longer exists (issue 7).
* ``manager``: the same booking by the manager of the place (a member granted ``manager``
  of ``place:<id>`` through ``PUT /api/admin/roles``) for someone else: name and email of
  the person (Marceline, who phoned), who gets the email.

The members sign up, confirm through the emailed link and ask for a token before the run.
Absolute figures depend on the machine; the ratios to the same run's echo are what compares
across machines. Everything started here is stopped and the vhost deleted, whatever happens.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform as host
import re
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from gateway.rpc_client import RpcClient, ServiceUnavailable
from tests.samples import PLACE as SAMPLE_PLACE
from tests.support import read_emails
from tools import infra
from tools.demo import post_created
from tools.platform import Platform, Ports
from tools.profiles import load_profile

TERRITORY = "verdon"
# As tests/e2e/conftest.py: short retry and polling delays, a 10 s RPC timeout.
FAST = {
    "MAILLAGE_HANDLER_RETRY_BASE_SECONDS": "0.2",
    "MAILLAGE_OUTBOX_POLL_SECONDS": "0.2",
    "MAILLAGE_CAPABILITIES_TTL": "0.2",
    "MAILLAGE_RPC_TIMEOUT": "10",
}
DEFAULT_REQUESTS = {1: 300, 16: 800}
OTHER_LEVELS_REQUESTS = 800
TIME_CAP = 60.0  # seconds per measured scenario
WARMUP_CAP = 30.0
SEATS = 500
BOOKING_HOURS = 1  # four quarter-hour slots
FIRST_DAY = 2  # bookings start the day after tomorrow (UTC), one hour each, back to back
HORIZON_HOURS = 24 * 700  # the booking service refuses starts more than 731 days ahead
ERROR_SAMPLES = 5

PLACE = {**SAMPLE_PLACE, "name": "Tiers-lieu du banc d'essai"}
RESOURCE = {"name": "Plateau partagé", "kind": "desk_pool", "seats": SEATS}

# The booking scenarios, in the order they run, and whom each books for: the member for
# herself (her account's name and address), the manager for someone who phoned.
SCENARIOS = {
    "member": {},
    "manager": {"name": "Marceline Blanc", "email": "marceline.banc@example.org"},
}

# One request: returns None when it succeeded, else a short description of the failure.
Call = Callable[[], str | None]


@dataclass
class Result:
    scenario: str
    concurrency: int
    planned: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: int = 0
    elapsed: float = 0.0
    error_samples: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99) * 1000

    @property
    def throughput(self) -> float:
        """Successful requests per second of wall time."""
        return len(self.latencies) / self.elapsed if self.elapsed > 0 else 0.0


def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def run_phase(scenario: str, workers: list[Call], total: int, time_cap: float) -> Result:
    """``len(workers)`` threads share ``total`` requests, stopping early at ``time_cap``."""
    result = Result(scenario, len(workers), planned=total)
    issued = itertools.count()
    lock = threading.Lock()
    start_line = threading.Barrier(len(workers) + 1)
    clock = {"deadline": 0.0}

    def loop(call: Call) -> None:
        start_line.wait()
        while next(issued) < total and time.monotonic() < clock["deadline"]:
            began = time.perf_counter()
            try:
                failure = call()
            except Exception as exc:  # a failed request is a data point, not a crash
                failure = f"{type(exc).__name__}: {exc}"
            took = time.perf_counter() - began
            with lock:
                if failure is None:
                    result.latencies.append(took)
                else:
                    result.errors += 1
                    if len(result.error_samples) < ERROR_SAMPLES:
                        result.error_samples.append(failure[:300])

    threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    clock["deadline"] = time.monotonic() + time_cap
    start_line.wait()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - began
    return result


# -- the two scenarios -----------------------------------------------------------------------


class BookingSlots:
    """Hands out distinct one-hour periods: request index → day offset and hour."""

    def __init__(self) -> None:
        self.base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.taken = 0
        self._lock = threading.Lock()

    def take(self) -> tuple[str, str]:
        with self._lock:
            index = self.taken
            self.taken += 1
        if index >= HORIZON_HOURS:
            raise RuntimeError("ran out of distinct booking hours")
        day, hour = divmod(index, 24)
        start = self.base + timedelta(days=FIRST_DAY + day, hours=hour)
        return start.isoformat(), (start + timedelta(hours=BOOKING_HOURS)).isoformat()


def booking_worker(
    client: httpx.Client,
    resource_id: str,
    slots: BookingSlots,
    token: str,
    person: dict,
    owner: str,
) -> Call:
    """Book with the bearer ``token``; ``person``: the name and email of whom it is for
    (empty: the member books for herself). ``owner``: the address the booking must have."""
    headers = {"Authorization": f"Bearer {token}"}

    def call() -> str | None:
        start, end = slots.take()
        response = client.post(
            "/api/bookings",
            headers=headers,
            json={"resource_id": resource_id, "start": start, "end": end, "seats": 1, **person},
        )
        if response.status_code != 201:
            return f"HTTP {response.status_code}: {response.text}"
        if response.json()["email"] != owner:  # booked for the wrong person: not this scenario
            return f"booked for {response.json()['email']}, not {owner}"
        return None

    return call


def echo_worker(rpc: RpcClient) -> Call:
    counter = itertools.count()

    def call() -> str | None:
        value = {"n": next(counter), "text": "bonjour"}
        answer = rpc.call("echo", "echo", value, timeout=10)
        return None if answer == value else f"unexpected answer {answer!r}"

    return call


def measure(
    scenario: str,
    workers: list[Call],
    requests: int,
    warmup: int,
    log: Callable[[str], None],
    stored: Callable[[], int] | None = None,
) -> Result:
    concurrency = len(workers)
    log(f"· {scenario:7} c={concurrency:<3} warm-up: {warmup} requests")
    warm = run_phase(scenario, workers, warmup, WARMUP_CAP)
    if warm.errors:
        log(f"  warm-up errors: {warm.errors} (e.g. {warm.error_samples[0]})")
    log(f"· {scenario:7} c={concurrency:<3} measuring: {requests} requests (cap {TIME_CAP:g} s)")
    before = stored() if stored else None
    result = run_phase(scenario, workers, requests, TIME_CAP)
    notes = []
    if result.requests < result.planned:
        notes.append(f"time cap: {result.requests}/{result.planned} done")
    if stored:
        # SecantusDB scans grow with the data: say how much was there (see docs/benchmarks.md).
        notes.append(f"bookings sent before → after: {before} → {stored()}")
    result.note = "; ".join(notes)
    log("  " + line(result))
    for sample in result.error_samples:
        log(f"  error: {sample}")
    return result


# -- platform ------------------------------------------------------------------------------


def start_echo(platform: Platform) -> None:
    platform.spawn(
        "echo", [sys.executable, "-m", "bench.echo_service"], MAILLAGE_METRICS_ENABLED="false"
    )
    probe = RpcClient(platform.amqp_uri, pool_size=1)
    try:
        deadline = time.monotonic() + 60
        while True:
            platform.check_alive()
            try:
                if probe.call("echo", "echo", "ping", timeout=5) == "ping":
                    return
            except ServiceUnavailable:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.3)
    finally:
        probe.close()


CONFIRM = re.compile(r"/api/auth/confirm\?token=([A-Za-z0-9_\-]+)")


def member_token(platform: Platform, name: str) -> tuple[str, str]:
    """A confirmed member (address, bearer token), through the public flow: sign up, the
    emailed confirmation link, then ``POST /api/auth/token``."""
    address, password = f"banc.{uuid.uuid4().hex[:8]}@example.org", "banc d'essai 2026"
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        signup = {"email": address, "password": password, "name": name}
        if api.post("/api/auth/signup", json=signup).status_code != 202:
            raise SystemExit("could not sign up the bench's member")
        deadline = time.monotonic() + 60
        link = None
        while link is None:
            for message in read_emails(platform.mail_dir, to=address):
                body = message.get_body(preferencelist=("plain",))
                link = CONFIRM.search(body.get_content() if body else "") or link
            if link is None:
                if time.monotonic() > deadline:
                    raise SystemExit("the confirmation email never came")
                time.sleep(0.2)
        api.get("/api/auth/confirm", params={"token": link.group(1)})
        issued = api.post("/api/auth/token", json={"email": address, "password": password})
        if issued.status_code != 200:
            raise SystemExit(f"no token: {issued.status_code} {issued.text}")
        return address, issued.json()["access_token"]


def operator(platform: Platform) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.admin_token}"}


def create_resource(platform: Platform) -> tuple[str, str]:
    """The bench's place and resource, created with the operator's token: (place, resource)."""
    with httpx.Client(base_url=platform.url, timeout=30, headers=operator(platform)) as api:
        place = api.post("/api/places", json=PLACE)
        if place.status_code != 201:
            raise SystemExit(f"could not create the place: {place.status_code} {place.text}")
        place_id = place.json()["id"]
        resource = post_created(api, f"/api/places/{place_id}/resources", RESOURCE)
        return place_id, resource["id"]


def make_manager(platform: Platform, email: str, place_id: str) -> None:
    """Name ``email`` the manager of the place, as the operator (``PUT /api/admin/roles``)."""
    grant = {"email": email, "role": "manager", "scope": f"place:{place_id}"}
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        granted = api.put("/api/admin/roles", json=grant, headers=operator(platform))
    if granted.status_code != 200:
        raise SystemExit(f"could not name the manager: {granted.status_code} {granted.text}")


def machine() -> str:
    memory = "?"
    try:
        for row in Path("/proc/meminfo").read_text().splitlines():
            if row.startswith("MemTotal:"):
                memory = f"{int(row.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return (
        f"{host.system()} {host.machine()}, {os.cpu_count()} CPU, {memory} RAM, "
        f"Python {host.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


# -- report --------------------------------------------------------------------------------


def line(r: Result) -> str:
    return (
        f"{r.scenario:7} c={r.concurrency:<3} requests={r.requests:<5} errors={r.errors:<3} "
        f"p50={r.p50_ms:7.1f} ms  p99={r.p99_ms:7.1f} ms  {r.throughput:7.1f} req/s"
        + (f"  ({r.note})" if r.note else "")
    )


def ratios(
    results: list[Result], top: str, base: str = "echo"
) -> list[tuple[int, float, float, float]]:
    """Per concurrency level: ``top`` / ``base`` for p50, p99 and throughput."""
    by_key = {(r.scenario, r.concurrency): r for r in results}
    rows = []
    for concurrency in sorted({r.concurrency for r in results}):
        upper, lower = by_key.get((top, concurrency)), by_key.get((base, concurrency))
        if upper and lower and lower.latencies and upper.latencies:
            rows.append(
                (
                    concurrency,
                    upper.p50_ms / lower.p50_ms,
                    upper.p99_ms / lower.p99_ms,
                    upper.throughput / lower.throughput,
                )
            )
    return rows


# The ratios printed: each booking against the same run's echo, and the manager's booking
# for someone against the member's own.
RATIOS = (("member", "echo"), ("manager", "echo"), ("manager", "member"))


def report(results: list[Result]) -> str:
    out = ["", "Results", *("  " + line(r) for r in results)]
    for top, base in RATIOS:
        out += ["", f"Ratios {top}/{base}"]
        for concurrency, p50, p99, rate in ratios(results, top, base):
            out.append(
                f"  c={concurrency:<3} p50 ×{p50:.2f}  p99 ×{p99:.2f}  throughput ×{rate:.3f}"
            )
    out += [
        "",
        "| Scenario | Concurrency | Requests | Errors | p50 ms | p99 ms | Throughput req/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        out.append(
            f"| {r.scenario} | {r.concurrency} | {r.requests} | {r.errors} | "
            f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.throughput:.1f} |"
        )
    for top, base in RATIOS:
        out += [
            "",
            f"| Concurrency | p50 {top}/{base} | p99 {top}/{base} | Throughput {top}/{base} |",
            "|---:|---:|---:|---:|",
        ]
        for concurrency, p50, p99, rate in ratios(results, top, base):
            out.append(f"| {concurrency} | {p50:.2f} | {p99:.2f} | {rate:.3f} |")
    return "\n".join(out)


# -- main ----------------------------------------------------------------------------------


def requests_for(concurrency: int, requested: int | None) -> int:
    if requested is not None:
        return requested
    return DEFAULT_REQUESTS.get(concurrency, OTHER_LEVELS_REQUESTS)


def warmup_for(concurrency: int, requested: int | None) -> int:
    return requested if requested is not None else max(20, 4 * concurrency)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.booking_vs_echo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        metavar="N",
        help="measured requests per scenario and level "
        "(default: 300 at concurrency 1, 800 otherwise)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[1, 16],
        metavar="C",
        help="concurrency levels, in threads (default: 1 16)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        metavar="N",
        help="warm-up requests per scenario and level (default: max(20, 4×C))",
    )
    args = parser.parse_args(argv)
    if args.requests is not None and args.requests < 1:
        parser.error("--requests must be at least 1")
    if any(c < 1 for c in args.concurrency):
        parser.error("--concurrency levels must be at least 1")
    bookings = len(SCENARIOS) * sum(  # the booking scenarios share the distinct hours
        requests_for(c, args.requests) + warmup_for(c, args.warmup) for c in args.concurrency
    )
    if bookings > HORIZON_HOURS:
        parser.error(f"{bookings} bookings need more than {HORIZON_HOURS} distinct hours")

    def log(message: str) -> None:
        print(message, flush=True)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    log(f"Machine: {machine()}")
    infra.ensure_rabbitmq(install=False)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="maillage-bench-") as var:
        platform = Platform(
            load_profile(TERRITORY),
            Path(var),
            Ports.free(),
            vhost=f"maillage_bench_{uuid.uuid4().hex[:8]}",
            extra_env=FAST,
        )
        clients: list[httpx.Client | RpcClient] = []
        try:
            log(f"· starting the {TERRITORY} platform on vhost {platform.vhost} …")
            platform.start()
            start_echo(platform)
            place_id, resource_id = create_resource(platform)
            member_email, member = member_token(platform, "Véronique (banc d'essai)")
            manager_email, manager = member_token(platform, "Sandrine (banc d'essai)")
            make_manager(platform, manager_email, place_id)
            bearers = {"member": member, "manager": manager}
            owners = {"member": member_email, "manager": SCENARIOS["manager"]["email"]}
            slots = BookingSlots()
            log(f"· ready: gateway {platform.url}, resource {resource_id} ({SEATS} seats)")
            for concurrency in args.concurrency:
                requests = requests_for(concurrency, args.requests)
                warmup = warmup_for(concurrency, args.warmup)

                rpcs = [RpcClient(platform.amqp_uri, pool_size=1) for _ in range(concurrency)]
                clients += rpcs
                results.append(
                    measure("echo", [echo_worker(rpc) for rpc in rpcs], requests, warmup, log)
                )

                for scenario, person in SCENARIOS.items():
                    https = [
                        httpx.Client(base_url=platform.url, timeout=30) for _ in range(concurrency)
                    ]
                    clients += https
                    token, owner = bearers[scenario], owners[scenario]
                    workers = [
                        booking_worker(c, resource_id, slots, token, person, owner) for c in https
                    ]
                    results.append(
                        measure(
                            scenario,
                            workers,
                            requests,
                            warmup,
                            log,
                            stored=lambda: slots.taken,
                        )
                    )
            log(report(results))
        except KeyboardInterrupt:
            log("\n· interrupted")
            return 130
        finally:
            for client in clients:
                client.close()
            log("· stopping the platform …")
            platform.stop()
            infra.delete_vhost(platform.vhost)
            log(f"· stopped; vhost {platform.vhost} deleted")
    errors = sum(r.errors for r in results)
    if errors:
        log(f"{errors} request(s) failed: the figures above are not a valid run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
