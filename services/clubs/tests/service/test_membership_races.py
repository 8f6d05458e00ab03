"""Membership races against the real stack (RabbitMQ vhost + SecantusDB): joins, approvals and
hand-overs at once leave one membership, one count, one event, one president."""

from __future__ import annotations

import uuid

import eventlet
import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient

from contracts.identity import CONTEXT_KEY, Caller
from services.clubs.models import Membership
from services.clubs.service import ClubsService
from services.common.tests.callers import (
    COORDINATOR,
    MANAGER,
    THIERRY,
    VERONIQUE,
    as_,  # noqa: F401 (a fixture)
)
from tests.support import EventTap, error_code

MARKER = Caller(member_id="m-marker", email="marker@example.org", name="Marqueur")


@pytest.fixture
def clubs(start_service):
    return start_service(ClubsService)


@pytest.fixture
def joined(service_config):
    tap = EventTap(service_config["AMQP_URI"], "clubs", "club_member_joined")
    yield tap
    tap.close()


def new_club(as_, policy: str) -> dict:  # noqa: F811
    body = {"name": f"Club {uuid.uuid4().hex[:6]}", "place_id": "place-1", "join_policy": policy}
    return as_(MANAGER).clubs.create_club(body, uuid.uuid4().hex)


def at_once(who: Caller, calls: int, method: str, *args, out: str = "status") -> list[str]:
    """``calls`` RPCs of ``method`` by ``who`` at once, each with its own key: their outcomes
    (the answer's ``out`` field, or an error code)."""

    def attempt(n: int) -> str:
        context = {CONTEXT_KEY: who.to_context()}
        with ClusterRpcClient(timeout=30, context_data=context) as rpc:
            try:
                answer = getattr(rpc.clubs, method)(*args, f"{method}-{n}-{uuid.uuid4().hex}")
                return answer[out]
            except RemoteError as exc:
                return error_code(exc)

    return list(eventlet.GreenPool(calls).imap(attempt, range(calls)))


def events_until_marker(tap: EventTap) -> list[dict]:
    return tap.take_until(lambda e: e["data"]["member_id"] == MARKER.member_id, timeout=20)


def test_joins_at_once_make_one_membership_each_and_one_event(clubs, as_, joined):  # noqa: F811
    club = new_club(as_, "open")
    pool = eventlet.GreenPool(2)
    results = [pool.spawn(at_once, who, 6, "join", club["id"]) for who in (VERONIQUE, THIERRY)]
    assert [r.wait() for r in results] == [["member"] * 6, ["member"] * 6]
    assert Membership.objects(club_id=club["id"]).count() == 2
    as_(MARKER).clubs.join(club["id"], uuid.uuid4().hex)  # the signal: all before it is out
    members = [e["data"]["member_id"] for e in events_until_marker(joined)]
    assert sorted(members) == ["m-marker", "m-thierry", "m-veronique"]
    assert as_(MANAGER).clubs.get_club(club["id"])["members_count"] == 3


def test_approvals_at_once_let_the_member_in_once(clubs, as_, joined):  # noqa: F811
    club = new_club(as_, "approval")
    assert as_(VERONIQUE).clubs.join(club["id"], uuid.uuid4().hex)["status"] == "requested"
    pool = eventlet.GreenPool(2)
    results = [
        pool.spawn(
            at_once, who, 4, "answer_join_request", club["id"], "m-veronique", {"approve": True}
        )
        for who in (MANAGER, COORDINATOR)
    ]
    assert [r.wait() for r in results] == [["member"] * 4, ["member"] * 4]
    as_(MANAGER).clubs.update_club(club["id"], {"join_policy": "open"}, uuid.uuid4().hex)
    as_(MARKER).clubs.join(club["id"], uuid.uuid4().hex)
    events = events_until_marker(joined)
    assert [(e["data"]["member_id"], bool(e["data"]["approved_by"])) for e in events] == [
        ("m-veronique", True),
        ("m-marker", False),
    ]
    assert as_(MANAGER).clubs.get_club(club["id"])["members_count"] == 2
    assert as_(MANAGER).clubs.list_join_requests(club["id"]) == []


def test_hand_overs_at_once_leave_one_president(clubs, as_):  # noqa: F811
    club = new_club(as_, "open")
    for who in (VERONIQUE, THIERRY):
        as_(who).clubs.join(club["id"], uuid.uuid4().hex)
    pool = eventlet.GreenPool(2)
    results = [
        pool.spawn(
            at_once, MANAGER, 3, "hand_over", club["id"], {"member_id": member}, out="president_id"
        )
        for member in ("m-veronique", "m-thierry")
    ]
    outcomes = [o for r in results for o in r.wait()]
    president = as_(MANAGER).clubs.get_club(club["id"])["president_id"]
    assert president in ("m-veronique", "m-thierry")
    # Whoever lost either found the place no longer acting (403) or the presidency moved.
    assert set(outcomes) <= {president, "forbidden", "conflict"}
    assert outcomes.count(president) >= 1
    roles = {m["member_id"]: m["role"] for m in as_(COORDINATOR).clubs.list_members(club["id"])}
    assert sorted(roles.values()) == ["member", "president"]


def test_the_president_cannot_leave_before_handing_over(clubs, as_):  # noqa: F811
    club = new_club(as_, "open")
    as_(VERONIQUE).clubs.join(club["id"], uuid.uuid4().hex)
    as_(MANAGER).clubs.hand_over(club["id"], {"member_id": "m-veronique"}, uuid.uuid4().hex)
    with pytest.raises(RemoteError) as refused:
        as_(VERONIQUE).clubs.leave(club["id"], "m-veronique", uuid.uuid4().hex)
    assert error_code(refused.value) == "president_must_hand_over"
    with pytest.raises(RemoteError) as forbidden:  # the place no longer acts
        as_(MANAGER).clubs.leave(club["id"], "m-veronique", uuid.uuid4().hex)
    assert error_code(forbidden.value) == "forbidden"
