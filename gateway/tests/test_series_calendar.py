"""The member's feed shows a date of a series as that instance of the series' event: the
UID of the series' email invitation, RECURRENCE-ID its start; a calendar app holding both
merges them rather than showing each date twice."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar

from gateway.calendars import member_feed
from services.notifications.ics import series_invitation
from tests.samples import BOOKING_SERIES_CONFIRMED


def test_a_date_of_a_series_is_an_instance_of_the_invitation_s_event():
    date = BOOKING_SERIES_CONFIRMED["dates"][1]
    shown = {
        "id": date["booking_id"],
        "resource_id": "r1",
        "start": date["start"],
        "end": date["end"],
        "status": "confirmed",
        "series_id": BOOKING_SERIES_CONFIRMED["series_id"],
    }
    plain = {**shown, "id": "b-plain", "series_id": None}
    feed = Calendar.from_ical(member_feed([shown, plain], {"r1": None}, {}, "fr"))
    invitation = Calendar.from_ical(series_invitation(BOOKING_SERIES_CONFIRMED, "no-reply@x.org"))
    [master] = invitation.walk("VEVENT")
    instance, alone = feed.walk("VEVENT")
    assert str(instance["UID"]) == str(master["UID"])
    assert instance.decoded("RECURRENCE-ID") == datetime.fromisoformat(date["start"])
    assert str(alone["UID"]) == "booking-b-plain@maillage" and "RECURRENCE-ID" not in alone
