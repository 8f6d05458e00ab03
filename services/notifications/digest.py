"""The weekly digest: the coming events of the places and clubs, once a week, to the people
who asked for it (the kind ``digests``, off unless chosen).

- A projection of coming events (``ComingEvent``) from generic items: ``place_id``,
  ``club_id`` (None for a place's own), ``start``, ``end``, ``title``, and an id. It takes
  the clubs' ``meeting_scheduled`` / ``meeting_moved`` / ``meeting_cancelled`` (id
  ``occurrence_id``) and ``workshop_scheduled`` / ``workshop_cancelled`` (``workshop_id``)
  through ``keep_from_event``; any other source of coming events can call ``keep`` / ``drop``.
- A timer (every hour) sends, on the digest's weekday from its hour (local time of the
  territory), one email per person for that ISO week: the ``Delivery`` key is the week, so
  a second round, a second instance or a restart sends nothing more. Nothing coming: no
  email. Each person reads the times in their own time zone and language.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mongoengine.errors import NotUniqueError

from services.common.settings import Settings

from . import compose, places, preferences
from .models import ComingEvent, Contact, Correspondent, EmailPreference
from .rules import event_time_us, normalise, token_for

KIND = "weekly_digest"
TOPIC = "digests"
# When the digest goes: Monday (0) from 7:00, the territory's local time.
WEEKDAY, HOUR, TERRITORY_ZONE = 0, 7, ZoneInfo("Europe/Paris")
HORIZON = timedelta(days=7)
MAX_ITEMS = 50

# The event families of the shared clubs protocol, and their id field.
KEEPS = {"meeting_scheduled": "occurrence_id", "meeting_moved": "occurrence_id"}
KEEPS["workshop_scheduled"] = "workshop_id"
DROPS = {"meeting_cancelled": "occurrence_id", "workshop_cancelled": "workshop_id"}


# -- the projection ---------------------------------------------------------------------------
def item_key(family: str, item_id: str) -> str:
    return f"{family}:{item_id}"


def keep(key: str, item: dict[str, Any], time_us: int) -> bool:
    """A coming event, created or changed (an older change arriving late changes nothing)."""
    values = {
        "place_id": item.get("place_id"),
        "club_id": item.get("club_id"),
        "title": compose.one_line(item["title"]),
        "start": datetime.fromisoformat(item["start"]).astimezone(UTC),
        "end": datetime.fromisoformat(item["end"]).astimezone(UTC) if item.get("end") else None,
    }
    try:
        ComingEvent(item_id=key, event_time_us=time_us, **values).save(force_insert=True)
        return True
    except NotUniqueError:
        pass
    newer = ComingEvent.objects(item_id=key, event_time_us__lt=time_us)
    changes = {f"set__{name}": value for name, value in values.items()}
    return bool(newer.update_one(set__event_time_us=time_us, **changes))


def drop(key: str) -> int:
    return ComingEvent.objects(item_id=key).delete()


def keep_from_event(event: dict[str, Any]) -> bool:
    """A clubs event of the shared protocol into the projection; True when it changed it."""
    kind, data = event["type"], event["data"]
    family = kind.split("_")[0]
    if kind in KEEPS:
        key = item_key(family, data[KEEPS[kind]])
        return keep(key, data, event_time_us(event.get("occurred_at")))
    if kind in DROPS:
        return bool(drop(item_key(family, data[DROPS[kind]])))
    raise KeyError(f"not a coming event: {kind}")


def coming(now: datetime, horizon: timedelta = HORIZON) -> list[ComingEvent]:
    """The events starting within ``horizon`` of ``now``, soonest first (a range on the
    indexed ``start`` alone)."""
    found = ComingEvent.objects(start__gte=now, start__lt=now + horizon).order_by("start")
    return list(found.limit(MAX_ITEMS))


# -- who gets it ------------------------------------------------------------------------------
def readers() -> list[dict[str, str]]:
    """Everyone who chose the digest: address, name, language and time zone (from the
    member's contact, else what they gave with a booking or a contact request)."""
    chosen = EmailPreference.objects(**{"choices__digests": True}).only("email")
    addresses = sorted(p.email for p in chosen)
    if not addresses:
        return []
    # Contacts keep the address as the member wrote it: matched normalised (a weekly scan of
    # the territory's members, a few thousand at most).
    wanted = set(addresses)
    contacts = {
        normalise(c.email): c
        for c in Contact.objects.only("email", "name", "language", "timezone")
        if normalise(c.email) in wanted
    }
    others = {c.email: c for c in Correspondent.objects(email__in=addresses)}
    found = []
    for address in addresses:
        who = contacts.get(address) or others.get(address)
        if who is None:
            continue  # an address nobody wrote to: nothing to go by
        found.append(
            {
                "email": address,
                "name": who.name or "",
                "language": compose.normalize_language(who.language),
                "timezone": getattr(who, "timezone", None) or "Europe/Paris",
            }
        )
    return found


# -- when and what ------------------------------------------------------------------------------
def week_of(now: datetime) -> str:
    year, week, _ = now.astimezone(TERRITORY_ZONE).isocalendar()
    return f"{year}-W{week:02d}"


def is_due(now: datetime) -> bool:
    local = now.astimezone(TERRITORY_ZONE)
    return local.weekday() == WEEKDAY and local.hour >= HOUR


def grouped(items: list[ComingEvent], zone: str) -> list[dict[str, Any]]:
    """The events by place (its card's name when known), each in the reader's zone."""
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = TERRITORY_ZONE
    by_place: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_place[item.place_id or ""].append(
            {
                "title": item.title,
                "start": item.start.replace(tzinfo=UTC).astimezone(tz).isoformat(),
                "end": (item.end or item.start).replace(tzinfo=UTC).astimezone(tz).isoformat(),
                "club": bool(item.club_id),
            }
        )
    groups = []
    for place_id, events in by_place.items():
        card = places.card(place_id) or {}
        groups.append({"place_name": card.get("name") or "", "events": events})
    return groups


def send_weekly(
    settings: Settings, record, secret: bytes, now: datetime | None = None, force: bool = False
) -> int:
    """This week's digest to everyone who chose it, if it is time (``force``: whatever the
    day); the number recorded now (0 on every later round of the same week)."""
    now = now or datetime.now(UTC)
    if not (force or is_due(now)):
        return 0
    items = coming(now)
    if not items:
        return 0
    week = week_of(now)
    recorded = 0
    for reader in readers():
        if not preferences.allows(reader["email"], TOPIC):
            continue
        message = compose.digest_message(
            {"name": reader["name"], "email": reader["email"], "week": week},
            grouped(items, reader["timezone"]),
            language=reader["language"],
            mail_from=settings.mail_from,
            public_url=settings.public_url,
            unsubscribe_token=token_for(secret, reader["email"]),
        )
        recorded += bool(record(f"digest-{week}", KIND, message, topic=TOPIC))
    return recorded
