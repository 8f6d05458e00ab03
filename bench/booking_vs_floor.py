"""A signed-in member's booking through the gateway against its floor, measured in the same
run, with the database round trips and the CPU a booking costs (issue 8's benchmarks).

    .venv/bin/python -m bench.booking_vs_floor [--requests N] [--concurrency 1 8] [--count N]

Starts the ``verdon`` territory as ``bench.booking_vs_echo`` does (processes, a free port
each, a fresh RabbitMQ vhost, a temporary directory), except that:

* the gateway is ``bench.floor_gateway``: the product's app with one more route,
  ``POST /api/bench/floor``, resolving the caller from the same bearer token, then one RPC
  to ``bench.floor_service``, which does one indexed insert (a unique key, as an
  idempotency key is) into the same SecantusDB: the **floor**, HTTP → RPC → one insert;
* the gateway, the booking service and the notifications service run under
  ``bench.counted``, which counts every database command they send (a pymongo
  ``CommandListener`` registered in those processes only; no flag in the product) and
  their CPU time. Booking's commands are split into those sent while
  ``commands.create_booking`` runs (before the answer) and the others (after: the outbox
  relay, event handlers; commands on timers, the retry poll and the backlog gauges, are
  shown apart).

Scenarios, each after a warm-up, at each concurrency level (threads, an ``httpx.Client``
each): ``floor`` (the floor route with the member's token) and ``member`` (``POST
/api/bookings``, one seat, one hour, every request its own hour: anything but 201 is an
error). Then ``--count`` bookings one after the other, the platform otherwise idle, for the
round trips and the CPU per booking (and as many floor requests, for the gateway's share).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from tools import infra
from tools.platform import Platform, Ports
from tools.profiles import load_profile

from .booking_vs_echo import (
    FAST,
    TERRITORY,
    BookingSlots,
    Result,
    booking_worker,
    create_resource,
    machine,
    member_token,
    percentile,
    run_phase,
)

COUNTED = {"booking": "services.booking", "notifications": "services.notifications"}
# The relay runs when a write kicks it; its idle poll would add commands of no booking.
ENV = {**FAST, "MAILLAGE_OUTBOX_POLL_SECONDS": "30"}
TICK = os.sysconf("SC_CLK_TCK")


def start(platform: Platform, var: Path) -> dict[str, Path]:
    """The platform, with the counted processes and the floor; their counts files."""
    platform.start_infra()
    files = {}
    for service in platform.profile.services:
        metrics = {"MAILLAGE_METRICS_PORT": str(platform.ports.metrics[service])}
        if service in COUNTED:
            files[service] = var / f"counts-{service}.json"
            command = [sys.executable, "-m", "bench.counted", COUNTED[service]]
            platform.spawn(service, command, BENCH_COUNTS_FILE=str(files[service]), **metrics)
        else:
            platform.start_service(service)
    platform.spawn(
        "floor", [sys.executable, "-m", "bench.floor_service"], MAILLAGE_METRICS_ENABLED="false"
    )
    files["gateway"] = var / "counts-gateway.json"
    platform.spawn(
        "gateway",
        [sys.executable, "-m", "bench.counted", "gateway"],
        BENCH_COUNTS_FILE=str(files["gateway"]),
    )
    platform.wait_ready(90)
    return files


def counts(files: dict[str, Path]) -> dict[str, dict]:
    time.sleep(0.5)  # two of the counters' writes
    return {name: json.loads(path.read_text()) for name, path in files.items()}


def settled(files: dict[str, Path], quiet: float = 1.5, cap: float = 30) -> dict[str, dict]:
    """The counts once nothing changed for ``quiet`` seconds (relay and emails done)."""
    deadline = time.monotonic() + cap
    last = counts(files)
    since = time.monotonic()
    while time.monotonic() < deadline:
        now = counts(files)
        if {k: (v["answer"], v["later"]) for k, v in now.items()} != {
            k: (v["answer"], v["later"]) for k, v in last.items()
        }:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return last


def delta(after: dict, before: dict, group: str) -> dict[str, int]:
    keys = set(after[group]) | set(before[group])
    found = {k: after[group].get(k, 0) - before[group].get(k, 0) for k in keys}
    return {k: v for k, v in sorted(found.items()) if v}


def floor_worker(client: httpx.Client, token: str):
    headers = {"Authorization": f"Bearer {token}"}
    n = iter(range(10**9))

    def call() -> str | None:
        body = {"resource_id": "r", "seats": 1, "n": next(n)}
        response = client.post(
            "/api/bench/floor", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
        )
        return None if response.status_code == 201 else f"HTTP {response.status_code}"

    return call


def line(r: Result) -> str:
    p95 = percentile(r.latencies, 95) * 1000
    return (
        f"{r.scenario:6} c={r.concurrency:<2} n={r.requests:<4} errors={r.errors:<2} "
        f"p50={r.p50_ms:6.1f} ms  p95={p95:6.1f} ms  {r.throughput:6.1f} req/s"
    )


# Commands of no booking: the handlers' retry poll (``event_failures``) and the backlog
# gauges (``aggregate``: count_documents), on timers; shown apart, not counted per booking.
def background(what: str) -> bool:
    return what.startswith("aggregate ") or what == "find event_failures"


def per(n: int, found: dict[str, int]) -> str:
    own = {k: v for k, v in found.items() if not background(k)}
    detail = ", ".join(f"{k} {v / n:.2f}" for k, v in own.items())
    other = sum(v for k, v in found.items() if background(k))
    return f"{sum(own.values()) / n:.2f}  ({detail}; on timers, apart: {other / n:.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args(argv)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    print(f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f}", flush=True)
    infra.ensure_rabbitmq(install=False)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="maillage-floor-") as var:
        platform = Platform(
            load_profile(TERRITORY),
            Path(var),
            Ports.free(),
            vhost=f"maillage_floor_{uuid.uuid4().hex[:8]}",
            extra_env=ENV,
        )
        clients: list[httpx.Client] = []
        try:
            files = start(platform, Path(var))
            _, resource_id = create_resource(platform)
            owner, token = member_token(platform, "Véronique (banc d'essai)")
            slots = BookingSlots()
            results = []
            for c in args.concurrency:
                for scenario in ("floor", "member"):
                    https = [httpx.Client(base_url=platform.url, timeout=30) for _ in range(c)]
                    clients += https
                    if scenario == "floor":
                        workers = [floor_worker(h, token) for h in https]
                    else:
                        workers = [booking_worker(h, resource_id, slots, token, {}, owner)
                                   for h in https]  # fmt: skip
                    run_phase(scenario, workers, args.warmup, 30)
                    result = run_phase(scenario, workers, args.requests, 120)
                    failed += result.errors
                    results.append(result)
                    print("  " + line(result), flush=True)
                    for sample in result.error_samples:
                        print(f"  error: {sample}")
            print("\nRatios member/floor")
            by = {(r.scenario, r.concurrency): r for r in results}
            for c in args.concurrency:
                m, f = by[("member", c)], by[("floor", c)]
                m95, f95 = percentile(m.latencies, 95), percentile(f.latencies, 95)
                print(f"  c={c:<2} p50 ×{m.p50_ms / f.p50_ms:.2f}  p95 ×{m95 / f95:.2f}  "
                      f"(aim ≤ 1.5×)")  # fmt: skip

            # Round trips and CPU per booking, the platform otherwise idle.
            pids = {name: platform.processes[name].pid for name in files}
            n = args.count
            print(f"\nPer booking ({n} bookings one after the other):")
            with httpx.Client(base_url=platform.url, timeout=30) as client:
                for scenario in ("member", "floor"):
                    if scenario == "member":
                        call = booking_worker(client, resource_id, slots, token, {}, owner)
                    else:
                        call = floor_worker(client, token)
                    before = settled(files)
                    cpu_before = {name: cpu(pid) for name, pid in pids.items()}
                    for _ in range(n):
                        failure = call()
                        if failure:
                            failed += 1
                            print(f"  error: {failure}")
                    after = settled(files)
                    cpu_ms = {name: (cpu(pid) - cpu_before[name]) * 1000 / n
                              for name, pid in pids.items()}  # fmt: skip
                    print(f"  {scenario}:")
                    if scenario == "member":
                        answer = delta(after["booking"], before["booking"], "answer")
                        later = delta(after["booking"], before["booking"], "later")
                        mails = delta(after["notifications"], before["notifications"], "later")
                        print(f"    booking db, before the answer: {per(n, answer)}")
                        print(f"    booking db, after (relay): {per(n, later)}")
                        print(f"    notifications db, after: {per(n, mails)}")
                    gateway = delta(after["gateway"], before["gateway"], "later")
                    print(f"    gateway db: {per(n, gateway)}")
                    print("    CPU ms per request (idle included): "
                          + ", ".join(f"{k} {v:.1f}" for k, v in cpu_ms.items()))  # fmt: skip
            quiet = {name: cpu(pid) for name, pid in pids.items()}
            time.sleep(5)
            print("  idle CPU ms per second: " + ", ".join(
                f"{k} {(cpu(p) - quiet[k]) * 200:.1f}" for k, p in pids.items()))  # fmt: skip
        except KeyboardInterrupt:
            print("\n· interrupted")
            return 130
        finally:
            for client in clients:
                client.close()
            platform.stop()
            infra.delete_vhost(platform.vhost)
    if failed:
        print(f"{failed} request(s) failed: the figures above are not a valid run")
        return 1
    return 0


def cpu(pid: int) -> float:
    """A process's CPU time in seconds (user + system, ``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


if __name__ == "__main__":
    sys.exit(main())
