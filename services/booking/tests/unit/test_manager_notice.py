"""Booking's part in telling a place's managers (issue 8): its events carry the resource's
``notify_managers`` and the member who acted (``acted_by``), whom notifications spares."""

from __future__ import annotations

import pytest

from services.booking import commands
from services.common.tests.callers import MANAGER, VERONIQUE
from tests.support import RecordingStager

from .test_access import NOW, PHONE, book
from .test_desk import approve, cancel, events


@pytest.fixture
def noticed(resource) -> dict:
    """Riez's desk, whose managers are told of its bookings."""
    change = {"notify_managers": True}
    return {
        **resource,
        **commands.update_resource(
            resource["id"], change, "u", RecordingStager("booking"), MANAGER
        ),
    }


def test_events_carry_the_setting_and_who_acted(noticed):
    mine = book(noticed)
    [(kind, data)] = events(mine)
    assert kind == "booking_confirmed"
    assert (data["notify_managers"], data["acted_by"]) == (True, VERONIQUE.member_id)
    for_her = book(noticed, who=MANAGER, key="k2", phone=PHONE, days=2)
    [(_, data)] = events(for_her)
    assert data["acted_by"] == MANAGER.member_id
    cancel(mine, MANAGER, payload={"reason": "Fermeture"}, now=NOW)
    kind, data = events(mine)[-1]
    assert kind == "booking_cancelled" and data["notify_managers"] is True
    assert data["acted_by"] == MANAGER.member_id


def test_the_setting_off_says_so(resource):
    [(_, data)] = events(book(resource))
    assert data["notify_managers"] is False


def test_an_approval_names_the_manager_who_approved(noticed):
    commands.update_resource(
        noticed["id"], {"approval_required": True}, "u2", RecordingStager("booking"), MANAGER
    )
    asked = book(noticed)
    [(kind, data)] = events(asked)
    assert (kind, data["notify_managers"], data["acted_by"]) == (
        "booking_requested",
        True,
        VERONIQUE.member_id,
    )
    approve(asked)
    kind, data = events(asked)[-1]
    assert (kind, data["acted_by"]) == ("booking_confirmed", MANAGER.member_id)
