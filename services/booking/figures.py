"""The funders' figures: what a booking records for them, and a month's aggregates and rows
per place and per territory (the arithmetic is ``rules/figures.py``).

Who sees what (the service decides, from the RPC caller):
- the aggregates: anyone signed in; audience and commune buckets of fewer than
  ``rules.figures.SMALL`` visitors grouped, except for a manager of the place and territory
  staff (coordinators, admins, the operator), who see them whole;
- the rows (one per booking, no name, no contact; the CSV): a manager of the place and
  territory staff only; the territory's rows: territory staff only.

Reads: one indexed equality on ``month_keys`` (``2026-11`` for the territory,
``2026-11:<place_id>`` for a place), the statuses filtered here, only the fields counted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contracts.booking import BookingIn, FiguresOnBehalfOnly, UnknownPlace
from contracts.identity import Caller
from services.common.identity import is_territory_staff, require, require_signed_in

from . import access, projections, workshop_attendance
from .models import Booking, Resource
from .rules import figures as rules
from .rules import settings as resource_rules

FIELDS = (
    "id",
    "resource_id",
    "place_id",
    "start",
    "end",
    "seats",
    "status",
    "audience",
    "commune",
    "channel",
    "member_id",
    "email_key",
    "phone",
    "visitor",
)


def recorded(data: BookingIn, person: access.Booker, who: Caller, resource: Resource) -> dict:
    """The figures' fields of a new booking: a member booking for themselves brings their
    profile's audience and commune only if they consented (the gateway puts them in their
    ``Caller`` then, never a body); a manager booking for someone gives what they were told.
    ``audience``/``commune`` in the body of a booking for oneself are refused: a member
    cannot set them there, for themselves or anyone."""
    on_behalf = person.member_id is None  # access.booker: someone else's booking
    if not on_behalf and (data.audience is not None or data.commune is not None):
        field = "audience" if data.audience is not None else "commune"
        raise FiguresOnBehalfOnly(
            "audience and commune come from your profile (if you agreed to be counted)",
            field=field,
        )
    tz = resource_rules.zone(resource.rules())
    return {
        "channel": rules.ON_BEHALF if on_behalf else rules.ONLINE,
        "audience": data.audience.value if on_behalf and data.audience else who.audience,
        "commune": data.commune if on_behalf else who.commune,
        "month_keys": rules.month_keys(data.start, data.end, tz, resource.place_id),
    }


def _rooms(place_id: str | None) -> list[rules.Room]:
    query = Resource.objects(place_id=place_id) if place_id else Resource.objects
    return [
        rules.Room(str(r.id), r.place_id, r.name, r.kind, r.seats, r.rules())
        for r in query.exclude("outbox").order_by("created_at")
    ]


def _entries(key: str) -> list[rules.Entry]:
    found = []
    for doc in Booking.objects(month_keys=key).only(*FIELDS).as_pymongo():
        if doc.get("status") not in rules.READ:
            continue
        found.append(
            rules.Entry(
                id=str(doc["_id"]),
                **{f: doc.get(f) for f in FIELDS if f not in ("id",)},
            )
        )
    return found


def _detailed(who: Caller, place_id: str | None) -> bool:
    return is_territory_staff(who) or (place_id is not None and who.manages_place(place_id))


def _month(month: str | None) -> str:
    """The month asked (``YYYY-MM``, else ``BadMonth``), by default the current one."""
    month = month or rules.this_month(datetime.now(UTC))
    rules.parse_month(month)
    return month


def _known(place_id: str) -> None:
    """A place booking has heard of from the directory (``404 unknown_place`` otherwise)."""
    if not projections.knows_place(place_id):
        raise UnknownPlace(f"no place {place_id}", id=place_id)


def place_figures(place_id: str, month: str | None, who: Caller) -> dict[str, Any]:
    """A place's month: totals and per resource."""
    require_signed_in(who, "read the figures")
    month = _month(month)
    _known(place_id)
    entries = _entries(rules.place_key(month, place_id))
    figures = rules.summary(month, _rooms(place_id), entries, _detailed(who, place_id))
    workshops = workshop_attendance.month_figures(rules.place_key(month, place_id))
    return {
        "place_id": place_id,
        "place_name": projections.place_name(place_id),
        **figures,
        "workshops": workshops,
    }


def territory_figures(month: str | None, who: Caller) -> dict[str, Any]:
    """The territory's month: its totals (visitors counted once across places) and each
    place's figures, each grouped or whole for this caller."""
    require_signed_in(who, "read the figures")
    month = _month(month)
    entries = _entries(month)
    rooms = _rooms(None)
    opened = rules.opening(month, rooms)
    names = projections.place_names({room.place_id for room in rooms})
    totals = rules.summary(month, rooms, entries, _detailed(who, None), opened)
    totals.pop("resources")
    return {
        **totals,
        "workshops": workshop_attendance.month_figures(month),
        "places": [
            {
                "place_id": place,
                "place_name": names.get(place),
                **rules.summary(
                    month,
                    [r for r in rooms if r.place_id == place],
                    [e for e in entries if e.place_id == place],
                    _detailed(who, place),
                    opened,
                ),
            }
            for place in sorted(names)
        ],
    }


def rows(month: str | None, who: Caller, place_id: str | None = None) -> list[dict[str, Any]]:
    """One row per booking of the month (no name, no contact; the place's name from the
    directory's projection): a place's to its managers and territory staff, the territory's
    to territory staff."""
    if place_id is None:
        require(is_territory_staff(who), who, "export the territory's figures", "figures")
    else:
        allowed = is_territory_staff(who) or who.manages_place(place_id)
        require(allowed, who, "export the figures", "place", place_id)
    month = _month(month)
    if place_id is not None:
        _known(place_id)
    key = month if place_id is None else rules.place_key(month, place_id)
    found = rules.rows(month, _rooms(place_id), _entries(key))
    names = projections.place_names({row["place_id"] for row in found})
    return [{**row, "place": names.get(row["place_id"]) or ""} for row in found]
