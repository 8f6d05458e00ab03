"""A service the territory does not run, or that stopped: 503 naming it, others unaffected."""

from __future__ import annotations

import httpx
import pytest

from .conftest import running
from .helpers import add_resource, create_place, is_problem, wait_for


@pytest.fixture(scope="module")
def baronnies(tmp_path_factory):
    with running("baronnies", tmp_path_factory) as platform:
        yield platform


def test_territory_without_clubs_answers_503_for_clubs(baronnies):
    with httpx.Client(base_url=baronnies.url, timeout=30) as api:
        caps = api.get("/api/capabilities").json()["services"]
        assert caps == {"directory": True, "booking": True, "clubs": False, "notifications": False}
        # ready: the territory runs directory and booking, nothing more is expected
        assert api.get("/api/ready").json()["services"] == ["directory", "booking"]
        body = is_problem(api.get("/api/clubs"), 503)
        assert body["service"] == "clubs" and "clubs" in body["detail"]
        # the services it does run work without notifications: no email, but a booking
        place = create_place(api)  # by the operator
        resource = add_resource(
            api, place["id"], {"name": "Poste", "kind": "desk_pool", "seats": 1}
        )
        assert resource["place_id"] == place["id"]


def test_stopped_service_answers_503_and_leaves_capabilities(baronnies):
    baronnies.stop_service("booking")
    try:
        with httpx.Client(base_url=baronnies.url, timeout=30) as api:
            body = is_problem(api.get("/api/places/x/resources"), 503)
            assert body["service"] == "booking"
            wait_for(lambda: api.get("/api/capabilities").json()["services"]["booking"] is False)
            body = is_problem(api.get("/api/ready"), 503)
            assert body["code"] == "not_ready" and body["missing"] == ["booking"]
            assert api.get("/api/places").status_code == 200
    finally:
        baronnies.start_service("booking")
        baronnies.wait_ready()
    with httpx.Client(base_url=baronnies.url, timeout=30) as api:
        assert api.get("/api/ready").status_code == 200
