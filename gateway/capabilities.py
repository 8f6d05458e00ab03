"""Which services this territory runs, computed from what actually answers.

A service that answered its ``health`` probe is taken as up for ``ttl`` seconds. A service
that did not is never taken as absent for longer than one probe: the next request asks it
again, so a territory that is still starting is seen as soon as it is up. A probe that failed
because the connection to the broker broke (``BusUnreachable``) is asked again on a fresh
connection before the service is called absent. Concurrent
requests share one probe per service (no thundering herd), and no request waits for a
probe longer than about ``probe_timeout``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from contracts import SERVICE_NAMES

from .rpc_client import BusUnreachable, RemoteError, RpcClient, ServiceUnavailable

log = logging.getLogger("maillage.capabilities")
# Beyond the probe's own timeout, how long a request waits for its answer.
WAIT_MARGIN = 0.25
# Probes of a service when the connection, not the service, failed: a dropped connection
# is retried on a fresh one rather than reported as the service being absent.
PROBE_ATTEMPTS = 2


class Capabilities:
    def __init__(
        self,
        rpc: RpcClient,
        ttl: float,
        probe_timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rpc = rpc
        self.ttl = ttl
        self.probe_timeout = probe_timeout
        self.clock = clock
        self._up_until: dict[str, float] = {}  # service → when its "up" answer expires
        self._probing: dict[str, Future[bool]] = {}  # service → the probe in flight
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            max_workers=len(SERVICE_NAMES), thread_name_prefix="capabilities"
        )

    def _probe(self, service: str) -> bool:
        up = False
        try:
            for attempt in range(PROBE_ATTEMPTS):
                try:
                    answer = self.rpc.call(service, "health", timeout=self.probe_timeout)
                except BusUnreachable:  # health is a read: asking twice is harmless
                    if attempt + 1 == PROBE_ATTEMPTS:
                        raise
                    continue
                up = isinstance(answer, dict) and answer.get("status") == "ok"
                break
        except (ServiceUnavailable, RemoteError):
            pass
        except Exception:  # a probe never breaks a request: the service counts as absent
            log.exception("capability probe of %s failed", service)
        finally:
            with self._lock:
                self._probing.pop(service, None)
                if up:
                    self._up_until[service] = self.clock() + self.ttl
                else:
                    self._up_until.pop(service, None)
        return up

    def current(self, services: Iterable[str] = SERVICE_NAMES) -> dict[str, bool]:
        """``{service: up}`` for the services asked about, probing those not known up."""
        services = tuple(services)
        answers: dict[str, bool] = {}
        waiting: dict[str, Future[bool]] = {}
        with self._lock:
            now = self.clock()
            for service in services:
                if self._up_until.get(service, now) > now:
                    answers[service] = True
                elif service in self._probing:  # someone asked a moment ago: share it
                    waiting[service] = self._probing[service]
                else:
                    probe = self._pool.submit(self._probe, service)
                    self._probing[service] = probe
                    waiting[service] = probe
        deadline = time.monotonic() + self.probe_timeout + WAIT_MARGIN
        for service, probe in waiting.items():
            try:
                answers[service] = probe.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                answers[service] = False  # the probe goes on; its answer serves the next ask
        return {service: answers[service] for service in services}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
