"""Preferences per kind of message: the rules, the signed links, the one-click per kind, and
what ``record`` does with them (a kind turned off is not sent; what the person just asked for
always is; "stop everything" still stops everything)."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from contracts.errors import AuthenticationRequired
from contracts.identity import Caller
from contracts.notifications import InvalidUnsubscribeLink, UnknownMessageKind
from services.notifications import commands, compose, preferences
from services.notifications.models import Contact, Delivery, EmailPreference
from services.notifications.rules import token_for
from services.notifications.tests.samples import message
from tests.samples import BOOKING_CONFIRMED

MARCELINE = "marceline@example.org"
SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    default_language="fr",
    coordinator_email="coord@example.org",
)


def token(email: str = MARCELINE) -> str:
    return token_for(commands.link_secret(), email)


def event(kind: str, data: dict, n: int = 1) -> dict:
    return {
        "event_id": f"e{n}",
        "type": kind,
        "occurred_at": f"2026-11-20T10:00:0{n}+00:00",
        "data": data,
    }


# -- the rules ------------------------------------------------------------------------------
def test_every_kind_is_on_but_the_digest_which_is_asked_for():
    assert preferences.effective({}) == {
        "bookings": True,
        "clubs": True,
        "directory": True,
        "digests": False,
        "announcements": True,
    }
    assert preferences.effective({"digests": True, "clubs": False})["digests"] is True
    assert preferences.effective({"digests": True, "clubs": False})["clubs"] is False


def test_a_transactional_message_is_wanted_whatever_was_turned_off():
    everything_off = {topic: False for topic in preferences.TOPICS}
    assert preferences.wants(everything_off, "transactional") is True
    assert preferences.wants(everything_off, "bookings") is False


def test_an_unknown_kind_or_a_non_boolean_is_refused_whole():
    with pytest.raises(UnknownMessageKind) as error:
        preferences.checked({"bookings": False, "spam": True})
    assert error.value.params["kind"] == "spam"
    with pytest.raises(UnknownMessageKind):
        preferences.checked({"bookings": "no"})
    with pytest.raises(UnknownMessageKind):
        preferences.checked({"transactional": False})  # not a kind one can stop


# -- by the signed link -----------------------------------------------------------------------
def test_the_link_shows_and_changes_the_preferences_of_its_address_only():
    with pytest.raises(InvalidUnsubscribeLink):
        commands.email_preferences(MARCELINE, "forged")
    with pytest.raises(InvalidUnsubscribeLink):
        commands.set_email_preferences(MARCELINE, token("other@example.org"), {"clubs": False})
    shown = commands.email_preferences(" Marceline@Example.org", token())
    assert shown["email"] == MARCELINE and shown["kinds"]["bookings"] is True
    changed = commands.set_email_preferences(MARCELINE, token(), {"clubs": False, "digests": True})
    assert changed["kinds"]["clubs"] is False and changed["kinds"]["digests"] is True
    assert changed["kinds"]["bookings"] is True  # the kinds not named keep their value
    assert commands.email_preferences(MARCELINE, token())["kinds"] == changed["kinds"]


def test_a_retried_request_is_not_applied_again_over_a_later_change():
    commands.set_email_preferences(MARCELINE, token(), {"clubs": False}, "k1")
    commands.set_email_preferences(MARCELINE, token(), {"clubs": True}, "k2")
    again = commands.set_email_preferences(MARCELINE, token(), {"clubs": False}, "k1")
    assert again["kinds"]["clubs"] is True
    assert EmailPreference.objects(email=MARCELINE).first().keys == ["k1", "k2"]


def test_the_one_click_of_a_kind_stops_that_kind_only():
    answer = commands.unsubscribe(MARCELINE, token(), "bookings")
    assert answer == {"email": MARCELINE, "unsubscribed": True, "kind": "bookings"}
    kinds = commands.email_preferences(MARCELINE, token())["kinds"]
    assert kinds["bookings"] is False and kinds["clubs"] is True
    assert commands.email_preferences(MARCELINE, token())["stopped_all"] is False
    with pytest.raises(UnknownMessageKind):
        commands.unsubscribe(MARCELINE, token(), "everything-else")


def test_choosing_kinds_again_lifts_a_stop_everything():
    commands.unsubscribe(MARCELINE, token())
    assert commands.email_preferences(MARCELINE, token())["stopped_all"] is True
    commands.set_email_preferences(MARCELINE, token(), {"bookings": True})
    assert commands.email_preferences(MARCELINE, token())["stopped_all"] is False


# -- signed in --------------------------------------------------------------------------------
def test_a_member_reads_and_sets_their_own_by_their_address():
    who = Caller(member_id="m1", email="Marceline@example.org")
    assert preferences.mine(who)["email"] == MARCELINE
    preferences.set_mine(who, {"announcements": False}, "k")
    assert commands.email_preferences(MARCELINE, token())["kinds"]["announcements"] is False


def test_without_an_address_in_the_context_the_contact_s_is_used():
    Contact(member_id="m2", email="thierry@example.org", name="T", event_time_us=1).save()
    assert preferences.mine(Caller(member_id="m2"))["email"] == "thierry@example.org"


def test_anonymous_and_the_operator_have_no_preferences():
    with pytest.raises(AuthenticationRequired):
        preferences.mine(Caller())
    with pytest.raises(AuthenticationRequired):
        preferences.set_mine(Caller(operator=True), {"clubs": False})


# -- what record does with them ----------------------------------------------------------------
def test_a_kind_turned_off_is_logged_suppressed_and_not_sent():
    commands.unsubscribe(MARCELINE, token(), "clubs")
    assert commands.record("e1", "club_news", message(), topic="clubs") is False
    delivery = Delivery.objects.get(event_id="e1")
    assert delivery.status == Delivery.SUPPRESSED and delivery.topic == "clubs"
    assert delivery.reason == "kind turned off: clubs"
    assert commands.record("e2", "booking_reminder", message(), topic="bookings") is True


def test_what_the_person_just_asked_for_goes_whatever_their_preferences():
    commands.set_email_preferences(
        MARCELINE, token(), {topic: False for topic in preferences.TOPICS}
    )
    confirmed = event("booking_confirmed", BOOKING_CONFIRMED)
    assert commands.notify_booking_confirmed(SETTINGS, confirmed) is True
    delivery = Delivery.objects.get(event_id="e1")
    assert delivery.status == Delivery.PENDING and delivery.topic == "transactional"
    reminder = event("booking_reminder_due", BOOKING_CONFIRMED, 2)
    assert commands.notify_booking_reminder(SETTINGS, reminder) is False
    assert Delivery.objects.get(event_id="e2").status == Delivery.SUPPRESSED


def test_stop_everything_still_stops_the_booking_confirmation():
    commands.unsubscribe(MARCELINE, token())
    confirmed = event("booking_confirmed", BOOKING_CONFIRMED)
    assert commands.notify_booking_confirmed(SETTINGS, confirmed) is False
    assert Delivery.objects.get(event_id="e1").reason == "unsubscribed from everything"


def test_the_place_s_news_to_the_coordinator_is_of_the_directory_kind():
    stopped = token_for(commands.link_secret(), SETTINGS.coordinator_email)
    commands.unsubscribe(SETTINGS.coordinator_email, stopped, "directory")
    created = event(
        "place_created",
        {
            "place_id": "p1",
            "name": "La Grange",
            "commune": "Riez",
            "postal_code": "04500",
            "status": "open",
            "location": {"lat": 43.8, "lon": 6.1},
        },
    )
    assert commands.notify_place_created(SETTINGS, created) is False
    assert Delivery.objects.get(event_id="e1").topic == "directory"


def test_a_new_address_keeps_the_person_s_choices():
    commands.set_email_preferences(MARCELINE, token(), {"clubs": False})
    updated = event(
        "member_updated",
        {
            "member_id": "m1",
            "email": "m.dupont@example.org",
            "name": "Marceline",
            "previous_email": MARCELINE,
        },
    )
    commands.keep_contact(updated)
    assert preferences.allows("m.dupont@example.org", "clubs") is False


def test_an_erased_member_s_choices_go_with_them():
    commands.set_email_preferences(MARCELINE, token(), {"clubs": False})
    counts = commands.erase_member(event("member_erased", {"member_id": "m1", "email": MARCELINE}))
    assert counts["preferences"] == 1 and EmailPreference.objects.count() == 0


# -- the links in every email ---------------------------------------------------------------
def test_every_email_carries_its_kind_s_one_click_and_the_preferences_page():
    built = compose.booking_reminder_message(
        BOOKING_CONFIRMED,
        mail_from=SETTINGS.mail_from,
        public_url=SETTINGS.public_url,
        unsubscribe_token="tok",
    )
    unsubscribe = built["List-Unsubscribe"].strip("<>")
    query = parse_qs(urlsplit(unsubscribe).query)
    assert query == {"email": [MARCELINE], "token": ["tok"], "kind": ["bookings"]}
    assert built["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parsed = BytesParser(policy=policy.default).parsebytes(built.as_bytes())
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    page = "https://maillage.example/preferences-email?email=marceline%40example.org&token=tok"
    assert f"Choisir les messages que vous recevez : {page}" in text
    assert f"Ne plus recevoir ce type de messages : {unsubscribe}" in text
    assert page.replace("&", "&amp;") in html


def test_the_coordinator_s_one_click_stops_the_directory_s_news():
    built = compose.place_created_message(
        {
            "place_id": "p1",
            "name": "La Grange",
            "commune": "Riez",
            "postal_code": "04500",
            "status": "open",
        },
        to="coord@example.org",
        mail_from=SETTINGS.mail_from,
        public_url=SETTINGS.public_url,
        unsubscribe_token="tok",
    )
    assert "kind=directory" in built["List-Unsubscribe"]


def test_the_member_s_export_shows_their_choices_and_time_zone():
    from services.notifications import queries

    commands.keep_contact(
        event(
            "member_registered",
            {"member_id": "m1", "email": MARCELINE, "name": "M", "timezone": "America/Cayenne"},
        )
    )
    commands.set_email_preferences(MARCELINE, token(), {"clubs": False})
    exported = queries.export_member(Caller(member_id="m1", email=MARCELINE))
    assert exported["email_preferences"] == {MARCELINE: {"clubs": False}}
    assert exported["contact"]["timezone"] == "America/Cayenne"
