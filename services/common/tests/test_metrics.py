"""Where a service's metrics listen: its contract's port, on loopback unless told otherwise."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from nameko import config

from services.booking.service import BookingService
from services.common import metrics


@pytest.fixture
def served(monkeypatch) -> list[tuple[int, str]]:
    calls: list[tuple[int, str]] = []
    monkeypatch.setattr(metrics, "start_http_server", lambda port, addr: calls.append((port, addr)))
    monkeypatch.setattr(metrics, "_started_ports", set())
    return calls


def start(service_cls, **maillage) -> None:
    provider = metrics.Metrics()
    provider.container = SimpleNamespace(service_cls=service_cls, service_name=service_cls.name)
    with config.patch({"MAILLAGE": maillage}):
        provider.setup()


def test_metrics_listen_on_loopback_at_the_contract_port_by_default(served):
    start(BookingService)
    assert served == [(9102, "127.0.0.1")]


def test_containers_choose_the_address_and_port(served):
    start(BookingService, metrics_host="0.0.0.0", metrics_port=9200)
    assert served == [(9200, "0.0.0.0")]


def test_metrics_can_be_switched_off(served):
    start(BookingService, metrics_enabled=False)
    assert served == []
