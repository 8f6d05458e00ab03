"""``services.common.identity``: who is asking, read from the RPC context in any service."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from contracts.errors import AuthenticationRequired, Forbidden
from contracts.identity import ANONYMOUS, CONTEXT_KEY, Caller, TerritoryRole
from services.common.identity import (
    CallerProvider,
    caller,
    is_territory_staff,
    require,
    require_signed_in,
)

MEMBER = Caller(member_id="m1", email="veronique@example.org", language="en")


def ctx(context_data):
    return SimpleNamespace(context_data=context_data)


def test_the_caller_the_gateway_sent_is_read_back():
    assert caller(ctx({CONTEXT_KEY: MEMBER.to_context(), "correlation_id": "c"})) == MEMBER


@pytest.mark.parametrize(
    "context_data",
    [
        None,
        {},
        {"correlation_id": "c"},
        {CONTEXT_KEY: ""},
        {CONTEXT_KEY: "not json"},
        {CONTEXT_KEY: '{"roles": ["king"]}'},
        {CONTEXT_KEY: '["a list"]'},
    ],
)
def test_absent_or_malformed_is_anonymous(context_data):
    assert caller(ctx(context_data)) is ANONYMOUS
    assert caller(ctx(context_data)).anonymous


def test_a_worker_without_context_data_is_anonymous():
    assert caller(object()) is ANONYMOUS


def test_the_provider_gives_each_worker_its_caller():
    assert CallerProvider().get_dependency(ctx({CONTEXT_KEY: MEMBER.to_context()})) == MEMBER


@pytest.mark.parametrize(
    ("who", "staff"),
    [
        (ANONYMOUS, False),
        (MEMBER, False),
        (Caller(member_id="a", roles=(TerritoryRole.admin,)), True),
        (Caller(member_id="c", roles=(TerritoryRole.coordinator,)), True),
        (Caller(roles=(TerritoryRole.admin,), operator=True), True),
    ],
)
def test_territory_staff(who, staff):
    assert is_territory_staff(who) is staff


OPERATOR = Caller(roles=(TerritoryRole.admin,), operator=True)


@pytest.mark.parametrize("who", [MEMBER, OPERATOR], ids=["member", "operator"])
def test_require_signed_in_lets_a_member_or_the_operator_through(who):
    assert require_signed_in(who, "book") is None


def test_require_signed_in_asks_anonymous_to_sign_in():
    with pytest.raises(AuthenticationRequired) as refused:
        require_signed_in(ANONYMOUS, "book")
    assert (refused.value.status, refused.value.code) == (401, "authentication_required")
    assert refused.value.params == {"action": "book"}


@pytest.mark.parametrize("who", [ANONYMOUS, MEMBER], ids=["anonymous", "member"])
def test_require_lets_anyone_allowed_through(who):
    assert require(True, who, "create a place", "place") is None


def test_require_refuses_anonymous_with_401():
    with pytest.raises(AuthenticationRequired) as refused:
        require(False, ANONYMOUS, "create a resource", "place", "p1")
    assert (refused.value.status, refused.value.code) == (401, "authentication_required")
    assert refused.value.params == {"action": "create a resource"}


@pytest.mark.parametrize("who", [MEMBER, OPERATOR], ids=["member", "operator"])
def test_require_refuses_a_signed_in_caller_with_403(who):
    with pytest.raises(Forbidden) as refused:
        require(False, who, "create a resource", "place", "p1")
    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    assert refused.value.params == {"what": "place", "id": "p1", "action": "create a resource"}


@pytest.mark.parametrize(
    ("who", "place_id", "manages"),
    [
        (Caller(member_id="m", manages=("p1",)), "p1", True),
        (Caller(member_id="m", manages=("p1",)), "p2", False),
        (Caller(member_id="m", manages=("p1",)), None, False),
        (Caller(member_id="c", roles=(TerritoryRole.coordinator,)), "p1", False),
        (Caller(member_id="a", roles=(TerritoryRole.admin,)), "p1", True),
        (OPERATOR, None, True),
        (MEMBER, "p1", False),
    ],
)
def test_manages_place(who, place_id, manages):
    """A manager of that place, or an admin (who acts for any place); not a coordinator."""
    assert who.manages_place(place_id) is manages
