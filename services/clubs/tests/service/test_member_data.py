"""clubs's answer to a member's export (GDPR art. 15/20), through real RPC: their answers to
workshops (none here) for a member in no club, their memberships once they joined one;
anonymous is refused."""

from __future__ import annotations

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient

from contracts.identity import CONTEXT_KEY, Caller
from services.clubs.service import ClubsService
from tests.support import error_code

MEMBER = Caller(member_id="m-ondine", email="ondine@example.org", name="Ondine")


def test_the_export_names_the_service_and_holds_nothing(start_service):
    start_service(ClubsService)
    with ClusterRpcClient(timeout=15, context_data={CONTEXT_KEY: MEMBER.to_context()}) as rpc:
        assert rpc.clubs.export_member() == {"service": "clubs", "rsvps": []}
    with ClusterRpcClient(timeout=15) as nobody, pytest.raises(RemoteError) as refusal:
        nobody.clubs.export_member()
    assert error_code(refusal.value) == "authentication_required"


def test_the_export_lists_the_clubs_a_member_joined(start_service):
    from services.common.tests.callers import MANAGER

    start_service(ClubsService)
    body = {"name": "Club Transition", "place_id": "place-1"}
    with ClusterRpcClient(timeout=15, context_data={CONTEXT_KEY: MANAGER.to_context()}) as rpc:
        club = rpc.clubs.create_club(body, "club-key")
    with ClusterRpcClient(timeout=15, context_data={CONTEXT_KEY: MEMBER.to_context()}) as rpc:
        assert rpc.clubs.join(club["id"], "join-key")["status"] == "member"
        exported = rpc.clubs.export_member()
    [row] = exported["memberships"]
    assert (row["club_id"], row["status"], row["name"]) == (club["id"], "member", "Ondine")
