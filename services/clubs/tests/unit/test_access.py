"""Who manages a club, pure rules (``rules/access.py``)."""

from __future__ import annotations

import pytest

from contracts.identity import ANONYMOUS
from services.clubs.rules import access
from services.common.tests.callers import (
    ADMIN,
    COORDINATOR,
    MANAGER,
    OPERATOR,
    OTHER_MANAGER,
    THIERRY,
    VERONIQUE,
    name,
)


@pytest.mark.parametrize(
    ("who", "acting", "presided"),
    [
        (ANONYMOUS, False, False),
        (VERONIQUE, False, True),  # she is the president in the second case
        (THIERRY, False, False),
        (MANAGER, True, False),  # the host place's manager: only while the place acts
        (OTHER_MANAGER, False, False),
        (COORDINATOR, True, True),
        (ADMIN, True, True),
        (OPERATOR, True, True),
    ],
    ids=name,
)
def test_who_manages_a_club_while_the_place_acts_and_once_it_has_a_president(who, acting, presided):
    assert access.manages_without_membership(None, "p1", who) is acting
    assert access.manages_without_membership(VERONIQUE.member_id, "p1", who) is presided


def test_autonomy_is_decided_by_staff_or_the_host_place_whoever_presides():
    assert access.decides_status("p1", MANAGER)
    assert access.decides_status("p1", COORDINATOR)
    assert access.decides_status("p1", OPERATOR)
    assert not access.decides_status("p1", OTHER_MANAGER)
    assert not access.decides_status("p1", VERONIQUE)
    assert not access.decides_status(None, MANAGER)


def test_the_members_list_shows_to_managers_always_and_to_members_when_allowed():
    assert access.sees_members(members_visible=False, is_member=False, manages=True)
    assert access.sees_members(members_visible=True, is_member=True, manages=False)
    assert not access.sees_members(members_visible=False, is_member=True, manages=False)
    assert not access.sees_members(members_visible=True, is_member=False, manages=False)


def test_the_president_is_the_clubs_own_field_whatever_the_membership_says():
    assert access.role_of("m1", "m1", "member") == "president"
    assert access.role_of("m1", "m2", "co_organiser") == "co_organiser"
    assert access.role_of(None, "m2", "president") == "member"  # a stale role is not trusted
    assert access.role_of("m1", "m2", None) == "member"


def test_changed_fields_ignores_unchanged_and_absent_values():
    before = {"name": "Club", "purpose": "", "members_visible": True}
    assert access.changed_fields(before, {"name": "Club", "purpose": "Jardiner"}) == ["purpose"]
    assert access.changed_fields(before, {"members_visible": False}) == ["members_visible"]
    assert access.changed_fields(before, {"name": None}) == []
