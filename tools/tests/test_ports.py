"""The test platform's ports: distinct, and a port another server took is not our gateway."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, start_http_server

from tools.infra import free_ports
from tools.platform import Platform, Ports
from tools.profiles import load_profile


def test_free_ports_are_distinct():
    ports = free_ports(40)
    assert len(set(ports)) == 40 and all(port > 0 for port in ports)


def test_a_metrics_server_on_the_gateway_s_port_is_not_taken_for_the_gateway(tmp_path):
    """A metrics endpoint answers 200 to any GET: seen once when two processes of one
    platform were given the same port, the platform then thought the gateway ready."""
    [port] = free_ports(1)
    server, thread = start_http_server(port, addr="127.0.0.1", registry=CollectorRegistry())
    try:
        platform = Platform(load_profile("verdon"), tmp_path, Ports(gateway=port))
        assert platform.ready() == (False, None)
    finally:
        server.shutdown()
        thread.join(timeout=5)
