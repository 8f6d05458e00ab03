"""A club meeting without its room (club_meetings.py), against mongomock: to the president
in their language, or to the acting place's managers; once per event and recipient."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from services.notifications import commands
from services.notifications.models import Contact, Delivery, PlaceManagers

from .test_commands import SETTINGS

REFUSED = {
    "occurrence_id": "s1:2030-05-02",
    "club_id": "c1",
    "club_name": "Club des hôtes",
    "place_id": "p1",
    "president_id": "m-odile",
    "title": "Réunion du club",
    "start": "2030-05-02T09:00:00+02:00",
    "end": "2030-05-02T12:00:00+02:00",
    "reason": "allowance_exceeded",
    "hours_per_month": 4,
    "hours_used": 3.0,
}


def contact(member_id: str, email: str, name: str, language: str) -> None:
    Contact(member_id=member_id, email=email, name=name, language=language, event_time_us=1).save()


def event(data: dict, event_id: str = "e1") -> dict:
    return {"event_id": event_id, "type": "meeting_room_refused", "data": data}


def sent() -> list:
    return [
        BytesParser(policy=policy.default).parsebytes(d.raw)
        for d in Delivery.objects.order_by("to")
    ]


def test_the_president_hears_why_in_their_language_once():
    contact("m-odile", "odile@example.org", "Odile", "en")
    assert commands.notify_meeting_room_refused(SETTINGS, event(REFUSED)) == 1
    assert commands.notify_meeting_room_refused(SETTINGS, event(REFUSED)) == 0  # redelivered
    (mail,) = sent()
    assert mail["To"].addresses[0].addr_spec == "odile@example.org"
    subject = " ".join(str(mail["Subject"]).split())  # folded in the header
    assert subject == "No room for the meeting on Thursday, 2 May 2030: Club des hôtes"
    body = mail.get_body(("plain",)).get_content()
    assert "the club has already used its free room hours for that month." in body
    assert "4 hours a month" in body and "3.0 hours are already taken" in body
    assert "https://maillage.example/clubs/c1/reunions/gerer" in body


def test_while_the_place_acts_as_president_its_managers_hear_it():
    contact("m-anne", "anne@example.org", "Anne", "fr")
    contact("m-bruno", "bruno@example.org", "Bruno", "fr")
    PlaceManagers(place_id="p1", manager_ids=["m-anne", "m-bruno"], version=1).save()
    data = {**REFUSED, "president_id": None, "reason": "room_taken"}
    assert commands.notify_meeting_room_refused(SETTINGS, event(data)) == 2
    mails = sent()
    assert [m["To"].addresses[0].addr_spec for m in mails] == [
        "anne@example.org",
        "bruno@example.org",
    ]
    assert (
        "la salle est déjà réservée à ce moment-là." in mails[0].get_body(("plain",)).get_content()
    )


def test_no_known_address_no_email():
    assert commands.notify_meeting_room_refused(SETTINGS, event(REFUSED)) == 0


JOIN = {
    "club_id": "c1",
    "place_id": "p1",
    "club_name": "Club WordPress",
    "member_id": "m-celine",
    "member_name": "Céline",
    "president_id": "m-odile",
}


def test_a_join_request_is_told_to_the_president_in_their_language_once():
    contact("m-odile", "odile@example.org", "Odile", "en")
    told = {"event_id": "j1", "type": "club_join_requested", "data": JOIN}
    assert commands.notify_club_join_requested(SETTINGS, told) == 1
    assert commands.notify_club_join_requested(SETTINGS, told) == 0  # redelivered
    (mail,) = sent()
    assert mail["To"].addresses[0].addr_spec == "odile@example.org"
    assert " ".join(str(mail["Subject"]).split()) == "Request to join Club WordPress: Céline"
    body = mail.get_body(("plain",)).get_content()
    assert 'Céline asks to join the club "Club WordPress"' in body
    assert "https://maillage.example/clubs/c1/gestion" in body
    assert Delivery.objects.first().topic == "clubs"  # stopped with the club emails


def test_a_join_request_to_an_acting_place_goes_to_its_managers_in_french():
    contact("m-anne", "anne@example.org", "Anne", "fr")
    contact("m-odile", "odile@example.org", "Odile", "fr")
    PlaceManagers(place_id="p1", manager_ids=["m-anne"], version=1).save()
    told = {"event_id": "j2", "type": "club_join_requested", "data": {**JOIN, "president_id": None}}
    assert commands.notify_club_join_requested(SETTINGS, told) == 1
    (mail,) = sent()
    assert mail["To"].addresses[0].addr_spec == "anne@example.org"
    assert (
        "Céline demande à rejoindre le club « Club WordPress »"
        in mail.get_body(("plain",)).get_content()
    )
