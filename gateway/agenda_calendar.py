"""The agenda's iCalendar feed (``GET /api/agenda.ics``): a place's or the territory's
workshops and events (and, once they plug into the clubs' agenda sources, meetings), as a
subscription (``METHOD:PUBLISH``). A workshop keeps the UID of its participants' email
invitation (``services.common.calendar.workshop_uid``), so that an app holding both shows
one event. Pure: over what the clubs service answered."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from icalendar import Event, vText

from services.common.calendar import workshop_uid

from . import i18n
from .calendars import _calendar, _instant
from .i18n import N_

AGENDA = N_("Agenda – %(where)s")
TERRITORY = N_("le territoire")
CANCELLED = N_("Annulé : %(what)s")


def uid_of(item: dict[str, Any]) -> str:
    if item["kind"] == "workshop":
        return workshop_uid(item["id"])
    return f"{item['kind']}-{item['id']}@maillage"


def agenda_feed(
    items: Iterable[dict[str, Any]],
    where: str | None,
    language: str,
    public_url: str,
    *,
    stamp: datetime | None = None,
) -> bytes:
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    name = i18n.gettext(language, AGENDA, where=where or i18n.gettext(language, TERRITORY))
    calendar = _calendar(name)
    for item in items:
        cancelled = item.get("status") == "cancelled"
        summary = item["title"]
        if cancelled:
            summary = i18n.gettext(language, CANCELLED, what=summary)
        event = Event()
        event.add("uid", uid_of(item))
        event.add("dtstamp", stamp)
        event.add("dtstart", _instant(item["start"]))
        event.add("dtend", _instant(item["end"]))
        event.add("summary", summary)
        if item.get("place_name"):
            event.add("location", vText(item["place_name"]))
        if item.get("description"):
            event.add("description", item["description"])
        event.add("url", public_url.rstrip("/") + item["url"])
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("sequence", 1 if cancelled else 0)
        calendar.add_component(event)
    return calendar.to_ical()
