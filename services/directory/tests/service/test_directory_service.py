"""Directory service, and the outbox's promise: an event written is an event published."""

from __future__ import annotations

import uuid

import eventlet
import pytest
from bson import ObjectId
from nameko.exceptions import RemoteError
from pymongo import MongoClient

from services.common.envelope import make_event
from services.common.tests.callers import ADMIN, MANAGER, VERONIQUE
from services.directory.service import DirectoryService
from tests.samples import PLACE
from tests.support import EventTap, error_code, wait_until

RIEZ = PLACE


@pytest.fixture
def directory(start_service):
    return start_service(DirectoryService)


def test_create_place_is_idempotent_and_publishes_once(
    directory, coordinator, rpc_client, amqp_uri
):
    tap = EventTap(amqp_uri, "directory", "place_created")
    first = coordinator.directory.create_place(RIEZ, "riez-key")
    again = coordinator.directory.create_place(RIEZ, "riez-key")
    assert again == first
    assert rpc_client.directory.get_place(first["id"])["name"] == "Tiers-lieu de Riez"
    assert [p["id"] for p in rpc_client.directory.list_places()] == [first["id"]]
    # A later place is relayed after anything the first place still had to publish.
    marker = coordinator.directory.create_place({**RIEZ, "name": "Marqueur"}, "marker-key")
    events = tap.take_until(lambda e: e["data"]["place_id"] == marker["id"])
    tap.close()
    assert [e["data"]["place_id"] for e in events] == [first["id"], marker["id"]]


def test_filter_by_status_and_unknown_place(directory, coordinator, rpc_client):
    coordinator.directory.create_place(RIEZ, uuid.uuid4().hex)
    coordinator.directory.create_place({**RIEZ, "name": "Asoft", "status": "project"}, "asoft")
    assert [p["name"] for p in rpc_client.directory.list_places("project")] == ["Asoft"]
    with pytest.raises(RemoteError) as error:
        rpc_client.directory.get_place("nope")
    assert error_code(error.value) == "not_found"


def test_places_need_a_coordinator_even_without_the_gateway(directory, as_, rpc_client, amqp_uri):
    """``rpc_client`` sends no caller at all: a service reached without the gateway still
    says no; a member, or a place's manager, is forbidden."""
    tap = EventTap(amqp_uri, "directory", "place_created")
    for client, code in [
        (rpc_client, "authentication_required"),
        (as_(VERONIQUE), "forbidden"),
        (as_(MANAGER), "forbidden"),
    ]:
        with pytest.raises(RemoteError) as refusal:
            client.directory.create_place(RIEZ, uuid.uuid4().hex)
        assert error_code(refusal.value) == code
    assert rpc_client.directory.list_places() == []
    made = as_(ADMIN).directory.create_place(RIEZ, uuid.uuid4().hex)
    # The first event the tap sees is the admin's place: none was published before it.
    [event] = tap.take(1)
    tap.close()
    assert event["data"]["place_id"] == made["id"]
    assert [p["id"] for p in rpc_client.directory.list_places()] == [made["id"]]


def test_events_left_in_the_outbox_by_a_crash_are_published_at_start(
    container_factory, service_config, amqp_uri, mongo_uri, territory
):
    # A write whose process died before the relay ran: the event is only in the document.
    client = MongoClient(mongo_uri)
    db = client[f"{territory}_directory"]
    place_id = ObjectId()
    event = make_event(
        "directory", "place_created", {"place_id": str(place_id), **RIEZ}, territory=territory
    )
    db.places.insert_one(
        {
            "_id": place_id,
            **{k: v for k, v in RIEZ.items() if k != "location"},
            "location": {"type": "Point", "coordinates": [6.0928, 43.8186]},
            "outbox": [event],
            "outbox_pending": True,
        }
    )
    tap = EventTap(amqp_uri, "directory", "place_created")
    container = container_factory(DirectoryService)
    container.start()
    [published] = tap.take(1)
    tap.close()
    assert published["event_id"] == event["event_id"]
    relayed = wait_until(lambda: db.places.find_one({"_id": place_id, "outbox_pending": None}))
    assert relayed["outbox"] == [] and "outbox_lease" not in relayed
    client.close()


def test_two_replicas_relay_each_pending_event_once(
    container_factory, service_config, amqp_uri, mongo_uri, territory
):
    client = MongoClient(mongo_uri)
    db = client[f"{territory}_directory"]
    events = []
    for n in range(30):
        place_id = ObjectId()
        data = {"place_id": str(place_id), **PLACE, "name": f"Lieu {n}"}
        events.append(make_event("directory", "place_created", data, territory=territory))
        db.places.insert_one(
            {"_id": place_id, "name": f"Lieu {n}", "outbox": [events[-1]], "outbox_pending": True}
        )
    tap = EventTap(amqp_uri, "directory", "place_created")
    replicas = [container_factory(DirectoryService) for _ in range(2)]
    for replica in replicas:
        eventlet.spawn(replica.start)
    # Published with confirms before being cleared: once nothing is pending, every publish is
    # already in the tap's queue, duplicates included.
    wait_until(lambda: db.places.count_documents({"outbox_pending": True}) == 0)
    published = tap.drain()
    tap.close()
    client.close()
    assert sorted(e["event_id"] for e in published) == sorted(e["event_id"] for e in events)
