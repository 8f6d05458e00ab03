"""A member's rights in booking, against a real RabbitMQ vhost and SecantusDB: the export
(``export_member`` over RPC, the caller in the context) and the erasure (the gateway's
``member_erased`` through the broker): her bookings are anonymised, everyone else's and the
counts stay."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcClient
from pymongo import MongoClient

from contracts.identity import CONTEXT_KEY, Caller
from services.booking.member_data import ERASED_NAME
from services.booking.models import KnownPlace
from services.booking.service import BookingService
from services.common.envelope import make_event
from tests.support import error_code, metric_total, wait_until

VERONIQUE = Caller(member_id="m-veronique-7f3", email="Veronique.Zephyrine@example.org")
THIERRY = Caller(member_id="m-thierry-7f3", email="thierry@example.org")
MANAGER = Caller(member_id="m-riez", email="facilitateur@riez.example.org", manages=("place-1",))
PHONE = "06 71 82 93 04"


@pytest.fixture
def as_(service_config):
    """``as_(caller)``: an RPC client that sends this caller, as the gateway does."""
    clients = []

    def make(who: Caller | None) -> ClusterRpcClient:
        context = {CONTEXT_KEY: who.to_context()} if who is not None else {}
        client = ClusterRpcClient(timeout=15, context_data=context)
        clients.append(client)
        return client.start()

    yield make
    for client in clients:
        client.stop()


@pytest.fixture
def bookings(mongo_uri, territory):
    client = MongoClient(mongo_uri)
    yield client[f"{territory}_booking"]["bookings"]
    client.close()


def at(days: int, hours: int = 9) -> str:
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (base + timedelta(days=days, hours=hours)).isoformat()


def wanted(resource_id: str, days: int, **person) -> dict:
    return {"resource_id": resource_id, "start": at(days), "end": at(days, 10), **person}


@pytest.fixture
def made(start_service, as_):
    """Véronique's bookings — one signed in (then cancelled), one a facilitator made for her
    address with her phone — and Thierry's: (resource, hers, his)."""
    start_service(BookingService)
    manager = as_(MANAGER)
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    payload = {"name": "Bureau partagé", "kind": "desk_pool", "seats": 2}
    resource = manager.booking.create_resource("place-1", payload, uuid.uuid4().hex)
    veronique = as_(VERONIQUE)
    signed_in = veronique.booking.create_booking(
        wanted(resource["id"], 3, name="Véronique Zéphyrine", email=VERONIQUE.email, phone=PHONE),
        uuid.uuid4().hex,
    )
    veronique.booking.cancel_booking(signed_in["id"], uuid.uuid4().hex)
    # The facilitator booked for her before she had an account: her address, not her id.
    for_her = manager.booking.create_booking(
        wanted(
            resource["id"],
            4,
            name="Véronique Zéphyrine",
            email="veronique.zephyrine@example.org",
            phone=PHONE,
        ),
        uuid.uuid4().hex,
    )
    his = as_(THIERRY).booking.create_booking(
        wanted(resource["id"], 4, name="Thierry"), uuid.uuid4().hex
    )
    return resource, [signed_in["id"], for_her["id"]], his


def test_the_export_lists_her_bookings_of_every_status_with_her_phone(made, as_):
    _, hers, his = made
    exported = as_(VERONIQUE).booking.export_member()
    assert exported["service"] == "booking"
    by_id = {b["id"]: b for b in exported["bookings"]}
    assert sorted(by_id) == sorted(hers)  # by member id and by address, not Thierry's
    assert by_id[hers[0]]["status"] == "cancelled" and by_id[hers[0]]["cancelled_by"] == "owner"
    assert by_id[hers[1]]["status"] == "confirmed"
    assert {b["phone"] for b in by_id.values()} == {PHONE}
    assert {b["place_id"] for b in by_id.values()} == {"place-1"}
    assert [b["id"] for b in as_(THIERRY).booking.export_member()["bookings"]] == [his["id"]]
    with pytest.raises(RemoteError) as refusal:
        as_(None).booking.export_member()
    assert error_code(refusal.value) == "authentication_required"


def erased_handled() -> float:
    return metric_total(
        "maillage_events_handled_total", service="booking", handler="on_member_erased"
    )


def test_member_erased_anonymises_her_bookings_and_keeps_the_counts(
    made, as_, bookings, territory, rpc_client
):
    resource, hers, his = made
    counts_before = rpc_client.booking.list_bookings(resource["id"])
    statuses_before = {str(d["_id"]): d["status"] for d in bookings.find()}
    event = make_event(
        "gateway",
        "member_erased",
        {"member_id": VERONIQUE.member_id, "email": "veronique.zephyrine@example.org"},
        territory=territory,
    )
    # Failed events parked by the inbox: hers would bring her back if replayed.
    failures = bookings.database["event_failures"]
    for key, address in (("on_x:hers", VERONIQUE.email), ("on_x:his", THIERRY.email)):
        parked = {"data": {"email": address, "name": "x"}, "type": "booking_confirmed"}
        failures.insert_one({"_id": key, "status": "dead", "event": parked, "handler": "on_x"})
    before = erased_handled()
    dispatch = event_dispatcher()
    dispatch("gateway", "member_erased", event)
    dispatch("gateway", "member_erased", event)  # delivered twice: idempotent
    wait_until(lambda: erased_handled() >= before + 2)
    assert [row["_id"] for row in failures.find()] == ["on_x:his"]

    stored = {str(d["_id"]): d for d in bookings.find()}
    text = json.dumps(
        [{k: v for k, v in d.items() if k != "_id"} for d in stored.values()], default=str
    ).lower()
    for trace in ("zephyrine", "zéphyrine", VERONIQUE.member_id, PHONE):
        assert trace.lower() not in text, trace
    for booking_id in hers:
        booking = stored[booking_id]
        assert booking["name"] == ERASED_NAME
        assert not {"email", "phone", "member_id", "email_key"} & set(booking)
        assert booking["resource_id"] == resource["id"] and booking["place_id"] == "place-1"
        assert booking["seats"] == 1 and booking["start"] and booking["end"]
    assert {k: d["status"] for k, d in stored.items()} == statuses_before
    # Thierry's booking is his still; the counts the funders read are unchanged.
    assert stored[his["id"]]["email"] == "thierry@example.org"
    assert stored[his["id"]]["member_id"] == THIERRY.member_id
    after = rpc_client.booking.list_bookings(resource["id"])
    assert [b["id"] for b in after] == [b["id"] for b in counts_before]
    assert as_(VERONIQUE).booking.export_member()["bookings"] == []
