"""The agenda of a place or of the territory, built from pluggable sources.

A source is a function ``(place_id | None, start, end) -> list[AgendaItem dict]``; ``SOURCES``
lists them. Workshops are the first; the club meetings plug in by appending theirs
(``SOURCES.append(meetings_source)``) — nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from contracts.errors import ValidationFailed
from services.common.clock import utc_now

from .workshop_models import Workshop

Source = Callable[[str | None, datetime, datetime], list[dict]]
DEFAULT_DAYS = 90
MAX_DAYS = 400


def workshops_source(place_id: str | None, start: datetime, end: datetime) -> list[dict]:
    # A place's: its indexed equality, the dates filtered here (SecantusDB scans for an
    # equality mixed with a range on another field); the territory's: the start index.
    if place_id:
        found = [
            w
            for w in Workshop.objects(place_id=place_id).exclude("outbox", "description")
            if start <= w.start < end
        ]
    else:
        found = list(Workshop.objects(start__gte=start, start__lt=end).exclude("outbox"))
    return [
        {
            "kind": "workshop",
            "id": str(w.id),
            "title": w.title,
            "place_id": w.place_id,
            "club_id": w.club_id,
            "start": w.local(w.start),
            "end": w.local(w.end),
            "place_name": w.place_name,
            "status": w.status,
            "url": f"/evenements/{w.id}",
            "description": w.description or "",
        }
        for w in found
    ]


SOURCES: list[Source] = [workshops_source]


def _when(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("not a date", field="start", value=value) from None
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo("Europe/Paris"))
    return moment


def agenda(
    place_id: str | None = None, start: str | None = None, end: str | None = None
) -> list[dict]:
    """Every source's items from ``start`` (default: now) to ``end`` (default: 90 days
    later; at most 400 days), in order of start."""
    since = _when(start, utc_now() - timedelta(hours=12))
    until = _when(end, since + timedelta(days=DEFAULT_DAYS))
    if until <= since or until - since > timedelta(days=MAX_DAYS):
        raise ValidationFailed("a period of 1 to 400 days", field="end", value=end)
    items = [item for source in SOURCES for item in source(place_id, since, until)]
    return sorted(items, key=lambda item: (datetime.fromisoformat(item["start"]), item["title"]))
