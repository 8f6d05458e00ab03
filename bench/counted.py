"""Run a service (or the bench's gateway) counting its database commands, for
``bench.booking_vs_floor``; bench-only, never started by the product.

    BENCH_COUNTS_FILE=/tmp/x.json python -m bench.counted services.booking

A pymongo ``CommandListener`` registered before the process opens its clients counts every
command it sends, by (command, collection), in two groups: ``answer``, those sent while
``commands.create_booking`` runs (what a booking costs before it answers), and ``later``,
everything else (the outbox relay, event handlers, timers). The counts are written to
``BENCH_COUNTS_FILE`` as JSON every 0.2 s, with the process's CPU time.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import threading
import time
from collections import Counter
from functools import wraps

if __name__ == "__main__" and sys.argv[1:2] != ["gateway"]:
    import services.common.runner  # noqa: F401  (eventlet's monkey-patching comes first)

from pymongo import monitoring

COUNTS: dict[str, Counter] = {"answer": Counter(), "later": Counter()}
_state = threading.local()  # greenlet-local once eventlet has patched threading
_lock = threading.Lock()


class Listener(monitoring.CommandListener):
    def started(self, event) -> None:
        target = event.command.get(event.command_name)
        what = f"{event.command_name} {target if isinstance(target, str) else ''}".strip()
        group = "answer" if getattr(_state, "booking", False) else "later"
        with _lock:
            COUNTS[group][what] += 1

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


def count_create_booking() -> None:
    """Mark the commands sent while ``commands.create_booking`` runs (the RPC's work before
    its reply; ``service.py`` calls it through the module, so the wrapper is what it runs)."""
    from services.booking import commands

    real = commands.create_booking

    @wraps(real)
    def counted(*args, **kwargs):
        _state.booking = True
        try:
            return real(*args, **kwargs)
        finally:
            _state.booking = False

    commands.create_booking = counted


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def write_counts(path: str, sleep) -> None:
    while True:
        with _lock:
            snapshot = {group: dict(counts) for group, counts in COUNTS.items()}
        snapshot["cpu_seconds"] = cpu_seconds()
        with open(path + ".tmp", "w") as out:
            json.dump(snapshot, out)
        os.replace(path + ".tmp", path)
        sleep(0.2)


def main() -> None:
    target = sys.argv[1]
    sys.argv = [sys.argv[0], *sys.argv[2:]]
    monitoring.register(Listener())
    path = os.environ["BENCH_COUNTS_FILE"]
    if target == "gateway":  # threads, not eventlet
        threading.Thread(target=write_counts, args=(path, time.sleep), daemon=True).start()
        runpy.run_module("bench.floor_gateway", run_name="__main__")
        return
    import eventlet

    if target == "services.booking":
        count_create_booking()
    eventlet.spawn_n(write_counts, path, eventlet.sleep)
    runpy.run_module(f"{target}.__main__", run_name="__main__")


if __name__ == "__main__":
    main()
