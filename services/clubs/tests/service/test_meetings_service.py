"""A club's meetings and their room, through real RPC and events (RabbitMQ vhost,
SecantusDB, the SMTP sink): with booking running, each occurrence's room is reserved within
the club's free hours, refused on a clash or over the allowance (the president hears why by
email), released on cancel; with booking absent, meetings work with no room and nothing
waits for an answer."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from nameko.exceptions import RemoteError

from contracts.identity import Caller
from services.booking.models import Booking, KnownPlace
from services.booking.service import BookingService
from services.clubs.models import Club, Membership
from services.clubs.service import ClubsService
from services.common.tests.callers import MANAGER, VERONIQUE
from services.notifications.models import Contact
from services.notifications.service import NotificationsService
from tests.support import EventTap, error_code, wait_until

PARIS = ZoneInfo("Europe/Paris")
PRESIDENT = Caller(member_id="m-president", email="presidente@example.org", name="Odile")
FIRST_THURSDAY = {"freq": "monthly", "weekday": "TH", "nth": [1]}


def next_first_thursdays(count: int) -> list[date]:
    """The next ``count`` first Thursdays of a month, at least 3 days away."""
    found, day = [], datetime.now(PARIS).date() + timedelta(days=3)
    while len(found) < count:
        if day.weekday() == 3 and day.day <= 7:
            found.append(day)
        day += timedelta(days=1)
    return found


def series(first: date, until: date, start="09:00", end="12:00", title="Réunion du club") -> dict:
    return {
        "title": title,
        "rule": FIRST_THURSDAY,
        "first_date": first.isoformat(),
        "until": until.isoformat(),
        "start_time": start,
        "end_time": end,
        "agenda": "Ordre du jour à venir",
    }


def at(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).isoformat()


def club(name: str = "Club des hôtes") -> str:
    found = Club(name=name, place_id="place-1", president_id=PRESIDENT.member_id)
    found.save()
    return str(found.id)


def rooms(client, club_id: str) -> list[str]:
    return [m["room"]["state"] for m in client.clubs.list_meetings(club_id)]


def settled(client, club_id: str, count: int) -> list[dict]:
    """The meetings once booking answered every one of them (a positive signal)."""

    def answered():
        found = client.clubs.list_meetings(club_id)
        return found if all(m["room"]["state"] != "requested" for m in found) else None

    found = wait_until(answered)
    assert found and len(found) == count, found
    return found


@pytest.fixture
def platform(start_service):
    start_service(BookingService)
    start_service(NotificationsService)
    start_service(ClubsService)
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    Contact(
        member_id=PRESIDENT.member_id, email=PRESIDENT.email, name="Odile", language="fr",
        event_time_us=0,
    ).save()  # fmt: skip


def test_the_room_is_reserved_refused_with_its_reason_and_released(platform, as_, smtp_server):
    president, manager, member = as_(PRESIDENT), as_(MANAGER), as_(VERONIQUE)
    room = manager.booking.create_resource(
        "place-1", {"name": "Salle du lavoir", "kind": "meeting_room", "seats": 1}, "room-1"
    )
    first, second, third = next_first_thursdays(3)
    hosts = club()
    made = president.clubs.create_meeting_series(hosts, series(first, third), "series-1")
    assert [m["start"][:10] for m in made["occurrences"]] == [
        d.isoformat() for d in (first, second, third)
    ]
    # Retried with its key: the same series, nothing twice.
    assert (
        president.clubs.create_meeting_series(hosts, series(first, third), "series-1")["id"]
        == made["id"]
    )

    meetings = settled(president, hosts, 3)
    assert [m["room"]["state"] for m in meetings] == ["reserved"] * 3
    assert {m["room"]["resource_name"] for m in meetings} == {"Salle du lavoir"}
    assert all(
        m["start"].endswith(("+01:00", "+02:00")) and "T09:00" in m["start"] for m in meetings
    )

    # Over the club's free hours (4 a month by default): an afternoon the same day as the first.
    extra = series(first, first, start="14:00", end="16:00", title="Atelier extra")
    extra["rule"] = {"freq": "weekly"}
    president.clubs.create_meeting_series(hosts, extra, "series-2")
    meetings = settled(president, hosts, 4)
    afternoon = next(m for m in meetings if m["title"] == "Atelier extra")
    assert afternoon["room"]["state"] == "refused"
    assert afternoon["room"]["reason"] == "allowance_exceeded"
    assert afternoon["room"]["hours_per_month"] == 4 and afternoon["room"]["hours_used"] == 3

    # A clash: the room is booked by someone at 14:00 on the second date, the meeting moved
    # there is refused, and the president hears why.
    member.booking.create_booking(
        {"resource_id": room["id"], "start": at(second, 14), "end": at(second, 15)}, "b-1"
    )
    moved_id = (
        meetings[2]["id"]
        if meetings[2]["start"][:10] == second.isoformat()
        else next(
            m["id"]
            for m in meetings
            if m["start"][:10] == second.isoformat() and m["title"] != "Atelier extra"
        )
    )
    moved = president.clubs.update_meeting(
        hosts, moved_id, {"start": at(second, 14), "end": at(second, 17)}, "move-1"
    )
    assert moved["moved"] and moved["room"]["state"] == "requested"
    refused = wait_until(
        lambda: next(
            (
                m
                for m in president.clubs.list_meetings(hosts)
                if m["id"] == moved_id and m["room"]["state"] == "refused"
            ),
            None,
        )
    )
    assert refused["room"]["reason"] == "room_taken"
    # Its earlier hold (9:00) was given back: the room is free that morning.
    member.booking.create_booking(
        {"resource_id": room["id"], "start": at(second, 9), "end": at(second, 10)}, "b-2"
    )

    # Both refusals were told to the president, each with its reason, in French.
    def to_president():
        found = [m for m in smtp_server.messages() if PRESIDENT.email in str(m["To"])]
        return found if len(found) == 2 else None

    mails = wait_until(to_president)
    assert all(m["Subject"].startswith("Pas de salle pour la réunion du") for m in mails)
    bodies = " ".join(m.get_body(("plain",)).get_content() for m in mails)
    assert "la salle est déjà réservée à ce moment-là" in bodies
    assert "le club a déjà utilisé ses heures de salle gratuites" in bodies
    assert "Club des hôtes" in bodies

    # Cancelled: the room's booking is cancelled and the room free again.
    third_id = next(m["id"] for m in meetings if m["start"][:10] == third.isoformat())
    gone = president.clubs.update_meeting(hosts, third_id, {"status": "cancelled"}, "cancel-1")
    assert gone["status"] == "cancelled"
    released = wait_until(
        lambda: next(
            (
                m
                for m in president.clubs.list_meetings(hosts)
                if m["id"] == third_id and m["room"]["state"] == "released"
            ),
            None,
        )
    )
    assert Booking.objects(id=released["room"]["booking_id"]).first().status == "cancelled"
    member.booking.create_booking(
        {"resource_id": room["id"], "start": at(third, 9), "end": at(third, 12)}, "b-3"
    )
    # A cancelled meeting is not moved; and a member who does not run the club changes nothing.
    with pytest.raises(RemoteError) as caught:
        president.clubs.update_meeting(hosts, third_id, {"status": "cancelled"}, "cancel-2")
    assert error_code(caught.value) == "meeting_cancelled"
    with pytest.raises(RemoteError) as caught:
        member.clubs.update_meeting(hosts, moved_id, {"agenda": "Pirate"}, uuid.uuid4().hex)
    assert error_code(caught.value) == "forbidden"


def test_without_booking_meetings_work_and_the_room_stays_unanswered(start_service, as_, amqp_uri):
    start_service(ClubsService)
    president, visitor = as_(PRESIDENT), as_(None)
    first, second = next_first_thursdays(2)
    wordpress = club("Club WordPress")
    made = president.clubs.create_meeting_series(wordpress, series(first, second), uuid.uuid4().hex)
    assert [m["room"]["state"] for m in made["occurrences"]] == ["requested", "requested"]
    one = made["occurrences"][0]["id"]
    changed = president.clubs.update_meeting(wordpress, one, {"agenda": "1. Accueil"}, "a-1")
    assert changed["agenda"] == "1. Accueil"
    for who, status in ((PRESIDENT, "member"), (VERONIQUE, "member"), (MANAGER, "requested")):
        Membership(club_id=wordpress, member_id=who.member_id, status=status).save()
    tap = EventTap(amqp_uri, "clubs", "meeting_moved")
    moved = president.clubs.update_meeting(
        wordpress, one, {"start": at(first, 10), "end": at(first, 12)}, "m-1"
    )
    assert moved["start"] == at(first, 10) and moved["moved"]
    # The members are told (notifications emails them): not the one who moved it, nor a
    # request not yet answered.
    [told] = tap.take(1)
    tap.close()
    assert told["data"]["member_ids"] == [VERONIQUE.member_id]
    assert told["data"]["club_name"] == "Club WordPress"
    # A retry of the move with its key answers the same, without moving again.
    assert president.clubs.update_meeting(
        wordpress, one, {"start": at(first, 10), "end": at(first, 12)}, "m-1"
    )["start"] == at(first, 10)
    # Anyone reads a club's coming meetings, the room "requested" with no answer.
    listed = visitor.clubs.list_meetings(wordpress)
    assert [m["room"]["state"] for m in listed] == ["requested", "requested"]
    assert listed[0]["agenda"] == "1. Accueil"
    with pytest.raises(RemoteError) as caught:
        visitor.clubs.create_meeting_series(wordpress, series(first, second), uuid.uuid4().hex)
    assert error_code(caught.value) == "authentication_required"
