"""One email per series (``booking_series_confirmed`` / ``_cancelled``): every date listed,
one VEVENT with RRULE and EXDATE in the ``.ics``, read back by the ``icalendar`` parser and
expanded by dateutil to exactly the dates booked; the dates of a series send none of their
own."""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.parser import BytesParser
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar

from services.notifications import commands, compose
from services.notifications.models import Delivery
from tests.samples import BOOKING_CONFIRMED, BOOKING_SERIES_CANCELLED, BOOKING_SERIES_CONFIRMED

SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    default_language="fr",
)
KW = {"mail_from": SETTINGS.mail_from, "public_url": SETTINGS.public_url}
PARIS = ZoneInfo("Europe/Paris")


def parts(message) -> tuple:
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    [attachment] = list(parsed.iter_attachments())
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    return parsed, attachment, calendar, events


def instances(event) -> list[datetime]:
    """The event's dates as a calendar app computes them: RRULE from DTSTART, minus EXDATE."""
    start = event.decoded("DTSTART")
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
    exdates = event.get("EXDATE")
    excluded = set()
    for line in exdates if isinstance(exdates, list) else [exdates] if exdates else []:
        excluded |= {d.dt for d in line.dts}
    return [moment for moment in rule if moment not in excluded]


def test_the_series_invitation_is_one_recurring_event_with_its_skipped_dates_excluded():
    message = compose.booking_series_message(
        "booking_series_confirmed", BOOKING_SERIES_CONFIRMED, **KW
    )
    parsed, attachment, calendar, [event] = parts(message)
    assert attachment.get_param("method") == "REQUEST" and calendar["METHOD"] == "REQUEST"
    assert event["UID"] == f"series-{BOOKING_SERIES_CONFIRMED['series_id']}@maillage"
    assert str(event["LOCATION"]) == BOOKING_SERIES_CONFIRMED["place_name"]
    assert int(event["SEQUENCE"]) == 0
    # DTSTART in the resource's zone, with its VTIMEZONE: 9:00 stays 9:00 after the change.
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert [c["TZID"] for c in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    booked = [datetime.fromisoformat(d["start"]) for d in BOOKING_SERIES_CONFIRMED["dates"]]
    assert instances(event) == booked
    assert [moment.astimezone(PARIS).hour for moment in instances(event)] == [9, 9, 9]
    # The email lists every date, and the skipped one apart.
    text = parsed.get_body(("plain",)).get_content()
    for day in ("mardi 24 mars 2026", "mardi 31 mars 2026", "jeudi 2 avril 2026"):
        assert f"- {day}, de 09:00 à 12:00" in text
    assert "complètes, fermées ou hors horaires) :\n- jeudi 26 mars 2026" in text
    assert parsed["Subject"].startswith("Réservations confirmées : Salle de réunion, 3 dates")


def test_cancelling_some_dates_cancels_those_instances_of_the_same_event():
    confirmed = compose.booking_series_message(
        "booking_series_confirmed", BOOKING_SERIES_CONFIRMED, **KW
    )
    cancelled = compose.booking_series_message(
        "booking_series_cancelled", BOOKING_SERIES_CANCELLED, **KW
    )
    _, _, _, [request] = parts(confirmed)
    parsed, attachment, calendar, events = parts(cancelled)
    assert attachment.get_param("method") == "CANCEL" and calendar["METHOD"] == "CANCEL"
    assert {str(e["UID"]) for e in events} == {str(request["UID"])}
    assert [e.decoded("RECURRENCE-ID") for e in events] == [
        datetime.fromisoformat(start) for start in BOOKING_SERIES_CANCELLED["cancelled"]
    ]
    assert all(e["STATUS"] == "CANCELLED" for e in events)
    assert all(int(e["SEQUENCE"]) > int(request["SEQUENCE"]) for e in events)
    assert "les autres restent réservées" in parsed.get_body(("plain",)).get_content()


def test_cancelling_the_whole_series_cancels_the_event():
    data = {**BOOKING_SERIES_CANCELLED, "all_cancelled": True, "sequence": 2, "language": "en"}
    parsed, _, _, [event] = parts(
        compose.booking_series_message("booking_series_cancelled", data, **KW)
    )
    assert event["STATUS"] == "CANCELLED" and int(event["SEQUENCE"]) == 2
    assert "RRULE" in event and "RECURRENCE-ID" not in event
    assert parsed["Subject"] == "Series cancelled: Salle de réunion, 2 dates"


def test_a_date_cancelled_alone_is_that_instance_of_the_series_event():
    data = {
        **BOOKING_CONFIRMED,
        "series_id": "6650c0ffee00000000000010",
        "cancelled_by": "owner",
        "sequence": 1,
    }
    _, _, _, [event] = parts(compose.booking_cancelled_message(data, **KW))
    assert event["UID"] == "series-6650c0ffee00000000000010@maillage"
    assert event.decoded("RECURRENCE-ID") == datetime.fromisoformat(BOOKING_CONFIRMED["start"])


def envelope(kind: str, data: dict, n: int = 1) -> dict:
    return {
        "event_id": f"e-{kind}-{n}",
        "type": kind,
        "occurred_at": "2026-03-01T10:00:00+00:00",
        "data": data,
    }


def test_one_email_per_series_and_none_per_date():
    for n, booking in enumerate(BOOKING_SERIES_CONFIRMED["dates"]):
        date = {**BOOKING_CONFIRMED, **booking, "series_id": BOOKING_SERIES_CONFIRMED["series_id"]}
        assert (
            commands.notify_booking_confirmed(SETTINGS, envelope("booking_confirmed", date, n))
            is False
        )
        cancelled = {**date, "cancelled_by": "owner", "sequence": 1, "series_cancel": True}
        assert (
            commands.notify_booking_cancelled(SETTINGS, envelope("booking_cancelled", cancelled, n))
            is False
        )
    assert Delivery.objects.count() == 0
    assert commands.notify_booking_series(
        SETTINGS, envelope("booking_series_confirmed", BOOKING_SERIES_CONFIRMED)
    )
    assert commands.notify_booking_series(
        SETTINGS, envelope("booking_series_cancelled", BOOKING_SERIES_CANCELLED)
    )
    assert sorted(d.kind for d in Delivery.objects) == [
        "booking_series_cancelled",
        "booking_series_confirmed",
    ]
    # A date of a series cancelled alone is told.
    alone = {**BOOKING_CONFIRMED, "series_id": "s", "cancelled_by": "owner", "sequence": 1}
    assert commands.notify_booking_cancelled(SETTINGS, envelope("booking_cancelled", alone, 9))


def test_the_place_s_reason_is_in_the_series_cancellation_and_only_when_given():
    reason = "Travaux dans la salle"
    for language, said in (("fr", "Son message : « Travaux"), ("en", "Its message: “Travaux")):
        data = {**BOOKING_SERIES_CANCELLED, "language": language, "reason": reason}
        parsed, *_ = parts(compose.booking_series_message("booking_series_cancelled", data, **KW))
        assert said in parsed.get_body(("plain",)).get_content()
        assert reason in parsed.get_body(("html",)).get_content()
    parsed, *_ = parts(
        compose.booking_series_message("booking_series_cancelled", BOOKING_SERIES_CANCELLED, **KW)
    )
    assert "Son message" not in parsed.get_body(("plain",)).get_content()
