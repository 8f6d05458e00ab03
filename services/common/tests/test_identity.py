"""``services.common.identity``: who is asking, read from the RPC context in any service."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from contracts.identity import ANONYMOUS, CONTEXT_KEY, Caller, TerritoryRole
from services.common.identity import CallerProvider, caller, is_territory_staff

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
