"""RFC 5545 invitations for bookings: ``METHOD:REQUEST`` when confirmed, ``CANCEL`` when cancelled.

Pure functions over the ``booking_confirmed`` / ``booking_cancelled`` event data; nothing here
talks to the network.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from services.common.calendar import PRODID, booking_uid

__all__ = ["PRODID", "booking_invitation", "parse_instant"]
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


def booking_invitation(
    data: dict,
    organizer_email: str,
    sequence: int = 0,
    method: str = "REQUEST",
    *,
    dtstamp: datetime | None = None,
) -> bytes:
    """The ``.ics`` invitation for one booking, the attendee being the person who booked."""
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, not {method!r}")
    start = parse_instant(data["start"]).astimezone(UTC)
    end = parse_instant(data["end"]).astimezone(UTC)
    if end <= start:
        raise ValueError("the booking ends before it starts")

    place_name = data.get("place_name")
    summary = data["resource_name"] + (f" – {place_name}" if place_name else "")

    event = Event()
    event.add("uid", booking_uid(data["booking_id"]))  # the member's feed uses it too
    event.add("dtstamp", (dtstamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
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

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(event)
    return calendar.to_ical()
