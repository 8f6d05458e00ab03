"""The answer to a join request (clubs' ``club_join_answered``): to the member who asked, in
their language, welcome or not; once per event; nothing without their address."""

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
    assert commands.notify_club_join_answered(SETTINGS, answered(True)) == 1
    assert commands.notify_club_join_answered(SETTINGS, answered(True)) == 0  # redelivered
    refused = {**answered(False, "j2"), "data": {**answered(False)["data"], "member_id": "m-bruno"}}
    assert commands.notify_club_join_answered(SETTINGS, refused) == 1
    emails = sent("club_join_answered")
    anne, bruno = emails["anne@example.org"], emails["bruno@example.org"]
    assert str(anne["Subject"]) == "Bienvenue au club « Club WordPress »"
    assert "Vous êtes maintenant membre" in anne.get_body(("plain",)).get_content()
    assert "/clubs/6650c0ffee00000000000c01" in anne.get_body(("plain",)).get_content()
    assert str(bruno["Subject"]) == "Your request for the club “Club WordPress”"
    assert "was not accepted" in bruno.get_body(("plain",)).get_content()
    assert {d.topic for d in Delivery.objects} == {"transactional"}


def test_a_member_without_a_known_address_gets_nothing():
    assert commands.notify_club_join_answered(SETTINGS, answered(True)) == 0
    assert Delivery.objects.count() == 0
