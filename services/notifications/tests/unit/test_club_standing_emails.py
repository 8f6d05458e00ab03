"""A member's own standing in a club (``club_standing.py``): the answer to their join request,
their removal, the presidency handed to them; each in their language, once per event,
nothing without their address or for what they did themselves."""

from __future__ import annotations

from services.notifications import commands
from services.notifications.models import Delivery
from tests.contracts.test_events import SAMPLES

from .test_commands import SETTINGS
from .test_workshop_emails import contacts, sent

ANSWER = {**SAMPLES["clubs", "club_join_answered"], "member_id": "m-anne"}


def answered(approved: bool, event_id: str = "j1") -> dict:
    return {
        "event_id": event_id,
        "type": "club_join_answered",
        "data": {**ANSWER, "approved": approved},
    }


def test_a_welcome_or_a_refusal_each_in_the_member_s_words_once():
    contacts()
    assert commands.notify_club_standing(SETTINGS, answered(True)) == 1
    assert commands.notify_club_standing(SETTINGS, answered(True)) == 0  # redelivered
    refused = {**answered(False, "j2"), "data": {**answered(False)["data"], "member_id": "m-bruno"}}
    assert commands.notify_club_standing(SETTINGS, refused) == 1
    emails = sent("club_join_answered")
    anne, bruno = emails["anne@example.org"], emails["bruno@example.org"]
    assert str(anne["Subject"]) == "Bienvenue au club « Club WordPress »"
    assert "Vous êtes maintenant membre" in anne.get_body(("plain",)).get_content()
    assert "/clubs/6650c0ffee00000000000c01" in anne.get_body(("plain",)).get_content()
    assert str(bruno["Subject"]) == "Your request for the club “Club WordPress”"
    assert "was not accepted" in bruno.get_body(("plain",)).get_content()
    assert {d.topic for d in Delivery.objects} == {"transactional"}


def test_a_member_without_a_known_address_gets_nothing():
    assert commands.notify_club_standing(SETTINGS, answered(True)) == 0
    assert Delivery.objects.count() == 0


def standing(event_type: str, event_id: str, **data) -> dict:
    base = {"club_id": "c1", "place_id": "p1", "club_name": "Club des hôtes"}
    return {"event_id": event_id, "type": event_type, "data": {**base, **data}}


def test_a_removed_member_is_told_one_who_left_is_not():
    contacts()
    removed = standing("club_member_left", "l1", member_id="m-bruno", removed_by="m-anne")
    left = standing("club_member_left", "l2", member_id="m-anne", removed_by=None)
    assert commands.notify_club_standing(SETTINGS, removed) == 1
    assert commands.notify_club_standing(SETTINGS, left) == 0
    [bruno] = sent("club_member_removed").values()
    assert str(bruno["Subject"]) == "You are no longer a member of the club “Club des hôtes”"
    assert Delivery.objects.get(kind="club_member_removed").topic == "clubs"


def test_the_new_president_is_told_with_the_way_to_the_club_s_management():
    contacts()
    handed = standing(
        "club_president_changed", "h1", president_id="m-anne", previous_id=None, changed_by=None
    )
    assert commands.notify_club_standing(SETTINGS, handed) == 1
    back = standing(
        "club_president_changed", "h2", president_id=None, previous_id="m-anne", changed_by=None
    )
    assert commands.notify_club_standing(SETTINGS, back) == 0  # the place acts: nobody to tell
    [anne] = sent("club_presidency_received").values()
    assert str(anne["Subject"]).startswith("Vous êtes maintenant président ou présidente")
    assert "/clubs/c1/gestion" in anne.get_body(("plain",)).get_content()
