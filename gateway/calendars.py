"""The iCalendar feeds the gateway serves (RFC 5545), as pure functions over what the services
answered: a member's private feed of their bookings, and a resource's busy periods.

Both are *subscriptions* (``METHOD:PUBLISH``): a calendar app fetches the URL again every
so often and shows what it finds. A booking keeps the UID of its email invitation
(``services.common.calendar.booking_uid``), so that an app holding both merges them; a date
of a series is the instance of the series' event (``series_uid``, ``RECURRENCE-ID`` its
start) that the series' email invited to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event, vText

from services.common.calendar import PRODID, booking_uid, series_uid

from . import i18n
from .i18n import N_

# How often an app should fetch the feed again (Apple and Outlook read X-PUBLISHED-TTL,
# RFC 7986 apps REFRESH-INTERVAL; Google refreshes on its own schedule, hours apart).
REFRESH = timedelta(hours=1)
BUSY_WEEKS = 8

STATUS = {
    "confirmed": "CONFIRMED",
    "cancelled": "CANCELLED",
    "rejected": "CANCELLED",
    "held": "TENTATIVE",
    "awaiting_approval": "TENTATIVE",
    "waitlisted": "TENTATIVE",
}
PREFIX = {
    "cancelled": N_("Annulé : %(what)s"),
    "rejected": N_("Refusé : %(what)s"),
    "held": N_("En attente : %(what)s"),
    "awaiting_approval": N_("En attente : %(what)s"),
    "waitlisted": N_("En attente : %(what)s"),
}
MY_CALENDAR = N_("Maillage – mes réservations")
BOOKING = N_("Réservation")
BUSY = N_("Occupé")
BUSY_CALENDAR = N_("Occupé – %(what)s")
BUSY_DESCRIPTION = N_(
    "Toutes les places de cette ressource sont réservées. Les places libres se voient sur Maillage."
)


def _instant(value: str | datetime) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"date without a UTC offset: {value!r}")
    return moment.astimezone(UTC)


def location(place: dict[str, Any] | None) -> str | None:
    """The place's name and commune. The street address comes with the directory's places
    in issue 9: it goes here then."""
    if not place:
        return None
    return ", ".join(part for part in (place.get("name"), place.get("commune")) if part)


def what(resource: dict[str, Any] | None, place: dict[str, Any] | None, language: str) -> str:
    """« Open space – Tiers-lieu de Riez », as the invitation's summary says it."""
    if not resource:
        return i18n.gettext(language, BOOKING)
    name = resource["name"]
    return f"{name} – {place['name']}" if place and place.get("name") else name


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    return calendar


def member_feed(
    bookings: Iterable[dict[str, Any]],
    resources: dict[str, dict[str, Any] | None],
    places: dict[str, dict[str, Any] | None],
    language: str,
    *,
    stamp: datetime | None = None,
) -> bytes:
    """A member's bookings (``booking.my_bookings``), every status, as VEVENTs; ``resources``
    and ``places`` by id (None: not known now, the summary then says « Réservation »)."""
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    calendar = _calendar(i18n.gettext(language, MY_CALENDAR))
    for booking in bookings:
        resource = resources.get(booking["resource_id"])
        place = places.get(resource["place_id"]) if resource else None
        status = booking["status"]
        summary = what(resource, place, language)
        if status in PREFIX:
            summary = i18n.gettext(language, PREFIX[status], what=summary)
        event = Event()
        if booking.get("series_id"):  # a date of a series: that instance of its email's event
            event.add("uid", series_uid(booking["series_id"]))
            event.add("recurrence-id", _instant(booking["start"]))
        else:
            event.add("uid", booking_uid(booking["id"]))
        event.add("dtstamp", stamp)
        event.add("dtstart", _instant(booking["start"]))
        event.add("dtend", _instant(booking["end"]))
        event.add("summary", summary)
        if where := location(place):
            event.add("location", vText(where))
        event.add("status", STATUS.get(status, "TENTATIVE"))
        # The invitation's cancellation has sequence 1: the same here, so neither looks older.
        event.add("sequence", 1 if STATUS.get(status) == "CANCELLED" else 0)
        event.add("transp", "TRANSPARENT" if STATUS.get(status) == "CANCELLED" else "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


def full_periods(
    bookings: Iterable[dict[str, Any]], seats: int, since: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """The periods within [since, until) when the confirmed bookings take every one of the
    resource's ``seats`` (a pool of 7 desks with one booked is not busy), merged when they
    touch (two bookings end to end make one busy period). A sweep over the bookings' starts
    and ends."""
    changes: list[tuple[datetime, int]] = []
    for booking in bookings:
        if booking.get("status") != "confirmed":
            continue
        start, end = _instant(booking["start"]), _instant(booking["end"])
        if end <= since or start >= until:
            continue
        changes += [
            (max(start, since), int(booking["seats"])),
            (min(end, until), -int(booking["seats"])),
        ]
    changes.sort(key=lambda change: (change[0], change[1]))
    periods: list[tuple[datetime, datetime]] = []
    taken, full_since = 0, None
    for moment, delta in changes:
        taken += delta
        if full_since is None and taken >= seats:
            full_since = moment
        elif full_since is not None and taken < seats:
            if moment > full_since:
                if periods and periods[-1][1] == full_since:
                    periods[-1] = (periods[-1][0], moment)
                else:
                    periods.append((full_since, moment))
            full_since = None
    return periods


def busy_feed(
    resource: dict[str, Any],
    place: dict[str, Any] | None,
    bookings: Iterable[dict[str, Any]],
    language: str,
    *,
    now: datetime | None = None,
) -> bytes:
    """A resource's busy periods for the coming ``BUSY_WEEKS`` weeks: one VEVENT « Occupé »
    per period when the resource is full. No names, no booking ids: what anyone may see.
    VEVENTs rather than a VFREEBUSY: Google Calendar, Apple Calendar and Thunderbird show the
    events of a subscribed calendar but ignore its VFREEBUSY components (free/busy is what
    they ask a server for, through CalDAV, not what they display)."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    until = now + timedelta(weeks=BUSY_WEEKS)
    label = what(resource, place, language)
    calendar = _calendar(i18n.gettext(language, BUSY_CALENDAR, what=label))
    where = location(place)
    for start, end in full_periods(bookings, int(resource["seats"]), now, until):
        event = Event()
        # Stable while the period is: an app refreshing the feed updates rather than adds.
        event.add("uid", f"busy-{resource['id']}-{start:%Y%m%dT%H%M%SZ}@maillage")
        event.add("dtstamp", now)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", i18n.gettext(language, BUSY))
        event.add("description", i18n.gettext(language, BUSY_DESCRIPTION))
        if where:
            event.add("location", vText(where))
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        event.add("class", "PUBLIC")
        calendar.add_component(event)
    return calendar.to_ical()
