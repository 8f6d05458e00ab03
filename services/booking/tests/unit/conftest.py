"""Booking's unit fixtures: an in-memory database and one resource of a known place (``p1``),
created by its manager."""

from __future__ import annotations

import pytest

from services.booking import commands, projections
from services.booking.models import ALIAS
from services.common.tests.callers import MANAGER
from tests.support import RecordingStager, mongomock_alias


@pytest.fixture
def db():
    with mongomock_alias(ALIAS) as database:
        yield database


@pytest.fixture
def resource(db) -> dict:
    projections.remember_place({"place_id": "p1", "name": "Riez", "commune": "Riez"})
    payload = {"name": "Bureau", "kind": "desk_pool", "seats": 1}
    return commands.create_resource(
        "p1", payload, "resource-key", RecordingStager("booking"), who=MANAGER
    )
