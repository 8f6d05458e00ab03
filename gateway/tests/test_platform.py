"""The platform's routes (routers/platform.py): health, capabilities, readiness.

Capabilities keep an "up" answer for the TTL and never keep an "absent" one: a service that
did not answer is asked again on the next request, concurrent requests share one probe, and
no request waits much longer than the probe timeout.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import ValidationError

from contracts import SERVICE_NAMES
from gateway.capabilities import WAIT_MARGIN, Capabilities
from gateway.rpc_client import BusUnreachable, RemoteError

from .fakes import FakeRpc, TestClient, app_for, client, is_problem, settings


def test_capabilities_follow_which_services_answer_health():
    fake = FakeRpc(
        down={"clubs"},
        script={
            ("notifications", "health"): RemoteError(
                "notifications",
                {"exc_type": "ServerSelectionTimeoutError", "exc_args": ["db"], "value": "db"},
            )
        },
    )
    response = client(fake).get("/api/capabilities")
    assert response.status_code == 200
    assert response.json() == {
        "territory": "verdon",
        "label": None,
        "services": {
            "directory": True,
            "booking": True,
            "clubs": False,
            "notifications": False,
        },
    }
    assert sorted(c.service for c in fake.probes()) == sorted(SERVICE_NAMES)
    assert all(c.timeout == 0.5 for c in fake.probes())


def test_health_answer_other_than_ok_means_absent():
    fake = FakeRpc(script={("booking", "health"): {"service": "booking", "status": "starting"}})
    services = client(fake).get("/api/capabilities").json()["services"]
    assert services["booking"] is False
    assert services["directory"] is True


def test_capabilities_are_cached_for_the_ttl():
    fake = FakeRpc()
    api = client(fake, capabilities_ttl=3600)
    first = api.get("/api/capabilities").json()
    fake.down.add("booking")  # would show if the gateway probed again
    second = api.get("/api/capabilities").json()
    assert first == second
    assert second["services"]["booking"] is True
    assert len(fake.probes()) == len(SERVICE_NAMES)


def test_capabilities_are_probed_again_once_the_ttl_is_over():
    fake = FakeRpc()
    api = client(fake, capabilities_ttl=0)
    assert api.get("/api/capabilities").json()["services"]["booking"] is True
    fake.down.add("booking")
    assert api.get("/api/capabilities").json()["services"]["booking"] is False
    assert len(fake.probes()) == 2 * len(SERVICE_NAMES)


def test_gateway_health_calls_no_service():
    fake = FakeRpc()
    response = client(fake).get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "territory": "verdon"}
    assert fake.calls == []


def test_rpc_client_is_closed_on_shutdown():
    fake = FakeRpc()
    with TestClient(app_for(fake)) as api:
        assert api.get("/api/health").status_code == 200
        assert not fake.closed
    assert fake.closed


def test_health_answers_while_every_service_is_still_starting():
    fake = FakeRpc(down=set(SERVICE_NAMES))
    response = client(fake, services="directory,booking").get("/api/health")
    assert response.status_code == 200
    assert fake.calls == []


# --- no negative caching ---------------------------------------------------------------------


def test_an_absent_service_is_asked_again_on_the_next_request():
    fake = FakeRpc(down={"booking"})
    api = client(fake, capabilities_ttl=3600)
    assert api.get("/api/capabilities").json()["services"]["booking"] is False
    fake.down.clear()  # booking has finished starting
    assert api.get("/api/capabilities").json()["services"]["booking"] is True
    assert [c.service for c in fake.probes()].count("booking") == 2


def test_only_absent_services_are_probed_again_within_the_ttl():
    fake = FakeRpc(down={"clubs"})
    api = client(fake, capabilities_ttl=3600)
    api.get("/api/capabilities")
    api.get("/api/capabilities")
    probed = [c.service for c in fake.probes()]
    assert sorted(probed) == sorted([*SERVICE_NAMES, "clubs"])


def test_a_service_found_down_loses_its_cached_up_answer():
    now = [0.0]
    fake = FakeRpc()
    caps = Capabilities(fake, ttl=5, probe_timeout=0.5, clock=lambda: now[0])
    try:
        assert caps.current(["booking"]) == {"booking": True}
        now[0] = 4.9
        fake.down.add("booking")
        assert caps.current(["booking"]) == {"booking": True}  # within the TTL: trusted
        now[0] = 5.0
        assert caps.current(["booking"]) == {"booking": False}  # TTL over: asked, absent
        fake.down.clear()
        assert caps.current(["booking"]) == {"booking": True}  # and asked again at once
        assert len(fake.probes()) == 3
    finally:
        caps.close()


class SlowHealth(FakeRpc):
    """``health`` of ``slow`` blocks until ``release`` is set."""

    def __init__(self, slow: str) -> None:
        super().__init__()
        self.slow = slow
        self.release = threading.Event()
        self.started = threading.Event()

    def call(self, service, method, *args, **kwargs):
        if service == self.slow and method == "health":
            self.started.set()
            self.release.wait(10)
        return super().call(service, method, *args, **kwargs)


def test_concurrent_requests_share_one_probe_per_service():
    fake = SlowHealth("booking")
    caps = Capabilities(fake, ttl=0, probe_timeout=5)
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            asks = [pool.submit(caps.current, ["booking"]) for _ in range(20)]
            assert fake.started.wait(5)
            time.sleep(0.1)  # let every request reach the shared probe
            fake.release.set()
            answers = [ask.result(timeout=5) for ask in asks]
        assert answers == [{"booking": True}] * 20
        assert len(fake.probes()) == 1
    finally:
        fake.release.set()
        caps.close()


def test_a_hanging_probe_does_not_hold_the_request_longer_than_the_probe_timeout():
    fake = SlowHealth("booking")
    caps = Capabilities(fake, ttl=60, probe_timeout=0.2)
    try:
        started = time.monotonic()
        answers = caps.current()
        waited = time.monotonic() - started
        assert answers["booking"] is False and answers["directory"] is True
        assert waited < 0.2 + WAIT_MARGIN + 0.3
        # The probe goes on; once it answers, the next request sees booking up.
        fake.release.set()
        deadline = time.monotonic() + 5
        while caps.current(["booking"]) != {"booking": True}:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        fake.release.set()
        caps.close()


def test_an_unexpected_probe_failure_counts_as_absent():
    fake = FakeRpc(script={("clubs", "health"): RuntimeError("bug")})
    services = client(fake).get("/api/capabilities").json()["services"]
    assert services["clubs"] is False and services["booking"] is True


class DroppedOnce(FakeRpc):
    """A fake whose connection to the broker breaks ``times`` times (each probe's first call
    fails with ``BusUnreachable``), as after a broker restart or its connections closed."""

    def __init__(self, times: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.times = times

    def call(self, service, method, *args, **kwargs):
        with self._lock:
            dropped, self.times = self.times > 0, self.times - 1
        if dropped:
            self.calls.append(None)
            raise BusUnreachable(service, "message bus unreachable (StreamLostError)")
        return super().call(service, method, *args, **kwargs)


def test_a_probe_that_lost_its_connection_is_asked_again_not_reported_absent():
    fake = DroppedOnce(times=1)
    capabilities = Capabilities(fake, ttl=60, probe_timeout=0.5)
    assert capabilities.current(["booking"]) == {"booking": True}
    assert len(fake.calls) == 2  # the dropped call, then the probe on a fresh connection


def test_a_bus_that_stays_unreachable_is_absent_after_a_bounded_number_of_probes():
    fake = DroppedOnce(times=100)
    capabilities = Capabilities(fake, ttl=60, probe_timeout=0.5)
    assert capabilities.current(["booking"]) == {"booking": False}
    assert len(fake.calls) == 2


def test_a_service_not_running_is_not_asked_twice():
    fake = FakeRpc(down={"clubs"})
    assert Capabilities(fake, ttl=60, probe_timeout=0.5).current(["clubs"]) == {"clubs": False}
    assert len(fake.probes()) == 1


def test_the_probe_pool_is_stopped_on_shutdown():
    fake = FakeRpc()
    app = app_for(fake, capabilities_ttl=0)
    with TestClient(app) as api:
        api.get("/api/capabilities")
    with pytest.raises(RuntimeError):  # no new probe after shutdown
        app.state.capabilities.current()


# --- readiness -------------------------------------------------------------------------------


def test_ready_without_expected_services_is_the_gateway_alone():
    fake = FakeRpc(down=set(SERVICE_NAMES))
    response = client(fake, services="").get("/api/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "territory": "verdon", "services": []}
    assert fake.calls == []


def test_ready_when_every_expected_service_answers():
    fake = FakeRpc(down={"clubs", "notifications"})  # not run by this territory
    response = client(fake, services="directory,booking").get("/api/ready")
    assert response.status_code == 200
    assert response.json()["services"] == ["directory", "booking"]
    assert sorted(c.service for c in fake.probes()) == ["booking", "directory"]


def test_not_ready_is_503_naming_the_missing_services():
    fake = FakeRpc(
        down={"booking"},
        script={("notifications", "health"): {"service": "notifications", "status": "starting"}},
    )
    api = client(fake, services="directory,booking,notifications")
    body = is_problem(api.get("/api/ready"), 503, "not_ready")
    assert body["missing"] == ["booking", "notifications"]
    assert "booking" in body["detail"] and "notifications" in body["detail"]
    # once they answer, ready at once: "absent" was not cached
    fake.down.clear()
    del fake.script[("notifications", "health")]
    assert api.get("/api/ready").status_code == 200


def test_ready_follows_a_remote_error_in_health():
    fake = FakeRpc(
        script={
            ("directory", "health"): RemoteError(
                "directory", {"exc_type": "ServerSelectionTimeoutError", "exc_args": ["db"]}
            )
        }
    )
    body = is_problem(client(fake, services="directory").get("/api/ready"), 503, "not_ready")
    assert body["missing"] == ["directory"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ()),
        ("directory", ("directory",)),
        (" directory , booking,", ("directory", "booking")),
        ("directory,booking,clubs,notifications", tuple(SERVICE_NAMES)),
    ],
)
def test_services_setting_is_a_comma_separated_list(value, expected):
    assert settings(services=value).expected_services == expected


def test_services_setting_refuses_an_unknown_service():
    with pytest.raises(ValidationError, match="billing"):
        settings(services="directory,billing")


def test_services_setting_reads_maillage_services(monkeypatch):
    from gateway.settings import GatewaySettings

    monkeypatch.setenv("MAILLAGE_SERVICES", "directory,clubs")
    assert GatewaySettings().expected_services == ("directory", "clubs")
