"""A club's announcement (clubs' ``announcement_posted``): one email per member named whose
address is known, in their language, of kind ``clubs``, with a link to stop club emails;
a redelivered event records nothing again. Against mongomock."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs, urlsplit

from services.notifications import commands, preferences
from services.notifications.models import Delivery

from .test_commands import SETTINGS

CONTACTS = {
    "m-anne": ("anne@example.org", "Anne Martin", "fr"),
    "m-bruno": ("bruno@example.org", "Bruno Petit", "en"),
}


def contact(member_id: str) -> None:
    email, name, language = CONTACTS[member_id]
    commands.keep_contact(
        {
            "event_id": f"c-{member_id}",
            "type": "member_registered",
            "occurred_at": "2026-11-01T10:00:00+00:00",
            "data": {"member_id": member_id, "email": email, "name": name, "language": language},
        }
    )


def posted(member_ids: list[str], event_id: str = "a1") -> dict:
    return {
        "event_id": event_id,
        "type": "announcement_posted",
        "occurred_at": "2026-11-20T10:00:00+00:00",
        "data": {
            "announcement_id": "an1",
            "club_id": "c1",
            "club_name": "Club WordPress",
            "place_id": "p1",
            "author_id": "m-president",
            "subject": "Réunion de décembre",
            "body": "Jeudi 3 décembre à 9 h.\nApportez vos portables.",
            "member_ids": member_ids,
        },
    }


def parsed(delivery: Delivery):
    return BytesParser(policy=policy.default).parsebytes(delivery.raw)


def test_each_known_member_gets_the_announcement_in_their_language():
    contact("m-anne")
    contact("m-bruno")
    event = posted(["m-anne", "m-bruno", "m-unknown"])
    assert commands.notify_club_announcement(SETTINGS, event) == 2
    assert commands.notify_club_announcement(SETTINGS, event) == 0  # redelivered: nothing new
    by_rcpt = {d.rcpt: d for d in Delivery.objects(kind="clubs")}
    assert set(by_rcpt) == {"anne@example.org", "bruno@example.org"}
    anne, bruno = parsed(by_rcpt["anne@example.org"]), parsed(by_rcpt["bruno@example.org"])
    assert anne["Subject"] == "[Club WordPress] Réunion de décembre"
    assert anne["Content-Language"] == "fr" and bruno["Content-Language"] == "en"
    text = anne.get_body(("plain",)).get_content()
    assert "Apportez vos portables." in text and "/clubs/c1" in text
    assert "Pour ne plus recevoir les messages des clubs" in text
    assert "kind=clubs" in anne["List-Unsubscribe"] and "token=" in anne["List-Unsubscribe"]
    english = bruno.get_body(("plain",)).get_content()
    assert "A message from the club" in english and "Stop receiving" not in english
    assert "To stop receiving club messages" in english


def test_an_announcement_to_no_one_records_nothing():
    assert commands.notify_club_announcement(SETTINGS, posted([])) == 0
    assert Delivery.objects(kind="clubs").count() == 0


def test_an_announcement_is_of_the_clubs_kind_which_its_link_stops_and_a_choice_holds():
    contact("m-anne")
    contact("m-bruno")
    preferences.stop_kind("bruno@example.org", "clubs")
    assert commands.notify_club_announcement(SETTINGS, posted(["m-anne", "m-bruno"])) == 1
    by_rcpt = {d.address: d for d in Delivery.objects(kind="clubs")}
    assert by_rcpt["anne@example.org"].topic == "clubs"
    assert (by_rcpt["bruno@example.org"].status, by_rcpt["bruno@example.org"].reason) == (
        "suppressed",
        "kind turned off: clubs",
    )
    link = str(parsed(by_rcpt["anne@example.org"])["List-Unsubscribe"]).strip("<>")
    assert parse_qs(urlsplit(link).query)["kind"] == ["clubs"]  # one kind, the clubs'
