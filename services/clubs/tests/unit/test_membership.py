"""A club's life on mongomock with contract-checked events (``tests.support.RecordingStager``):
founding, joining (open, approval), leaving, removal, handing over, announcements."""

from __future__ import annotations

import pytest

from contracts.clubs import NotAMember, PresidentMustHandOver
from contracts.errors import AuthenticationRequired, Forbidden, NotFound, ValidationFailed
from contracts.identity import ANONYMOUS
from services.clubs import announcements, club_commands, members, membership, queries
from services.clubs.models import ALIAS, DOCUMENTS, Announcement, Club, Membership
from services.common.db import ensure_indexes
from services.common.tests.callers import (
    COORDINATOR,
    MANAGER,
    OTHER_MANAGER,
    THIERRY,
    VERONIQUE,
)
from tests.support import RecordingStager, mongomock_alias


@pytest.fixture
def events():
    with mongomock_alias(ALIAS):
        for document in DOCUMENTS:  # the unique indexes the rules stand on
            ensure_indexes(document)
        yield RecordingStager("clubs")


def outbox_types(document) -> list[str]:
    return [e["type"] for d in document.objects for e in d.outbox]


def found(events, policy="open", **extra) -> dict:
    body = {"name": "Club des hôtes", "place_id": "p1", "join_policy": policy, **extra}
    return club_commands.create_club(body, f"k-{policy}", events, MANAGER)


def test_a_place_founds_a_club_and_acts_as_its_president(events):
    club = found(events, purpose="Accueillir")
    assert club["acting_place"] and club["president_id"] is None
    assert club["status"] == "incubating" and club["purpose"] == "Accueillir"
    again = found(events, purpose="Accueillir")
    assert again["id"] == club["id"]  # the same key: the same club, one event
    assert outbox_types(Club) == ["club_created"]
    assert membership.may_manage(membership.club_or_404(club["id"]), MANAGER)
    assert not membership.may_manage(membership.club_or_404(club["id"]), OTHER_MANAGER)


@pytest.mark.parametrize(
    ("who", "error"),
    [(ANONYMOUS, AuthenticationRequired), (VERONIQUE, Forbidden), (OTHER_MANAGER, Forbidden)],
)
def test_only_the_places_managers_and_staff_found_clubs(events, who, error):
    with pytest.raises(error):
        club_commands.create_club({"name": "X", "place_id": "p1"}, "k", events, who)


def test_an_open_club_is_joined_at_once_and_left(events):
    club = found(events)
    joined = members.join(club["id"], "j1", events, VERONIQUE)
    assert joined["status"] == "member" and joined["role"] == "member"
    assert members.join(club["id"], "j2", events, VERONIQUE)["status"] == "member"
    assert queries.get_club(club["id"])["members_count"] == 1
    assert [m["name"] for m in queries.list_members(club["id"], VERONIQUE)] == ["Véronique"]
    left = members.leave(club["id"], VERONIQUE.member_id, "l1", events, VERONIQUE)
    assert left["status"] == "left"
    assert (
        members.leave(club["id"], VERONIQUE.member_id, "l1", events, VERONIQUE)["status"] == "left"
    )
    assert queries.get_club(club["id"])["members_count"] == 0
    assert outbox_types(Membership) == ["club_member_joined", "club_member_left"]
    back = members.join(club["id"], "j3", events, VERONIQUE)
    assert back["status"] == "member" and queries.get_club(club["id"])["members_count"] == 1


def test_a_join_request_is_approved_once_or_refused(events):
    club = found(events, policy="approval")
    assert members.join(club["id"], "j1", events, VERONIQUE)["status"] == "requested"
    assert members.join(club["id"], "j1", events, THIERRY)["status"] == "requested"
    with pytest.raises(Forbidden):
        members.answer_request(club["id"], "m-thierry", {"approve": True}, "a", events, VERONIQUE)
    assert [r["member_id"] for r in queries.list_join_requests(club["id"], MANAGER)] == [
        "m-veronique",
        "m-thierry",
    ]
    ok = members.answer_request(club["id"], "m-veronique", {"approve": True}, "a1", events, MANAGER)
    assert ok["status"] == "member"
    again = members.answer_request(
        club["id"], "m-veronique", {"approve": True}, "a2", events, MANAGER
    )
    assert again["status"] == "member"
    no = members.answer_request(club["id"], "m-thierry", {"approve": False}, "a3", events, MANAGER)
    assert no["status"] == "refused"
    with pytest.raises(NotFound):  # answered: no request left to approve
        members.answer_request(club["id"], "m-thierry", {"approve": True}, "a4", events, MANAGER)
    assert queries.get_club(club["id"])["members_count"] == 1
    assert outbox_types(Membership).count("club_member_joined") == 1
    assert outbox_types(Membership).count("club_join_requested") == 2


def test_the_presidency_is_handed_to_a_member_and_the_place_stops_acting(events):
    club = found(events, members_visible=False)
    members.join(club["id"], "j1", events, VERONIQUE)
    members.join(club["id"], "j2", events, THIERRY)
    with pytest.raises(Forbidden):  # hidden list, a plain member
        queries.list_members(club["id"], THIERRY)
    with pytest.raises(NotAMember):
        club_commands.hand_over(club["id"], {"member_id": "m-nobody"}, "h0", events, MANAGER)
    done = club_commands.hand_over(club["id"], {"member_id": "m-veronique"}, "h1", events, MANAGER)
    assert done["president_id"] == "m-veronique" and not done["acting_place"]
    assert done["president_name"] == "Véronique"
    club_now = membership.club_or_404(club["id"])
    assert not membership.may_manage(club_now, MANAGER)  # the place no longer acts
    assert membership.may_manage(club_now, VERONIQUE) and membership.may_manage(
        club_now, COORDINATOR
    )
    with pytest.raises(PresidentMustHandOver):
        members.leave(club["id"], "m-veronique", "l", events, VERONIQUE)
    members.set_role(club["id"], "m-thierry", {"role": "co_organiser"}, "r", events, VERONIQUE)
    assert membership.may_manage(membership.club_or_404(club["id"]), THIERRY)
    with pytest.raises(ValidationFailed):
        members.set_role(club["id"], "m-thierry", {"role": "president"}, "r2", events, VERONIQUE)
    roles = [(m["member_id"], m["role"]) for m in queries.list_members(club["id"], THIERRY)]
    assert roles == [("m-veronique", "president"), ("m-thierry", "co_organiser")]
    removed = members.leave(club["id"], "m-thierry", "rm", events, VERONIQUE)
    assert removed["status"] == "left"
    left = [e for d in Membership.objects for e in d.outbox if e["type"] == "club_member_left"]
    assert left[0]["data"]["removed_by"] == "m-veronique"


def test_autonomy_is_decided_with_its_date_and_who(events):
    club = found(events)
    with pytest.raises(Forbidden):
        club_commands.set_status(club["id"], {"status": "autonomous"}, "s", events, OTHER_MANAGER)
    done = club_commands.set_status(club["id"], {"status": "autonomous"}, "s", events, COORDINATOR)
    assert done["status"] == "autonomous" and done["status_changed_by"] == "m-coord"
    assert done["status_changed_at"]
    club_commands.set_status(club["id"], {"status": "autonomous"}, "s2", events, MANAGER)
    assert outbox_types(Club) == ["club_created", "club_status_changed"]


def test_updates_change_only_what_differs(events):
    club = found(events)
    same = club_commands.update_club(club["id"], {"name": "Club des hôtes"}, "u", events, MANAGER)
    assert same["name"] == "Club des hôtes" and outbox_types(Club) == ["club_created"]
    changed = club_commands.update_club(
        club["id"], {"join_policy": "approval"}, "u", events, MANAGER
    )
    assert changed["join_policy"] == "approval"
    assert outbox_types(Club) == ["club_created", "club_updated"]
    with pytest.raises(Forbidden):
        club_commands.update_club(club["id"], {"name": "À moi"}, "u", events, VERONIQUE)


def test_an_announcement_names_the_members_and_is_read_by_them_only(events):
    club = found(events)
    members.join(club["id"], "j1", events, VERONIQUE)
    with pytest.raises(Forbidden):
        announcements.post(club["id"], {"subject": "S", "body": "B"}, "p", events, VERONIQUE)
    body = {"subject": "Réunion jeudi", "body": "Ordre du jour…"}
    posted = announcements.post(club["id"], body, "p1", events, MANAGER)
    assert announcements.post(club["id"], body, "p1", events, MANAGER)["id"] == posted["id"]
    assert posted["recipients"] == 1
    [event] = [e for d in Announcement.objects for e in d.outbox]
    assert event["data"]["member_ids"] == ["m-veronique"]
    assert [a["subject"] for a in announcements.list_announcements(club["id"], VERONIQUE)] == [
        "Réunion jeudi"
    ]
    with pytest.raises(Forbidden):
        announcements.list_announcements(club["id"], THIERRY)


def test_an_unknown_club_is_not_found(events):
    with pytest.raises(NotFound) as missing:
        membership.club_or_404("0" * 24)
    assert missing.value.params == {"what": "club", "id": "0" * 24}
    with pytest.raises(NotFound):
        membership.club_or_404("not-an-id")


def test_an_erased_member_leaves_no_name_and_their_club_goes_back_to_its_place(events):
    from services.clubs import member_data

    club = found(events)
    members.join(club["id"], "j1", events, VERONIQUE)
    members.join(club["id"], "j2", events, THIERRY)
    club_commands.hand_over(club["id"], {"member_id": "m-veronique"}, "h", events, MANAGER)
    announcements.post(club["id"], {"subject": "S", "body": "B"}, "p", events, VERONIQUE)
    erased = {"data": {"member_id": "m-veronique", "email": "veronique@example.org"}}
    assert member_data.erase_member(erased) == 1
    assert member_data.erase_member(erased) == 0  # nothing left to change
    now = queries.get_club(club["id"])
    assert now["acting_place"] and now["president_name"] is None and now["members_count"] == 1
    assert [m["member_id"] for m in queries.list_members(club["id"], MANAGER)] == ["m-thierry"]
    assert Membership.objects(member_id="m-veronique").count() == 0
    assert Membership.objects(name="Véronique").count() == 0
    assert Announcement.objects(author_id="m-veronique").count() == 0
