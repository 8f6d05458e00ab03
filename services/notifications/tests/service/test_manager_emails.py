"""A place's managers told of its bookings, through a real broker, database and SMTP server:
the gateway's ``place_managers_changed`` and ``member_registered`` build who to tell, booking's
events with ``notify_managers`` say when."""

from __future__ import annotations

import pytest
from nameko.standalone.events import event_dispatcher

from services.common.envelope import make_event
from services.notifications.tests.service.helpers import handled
from tests.samples import BOOKING_CONFIRMED
from tests.support import wait_until

PLACE_ID = BOOKING_CONFIRMED["place_id"]
MEMBERS = {
    "m-anne": ("anne@example.org", "Anne Martin", "fr"),
    "m-bruno": ("bruno@example.org", "Bruno Petit", "en"),
    "m-celine": ("celine@example.org", "Céline Roux", "fr"),  # manages another place
}


@pytest.fixture
def managers(notifications, territory):
    """Anne and Bruno manage the booked place, Céline another one."""
    dispatch = event_dispatcher()
    before = handled("on_place_managers_changed")
    registered = handled("on_member_registered")
    for member_id, (email, name, language) in MEMBERS.items():
        data = {"member_id": member_id, "email": email, "name": name, "language": language}
        dispatch("gateway", "member_registered", event(territory, "member_registered", data))
    places = {PLACE_ID: ["m-anne", "m-bruno"], "another-place": ["m-celine"]}
    for place_id, ids in places.items():
        data = {"place_id": place_id, "manager_ids": ids, "version": 1}
        dispatch(
            "gateway", "place_managers_changed", event(territory, "place_managers_changed", data)
        )
    wait_until(lambda: handled("on_place_managers_changed") >= before + 2)
    wait_until(lambda: handled("on_member_registered") >= registered + 3)
    return dispatch


def event(territory: str, event_type: str, data: dict) -> dict:
    source = "booking" if event_type.startswith("booking") else "gateway"
    return make_event(source, event_type, data, territory=territory)


def book(dispatch, territory: str, **changes) -> None:
    """A ``booking_confirmed`` delivered twice (a redelivery must not send more)."""
    before = handled("on_booking_confirmed")
    confirmed = event(territory, "booking_confirmed", {**BOOKING_CONFIRMED, **changes})
    dispatch("booking", "booking_confirmed", confirmed)
    dispatch("booking", "booking_confirmed", confirmed)
    wait_until(lambda: handled("on_booking_confirmed") >= before + 2)


def sent_to(operator, expected: int) -> dict[str, str]:
    """Once ``expected`` emails are sent: address -> subject of each manager email."""
    wait_until(lambda: len(operator.notifications.deliveries(50, "sent")) >= expected)
    deliveries = operator.notifications.deliveries(50)
    return {d["to"]: d["subject"] for d in deliveries if d["kind"].startswith("manager_")}


def test_each_manager_of_the_place_gets_one_email(
    managers, territory, rpc_client, smtp_server, operator
):
    book(managers, territory, notify_managers=True)
    # The person's confirmation and one email per manager of the place; not Céline.
    told = sent_to(operator, 3)
    assert sorted(told) == ["Anne Martin <anne@example.org>", "Bruno Petit <bruno@example.org>"]
    messages = smtp_server.messages()
    recipients = sorted(m["To"].addresses[0].addr_spec for m in messages)
    assert recipients == ["anne@example.org", "bruno@example.org", "marceline@example.org"]
    by_address = {m["To"].addresses[0].addr_spec: m for m in messages}
    assert by_address["anne@example.org"]["Subject"].startswith("Nouvelle réservation :")
    assert by_address["bruno@example.org"]["Subject"].startswith("New booking:")
    assert not list(by_address["bruno@example.org"].iter_attachments())  # no .ics


def test_no_manager_is_told_when_the_setting_is_off(
    managers, territory, rpc_client, smtp_server, operator
):
    book(managers, territory, notify_managers=False)
    assert sent_to(operator, 1) == {}
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.messages()] == [
        "marceline@example.org"
    ]


def test_the_manager_who_booked_gets_no_copy(
    managers, territory, rpc_client, smtp_server, operator
):
    book(managers, territory, notify_managers=True, acted_by="m-anne")
    assert list(sent_to(operator, 2)) == ["Bruno Petit <bruno@example.org>"]
    recipients = sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages())
    assert recipients == ["bruno@example.org", "marceline@example.org"]


def test_a_removed_manager_is_told_nothing_more(
    managers, territory, rpc_client, smtp_server, operator
):
    before = handled("on_place_managers_changed")
    removed = {"place_id": PLACE_ID, "manager_ids": ["m-anne"], "version": 2}
    managers(
        "gateway", "place_managers_changed", event(territory, "place_managers_changed", removed)
    )
    wait_until(lambda: handled("on_place_managers_changed") >= before + 1)
    book(managers, territory, notify_managers=True)
    assert list(sent_to(operator, 2)) == ["Anne Martin <anne@example.org>"]
