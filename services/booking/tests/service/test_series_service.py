"""Recurring bookings against a real RabbitMQ vhost, SecantusDB and SMTP sink: a series with a
date someone else holds (skip) sends one email listing every date, with one VEVENT whose
RRULE and EXDATE give exactly the dates booked; cancelling the rest sends one cancellation;
a series racing another booker for one of its dates ends all-or-nothing (refuse)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import eventlet
import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar
from nameko.exceptions import RemoteError

from services.booking.models import KnownPlace
from services.booking.service import BookingService
from services.booking.tests.loads import held_by_booking, quarter_loads
from services.common.tests.callers import MANAGER, THIERRY, VERONIQUE
from services.notifications.service import NotificationsService
from tests.support import error_code, wait_until

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def quick_email(service_config):
    service_config["MAILLAGE"].update(email_poll_seconds=0.1, email_retry_base_seconds=0.1)


@pytest.fixture
def booking(start_service):
    return start_service(BookingService)


def new_resource(as_) -> dict:
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    payload = {"name": "Salle du conseil", "kind": "meeting_room", "seats": 1}
    return as_(MANAGER).booking.create_resource("place-1", payload, uuid.uuid4().hex)


def first_day() -> datetime:
    """9:00 in Paris, ten days from now."""
    today = datetime.now(PARIS).date() + timedelta(days=10)
    return datetime(today.year, today.month, today.day, 9, tzinfo=PARIS)


def weekly(resource: dict, on_conflict: str, weeks: int = 3) -> dict:
    start = first_day()
    return {
        "resource_id": resource["id"],
        "start": start.isoformat(),
        "end": start.replace(hour=12).isoformat(),
        "recurrence": {"freq": "weekly", "count": weeks},
        "on_conflict": on_conflict,
    }


def one_date(resource: dict, week: int) -> dict:
    start = (first_day().replace(tzinfo=None) + timedelta(weeks=week)).replace(tzinfo=PARIS)
    return {
        "resource_id": resource["id"],
        "start": start.isoformat(),
        "end": start.replace(hour=12).isoformat(),
    }


def holders(resource: dict) -> dict[str, int]:
    """Seat-quarters held per booking over the resource's days, and no quarter over its one
    seat."""
    assert max(quarter_loads(resource["id"]).values(), default=0) <= 1
    return held_by_booking(resource["id"])


def attachment_calendar(message):
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(ics.get_payload(decode=True))


def test_one_email_for_the_series_with_its_rrule_and_exdate(
    booking, start_service, as_, rpc_client, smtp_server, operator
):
    start_service(NotificationsService)
    veronique, thierry = as_(VERONIQUE), as_(THIERRY)
    resource = new_resource(as_)
    theirs = thierry.booking.create_booking(one_date(resource, 1), uuid.uuid4().hex)

    preview = veronique.booking.preview_series(weekly(resource, "skip"))
    assert [(o["ok"], o["code"]) for o in preview["occurrences"]] == [
        (True, None),
        (False, "no_seat_left"),
        (True, None),
    ]
    made = veronique.booking.create_booking(weekly(resource, "skip"), "series-1")
    assert len(made["bookings"]) == 2
    assert [s["code"] for s in made["skipped"]] == ["no_seat_left"]
    assert veronique.booking.create_booking(weekly(resource, "skip"), "series-1") == made
    assert len(holders(resource)) == 3 and theirs["id"] in holders(resource)

    # A plain booking after the series: once its email is there, every earlier
    # booking_confirmed has been handled (one queue, in order).
    later = veronique.booking.create_booking(one_date(resource, 5), uuid.uuid4().hex)

    def hers(subject: str):
        return [
            m
            for m in smtp_server.messages()
            if m["To"].addresses[0].addr_spec == "veronique@example.org"
            and str(m["Subject"]).startswith(subject)
        ]

    [single] = wait_until(lambda: hers("Réservation confirmée"))
    assert later["start"][:10] in str(attachment_calendar(single).walk("VEVENT")[0]["DTSTART"].dt)
    [series_mail] = wait_until(lambda: hers("Réservations confirmées"))
    assert len(hers("Réservation")) == 2  # the series' and the plain booking's: no date's own

    calendar = attachment_calendar(series_mail)
    [event] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"series-{made['series_id']}@maillage"
    assert str(event["LOCATION"]) == "Riez"
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=event.decoded("DTSTART"))
    excluded = {d.dt for d in event["EXDATE"].dts}
    booked = [datetime.fromisoformat(b["start"]) for b in made["bookings"]]
    assert [moment for moment in rule if moment not in excluded] == booked
    assert excluded == {datetime.fromisoformat(made["skipped"][0]["start"])}
    text = series_mail.get_body(("plain",)).get_content()
    assert text.count(", de 09:00 à 12:00") == 2

    # The rest of the series, from the second week on: one cancellation, the same UID.
    rest = {"from": booked[1].date().isoformat()}
    after = veronique.booking.cancel_series(made["series_id"], rest, "cancel-1")
    assert [b["status"] for b in after["bookings"]] == ["confirmed", "cancelled"]
    assert veronique.booking.cancel_series(made["series_id"], rest, "cancel-1") == after
    with pytest.raises(RemoteError) as reused:  # the key of another cancellation
        veronique.booking.cancel_series(made["series_id"], {}, "cancel-1")
    assert error_code(reused.value) == "idempotency_key_reused"
    [cancel_mail] = wait_until(lambda: hers("Dates annulées"))
    [cancelled] = attachment_calendar(cancel_mail).walk("VEVENT")
    assert str(cancelled["UID"]) == str(event["UID"]) and int(cancelled["SEQUENCE"]) == 1
    assert cancelled.decoded("RECURRENCE-ID") == booked[1]
    wait_until(lambda: len(operator.notifications.deliveries(20, "sent")) >= 4)
    assert len(hers("Dates annulées")) == 1
    # Not Thierry's to see or cancel.
    for call in (
        lambda: thierry.booking.get_series(made["series_id"]),
        lambda: thierry.booking.cancel_series(made["series_id"], {}, "x"),
    ):
        with pytest.raises(RemoteError) as refusal:
            call()
        assert error_code(refusal.value) == "forbidden"


# Thierry starts after these many seconds: not a proof of anything, only different
# interleavings (before the series checks, while it books its dates, after it), each of
# which must end all-or-nothing.
@pytest.mark.parametrize("delay", [0, 0.3, 0.8, 1.5, 3])
def test_a_series_racing_another_booker_is_all_or_nothing(booking, as_, delay):
    veronique, thierry = as_(VERONIQUE), as_(THIERRY)
    resource = new_resource(as_)

    def series():
        try:
            return veronique.booking.create_booking(weekly(resource, "refuse"), uuid.uuid4().hex)
        except RemoteError as error:
            return error_code(error)

    def single():
        eventlet.sleep(delay)
        try:
            return thierry.booking.create_booking(one_date(resource, 2), uuid.uuid4().hex)
        except RemoteError as error:
            return error_code(error)

    racers = [eventlet.spawn(series), eventlet.spawn(single)]
    made, theirs = (racer.wait() for racer in racers)
    held = holders(resource)
    if isinstance(made, dict):  # the series won: every date hers, Thierry refused
        assert theirs == "no_seat_left"
        assert sorted(held) == sorted(b["id"] for b in made["bookings"]) and len(held) == 3
    else:  # Thierry won: nothing of hers is held
        assert made == "series_refused"
        assert list(held) == [theirs["id"]]
