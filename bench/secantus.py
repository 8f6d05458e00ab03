"""What the database benchmarks share: a SecantusDB of their own, and a median timing."""

from __future__ import annotations

import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tools import infra


@contextmanager
def own_secantus(prefix: str) -> Iterator[str]:
    """A SecantusDB on a free port in a temporary directory: its URI. Stopped and its files
    removed at the end, also when the benchmark is stopped by SIGTERM."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        port = infra.free_port()
        process = subprocess.Popen(
            infra.secantus_command(port, Path(tmp)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            infra.wait_port("127.0.0.1", port, 60, "SecantusDB")
            yield f"mongodb://127.0.0.1:{port}/"
        finally:
            process.terminate()
            process.wait(timeout=30)


def median_ms(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000
