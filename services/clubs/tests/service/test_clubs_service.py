"""Clubs service against a real RabbitMQ vhost and SecantusDB."""

from __future__ import annotations

import pytest

from services.clubs.models import Club
from services.clubs.service import ClubsService


@pytest.fixture
def clubs(start_service):
    return start_service(ClubsService)


def test_clubs_are_listed_over_rpc_by_place(clubs, rpc_client):
    assert rpc_client.clubs.health() == {"service": "clubs", "status": "ok"}
    for name, place in [("Transition", "p1"), ("Hôtes", "p2"), ("WordPress", "p1")]:
        Club(name=name, place_id=place).save()
    assert [c["name"] for c in rpc_client.clubs.list_clubs()] == [
        "Hôtes",
        "Transition",
        "WordPress",
    ]
    assert [c["name"] for c in rpc_client.clubs.list_clubs("p1")] == ["Transition", "WordPress"]
