"""RFC 5545 invitations for bookings: ``METHOD:REQUEST`` when confirmed, ``CANCEL`` when cancelled.

Pure functions over the ``booking_confirmed`` / ``booking_cancelled`` event data; nothing here
talks to the network.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vRecur, vText

from services.common.calendar import PRODID, booking_uid, series_uid

__all__ = [
    "PRODID",
    "booking_invitation",
    "gathering_invitation",
    "parse_instant",
    "series_invitation",
]
METHODS = {"REQUEST": "CONFIRMED", "CANCEL": "CANCELLED"}


def parse_instant(value: str | datetime) -> datetime:
    """An aware datetime from an ISO 8601 string with an offset (``...+01:00`` or ``...Z``)."""
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"date without a UTC offset: {value!r}")
    return instant


def _param(text: str) -> str:
    """A parameter value (CN) cannot hold double quotes or line breaks (RFC 5545 3.1)."""
    return " ".join(str(text).replace('"', "'").split())


def _method(method: str) -> str:
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, not {method!r}")
    return method


def booking_invitation(
    data: dict,
    organizer_email: str,
    sequence: int = 0,
    method: str = "REQUEST",
    *,
    dtstamp: datetime | None = None,
) -> bytes:
    """The ``.ics`` invitation for one booking, the attendee being the person who booked."""
    method = _method(method)
    start = parse_instant(data["start"]).astimezone(UTC)
    end = parse_instant(data["end"]).astimezone(UTC)
    if end <= start:
        raise ValueError("the booking ends before it starts")

    event = Event()
    if data.get("series_id"):  # one date of a series: that instance of the series' event
        event.add("uid", series_uid(data["series_id"]))
        event.add("recurrence-id", start)
    else:
        event.add("uid", booking_uid(data["booking_id"]))  # the member's feed uses it too
    _describe(event, data, organizer_email, method, sequence, dtstamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    return _calendar(method, [event])


def gathering_invitation(
    uid: str,
    data: dict,
    attendee: tuple[str, str],
    organizer_email: str,
    method: str = "REQUEST",
) -> bytes:
    """The ``.ics`` of a workshop or a club's meeting for one person (``attendee``: address,
    name): REQUEST at the gathering's ``sequence`` (up by one at each change: a calendar then
    moves the event it holds) or CANCEL (one more)."""
    method = _method(method)
    sequence = int(data.get("sequence") or 0)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", parse_instant(data["start"]).astimezone(UTC))
    event.add("dtend", parse_instant(data["end"]).astimezone(UTC))
    event.add("summary", data["title"])
    if data.get("place_name"):
        event.add("location", vText(data["place_name"]))
    event.add("status", METHODS[method])
    event.add("sequence", sequence if method == "REQUEST" else sequence + 1)
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = "Maillage"
    event.add("organizer", organizer)
    email, name = attendee
    person = vCalAddress(f"mailto:{email}")
    person.params["cn"] = _param(name or email)
    person.params["partstat"] = "ACCEPTED"
    event.add("attendee", person)
    return _calendar(method, [event])


def _describe(
    event: Event,
    data: dict,
    organizer_email: str,
    method: str,
    sequence: int,
    dtstamp: datetime | None,
) -> None:
    """What every event Maillage sends says: stamp, summary, place, status, people."""
    place_name = data.get("place_name")
    summary = data["resource_name"] + (f" – {place_name}" if place_name else "")
    event.add("dtstamp", (dtstamp or datetime.now(UTC)).astimezone(UTC))
    event.add("summary", summary)
    if place_name:
        event.add("location", vText(place_name))
    event.add("status", METHODS[method])
    event.add("sequence", int(sequence))
    event.add("transp", "OPAQUE")

    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = "Maillage"
    event.add("organizer", organizer)

    attendee = vCalAddress(f"mailto:{data['email']}")
    attendee.params["cn"] = _param(data["name"])
    attendee.params["cutype"] = "INDIVIDUAL"
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "ACCEPTED"
    attendee.params["rsvp"] = "FALSE"
    event.add("attendee", attendee)


def _calendar(method: str, events: list[Event], zoned: bool = False) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    for event in events:
        calendar.add_component(event)
    if zoned:  # the VTIMEZONE of each TZID used (RFC 5545 3.6.5)
        calendar.add_missing_timezones()
    return calendar.to_ical()


def series_invitation(
    data: dict,
    organizer_email: str,
    sequence: int = 0,
    method: str = "REQUEST",
    *,
    dtstamp: datetime | None = None,
) -> bytes:
    """The ``.ics`` of a series (``booking_series_confirmed`` / ``_cancelled`` data): one
    VEVENT with the RRULE from the first date, in the resource's time zone (so that 9:00
    stays 9:00 across a DST change), the dates not booked as EXDATE. ``CANCEL``: the whole
    series when ``all_cancelled``, else one VEVENT per cancelled date (RECURRENCE-ID)."""
    method = _method(method)
    tz = ZoneInfo(data["timezone"])
    first_start = parse_instant(data["first_start"]).astimezone(tz)
    first_end = parse_instant(data["first_end"]).astimezone(tz)
    length = parse_instant(data["first_end"]) - parse_instant(data["first_start"])
    uid = series_uid(data["series_id"])

    def master() -> Event:
        event = Event()
        event.add("uid", uid)
        _describe(event, data, organizer_email, method, sequence, dtstamp)
        event.add("dtstart", first_start)
        event.add("dtend", first_end)
        event.add("rrule", vRecur.from_ical(data["rrule"]))
        skipped = [parse_instant(start).astimezone(tz) for start in data.get("skipped") or []]
        if skipped:
            event.add("exdate", skipped)
        return event

    if method == "REQUEST" or data.get("all_cancelled"):
        return _calendar(method, [master()], zoned=True)
    ends = {d["start"]: d["end"] for d in data.get("dates") or []}
    events = []
    for start in data["cancelled"]:
        instance = parse_instant(start).astimezone(tz)
        event = Event()
        event.add("uid", uid)
        event.add("recurrence-id", instance)
        _describe(event, data, organizer_email, method, sequence, dtstamp)
        event.add("dtstart", instance)
        end = parse_instant(ends[start]) if start in ends else instance + length
        event.add("dtend", end.astimezone(tz))
        events.append(event)
    return _calendar(method, events, zoned=True)
