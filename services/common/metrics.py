"""Prometheus metrics of a service, served on the service's own port."""

from __future__ import annotations

import logging
import time

from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from .config import container_settings
from .logs import correlation_id

REQUESTS = Counter(
    "maillage_rpc_requests_total", "RPC calls handled", ["service", "method", "outcome"]
)
LATENCY = Histogram(
    "maillage_rpc_latency_seconds",
    "RPC handling time",
    ["service", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter(
    "maillage_events_published_total", "Events relayed from the outbox", ["service", "type"]
)
EVENTS_HANDLED = Counter(
    "maillage_events_handled_total",
    "Events handled by outcome (ok, duplicate, retry, dead)",
    ["service", "handler", "outcome"],
)
OUTBOX_BACKLOG = Gauge(
    "maillage_outbox_backlog", "Documents whose events wait in the outbox", ["service"]
)
DEAD_LETTERS = Gauge("maillage_dead_letters", "Events parked after exhausting retries", ["service"])

DEFAULT_PORT = 9100  # a service class sets ``metrics_port`` from its contract
_started_ports: set[int] = set()
log = logging.getLogger("maillage.entrypoints")


class Metrics(DependencyProvider):
    """Times every entrypoint, counts outcomes, and binds the log correlation id."""

    def setup(self) -> None:
        settings = container_settings()
        default = getattr(self.container.service_cls, "metrics_port", DEFAULT_PORT)
        port = settings.metrics_port or default
        if settings.metrics_enabled and port not in _started_ports:
            start_http_server(port, addr=settings.metrics_host)
            _started_ports.add(port)
        self._started: dict[int, float] = {}

    def worker_setup(self, worker_ctx) -> None:
        correlation_id.set(worker_ctx.context_data.get("correlation_id"))
        self._started[id(worker_ctx)] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        started = self._started.pop(id(worker_ctx), None)
        service = self.container.service_name
        method = worker_ctx.entrypoint.method_name
        outcome = "ok" if exc_info is None else type(exc_info[1]).__name__
        REQUESTS.labels(service, method, outcome).inc()
        elapsed = time.perf_counter() - started if started is not None else 0.0
        LATENCY.labels(service, method).observe(elapsed)
        log.info(
            "handled %s.%s",
            service,
            method,
            extra={"method": method, "outcome": outcome, "duration_ms": round(elapsed * 1000, 2)},
        )

    def get_dependency(self, worker_ctx):
        return None
