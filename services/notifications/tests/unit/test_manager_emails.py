"""The place's managers: the projection kept from ``place_managers_changed`` (grant, revoke,
erasure, late events) and the emails composed for them, against mongomock.

The same with a real broker, database and SMTP sink: ``tests/service/test_manager_emails.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr

import pytest

from contracts.identity import Caller
from services.notifications import commands, compose, queries
from services.notifications.models import Delivery, PlaceManagers
from tests.samples import BOOKING_CONFIRMED

from .test_commands import SETTINGS

PLACE_ID = BOOKING_CONFIRMED["place_id"]
ANNE, BRUNO, CELINE = "m-anne", "m-bruno", "m-celine"
CONTACTS = {
    ANNE: ("anne@example.org", "Anne Martin", "fr"),
    BRUNO: ("bruno@example.org", "Bruno Petit", "en"),
    CELINE: ("celine@example.org", "Céline Roux", "fr"),
}
_events = iter(range(1, 10_000))


def managers_changed(place_id: str, ids: list[str], version: int) -> dict:
    return {
        "event_id": f"pm{next(_events)}",
        "type": "place_managers_changed",
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": {"place_id": place_id, "manager_ids": ids, "version": version},
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


def booking(kind: str = "booking_confirmed", event_id: str = "b1", **more) -> dict:
    data = {**BOOKING_CONFIRMED, "notify_managers": True, **more}
    if kind == "booking_cancelled":
        data.setdefault("cancelled_by", "owner")
    return {
        "event_id": event_id,
        "type": kind,
        "occurred_at": "2026-11-20T10:00:00+00:00",
        "data": data,
    }


def managed(place_id: str = PLACE_ID) -> list[str]:
    found = PlaceManagers.objects(place_id=place_id).first()
    return found.manager_ids if found else []


def told(kind: str = "booking_confirmed") -> dict[str, str]:
    """To whom a manager email of ``kind`` is recorded: address -> subject."""
    return {d.rcpt: d.subject for d in Delivery.objects(kind=f"manager_{kind}")}


def tell(event: dict) -> int:
    return commands.tell_managers(SETTINGS, event, event["type"])


@pytest.fixture
def two_managers():
    for member_id in CONTACTS:
        contact(member_id)
    commands.keep_place_managers(managers_changed(PLACE_ID, [ANNE, BRUNO], 1))
    commands.keep_place_managers(managers_changed("other-place", [CELINE], 1))


# -- the projection ------------------------------------------------------------------------
def test_a_grant_then_a_revoke_are_kept():
    assert commands.keep_place_managers(managers_changed(PLACE_ID, [ANNE], 1)) is True
    assert managed() == [ANNE]
    assert commands.keep_place_managers(managers_changed(PLACE_ID, [ANNE, BRUNO], 2)) is True
    assert managed() == [ANNE, BRUNO]
    assert commands.keep_place_managers(managers_changed(PLACE_ID, [BRUNO], 3)) is True
    assert managed() == [BRUNO]


def test_an_older_event_arriving_late_changes_nothing():
    commands.keep_place_managers(managers_changed(PLACE_ID, [BRUNO], 3))
    assert commands.keep_place_managers(managers_changed(PLACE_ID, [ANNE, BRUNO], 2)) is False
    assert managed() == [BRUNO]


def test_an_erased_manager_is_forgotten_and_never_put_back():
    commands.keep_place_managers(managers_changed(PLACE_ID, [ANNE, BRUNO], 1))
    counts = commands.erase_member(
        {"event_id": "x", "data": {"member_id": ANNE, "email": "anne@example.org"}}
    )
    assert counts["places_managed"] == 1
    assert managed() == [BRUNO]
    # An event from before the erasure, delivered after it.
    commands.keep_place_managers(managers_changed(PLACE_ID, [ANNE, BRUNO], 2))
    assert managed() == [BRUNO]


def test_the_export_names_the_places_the_member_manages():
    commands.keep_place_managers(managers_changed(PLACE_ID, [ANNE], 1))
    commands.keep_place_managers(managers_changed("other-place", [BRUNO], 1))
    caller = Caller(member_id=ANNE, email="anne@example.org", name="Anne Martin")
    assert queries.export_member(caller)["manages_places"] == [PLACE_ID]


# -- the emails ----------------------------------------------------------------------------
def test_each_manager_of_the_place_is_told_once_in_their_language(two_managers):
    assert tell(booking()) == 2
    assert tell(booking()) == 0  # redelivered: nothing more
    subjects = told()
    assert sorted(subjects) == ["anne@example.org", "bruno@example.org"]
    assert subjects["anne@example.org"].startswith("Nouvelle réservation : Salle de réunion")
    assert subjects["bruno@example.org"].startswith("New booking: Salle de réunion")
    assert "Marceline Dupont" in subjects["anne@example.org"]


def test_nobody_is_told_when_the_resource_does_not_say_so(two_managers):
    assert tell(booking(notify_managers=False)) == 0
    older = booking()
    del older["data"]["notify_managers"]  # an event from before this version
    assert tell(older) == 0
    assert told() == {}


def test_the_manager_who_acted_gets_no_copy(two_managers):
    assert tell(booking(acted_by=ANNE)) == 1
    assert list(told()) == ["bruno@example.org"]


def test_a_manager_booked_for_themselves_is_not_told_twice(two_managers):
    tell(booking(email="Bruno@example.org", name="Bruno Petit"))
    assert list(told()) == ["anne@example.org"]


def test_a_revoked_manager_is_no_longer_told(two_managers):
    commands.keep_place_managers(managers_changed(PLACE_ID, [ANNE], 2))
    tell(booking())
    assert list(told()) == ["anne@example.org"]


def test_a_manager_who_unsubscribed_gets_nothing(two_managers):
    commands.unsubscribe(
        "bruno@example.org", commands.token_for(commands.link_secret(), "bruno@example.org")
    )
    tell(booking())
    statuses = {
        parseaddr(d.to)[1]: d.status for d in Delivery.objects(kind="manager_booking_confirmed")
    }
    assert statuses == {
        "anne@example.org": Delivery.PENDING,
        "bruno@example.org": Delivery.SUPPRESSED,
    }


def test_a_request_and_a_cancellation_say_so(two_managers):
    tell(booking("booking_requested", "b2"))
    tell(booking("booking_cancelled", "b3"))
    assert told("booking_requested")["anne@example.org"].startswith("Demande à valider :")
    assert told("booking_cancelled")["bruno@example.org"].startswith("Booking cancelled:")


def test_a_date_of_a_series_tells_no_manager(two_managers):
    assert tell(booking(series_id="s1")) == 0
    assert tell(booking("booking_cancelled", series_cancel=True)) == 0


# -- composition ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "language, event, subject, link_text",
    [
        ("fr", "booking_requested", "Demande à valider : ", "Valider ou refuser"),
        ("en", "booking_requested", "Request to approve: ", "Approve or refuse"),
        ("fr", "booking_confirmed", "Nouvelle réservation : ", "Voir le planning du lieu"),
        ("en", "booking_cancelled", "Booking cancelled: ", "See the place's planning"),
    ],
)
def test_the_email_names_the_person_and_links_the_planning(language, event, subject, link_text):
    message = compose.manager_booking_message(
        event,
        {**BOOKING_CONFIRMED, "name": "Zoé <b>Durand</b>"},
        manager_name="Anne Martin",
        manager_email="anne@example.org",
        language=language,
        mail_from=SETTINGS.mail_from,
        public_url="https://maillage.example/",
    )
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    assert parsed["Subject"].startswith(subject + "Salle de réunion")
    assert parsed["To"] == "Anne Martin <anne@example.org>"
    assert parsed["Content-Language"] == language
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    planning = f"https://maillage.example/places/{PLACE_ID}/planning"
    assert "Zoé <b>Durand</b>" in text and planning in text
    assert "Zoé &lt;b&gt;Durand&lt;/b&gt;" in html and f'href="{planning}"' in html
    assert link_text in html
    assert not [part for part in parsed.iter_attachments()]  # no .ics for a manager
    assert parsed["List-Unsubscribe"]
