"""Which services this territory runs, computed from what actually answers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from contracts import SERVICE_NAMES

from .rpc_client import RemoteError, RpcClient, ServiceUnavailable


class Capabilities:
    def __init__(self, rpc: RpcClient, ttl: float, probe_timeout: float) -> None:
        self.rpc = rpc
        self.ttl = ttl
        self.probe_timeout = probe_timeout
        self._cached: dict[str, bool] | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def _probe(self, service: str) -> bool:
        try:
            return self.rpc.call(service, "health", timeout=self.probe_timeout)["status"] == "ok"
        except (ServiceUnavailable, RemoteError):
            return False

    def current(self) -> dict[str, bool]:
        with self._lock:
            if self._cached is not None and time.monotonic() - self._at < self.ttl:
                return dict(self._cached)
        with ThreadPoolExecutor(max_workers=len(SERVICE_NAMES)) as pool:
            answers = dict(zip(SERVICE_NAMES, pool.map(self._probe, SERVICE_NAMES), strict=True))
        with self._lock:
            self._cached, self._at = answers, time.monotonic()
        return dict(answers)
