"""What booking answers without writing: resources and confirmed bookings."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.identity import ANONYMOUS, Caller
from services.common.identity import is_territory_staff, require
from services.common.lookup import get_or_404

from . import access, capacity
from .models import Booking, Resource, Subscription
from .rules import availability as free
from .rules import residents, states
from .rules.periods import slots

# What a person sees of their own bookings: not the requests in flight nor the refused ones.
SHOWN = (
    states.CONFIRMED,
    states.CANCELLED,
    states.AWAITING_APPROVAL,
    states.WAITLISTED,
    states.OFFERED,
    *sorted(states.OUTCOMES),
)
MY_BOOKINGS_LIMIT = 500
SUBSCRIPTIONS_SHOWN = (residents.ACTIVE, residents.CANCELLED)


def find_resource(resource_id: str) -> Resource:
    return get_or_404(Resource, resource_id, "resource")


def get_resource(resource_id: str) -> dict:
    return find_resource(resource_id).to_dict()


def list_resources(place_id: str | None = None) -> list[dict]:
    query = Resource.objects(place_id=place_id) if place_id else Resource.objects
    # A permanence's agent is shown as the permanence (permanences.py), not as a resource.
    return [r.to_dict() for r in query.order_by("created_at") if not r.permanence_id]


def place_of(booking: Booking, known: dict[str, str | None] | None = None) -> str | None:
    """The place of a booking's resource (``known``: resource id → place id, a cache)."""
    if booking.place_id:
        return booking.place_id
    if known is not None and booking.resource_id in known:
        return known[booking.resource_id]
    resource = Resource.objects(id=booking.resource_id).only("place_id").first()
    place_id = resource.place_id if resource else None
    if known is not None:
        known[booking.resource_id] = place_id
    return place_id


def get_booking(booking_id: str, who: Caller = ANONYMOUS) -> dict:
    """A booking its owner sees (``SHOWN``); its name and email only to its owner or staff."""
    booking = get_or_404(Booking, booking_id, "booking", status__in=SHOWN)
    return access.shown_to(booking, who, place_of(booking))


def list_bookings(resource_id: str | None = None, who: Caller = ANONYMOUS) -> list[dict]:
    """Confirmed bookings (of a resource); the people's names and emails only to staff, to
    the managers of the booking's place and to each booking's owner."""
    query = Booking.objects(status=states.CONFIRMED)
    if resource_id:
        query = query.filter(resource_id=resource_id)
    places: dict[str, str | None] = {}
    return [access.shown_to(b, who, place_of(b, places)) for b in query.order_by("start")]


def my_bookings(who: Caller) -> list[dict]:
    """The caller's bookings (made signed in, or naming their address), newest first.
    Anonymous and the operator have none. One indexed equality per way of owning (no
    ``$or``: SecantusDB scans the collection for it)."""
    found: dict = {}
    queries = []
    if who.member_id:
        queries.append(Booking.objects(member_id=who.member_id))
    address = access.email_key(who.email)
    if address and not who.operator:
        queries.append(Booking.objects(email_key=address))
    for query in queries:
        for booking in query.filter(status__in=SHOWN).limit(MY_BOOKINGS_LIMIT):
            found[booking.id] = booking
    newest = sorted(found.values(), key=lambda b: (b.created_at, b.id), reverse=True)
    return [b.to_dict() for b in newest]


def availability(
    resource_id: str, start: str | None, end: str | None, now: datetime | None = None
) -> dict:
    """A resource's free units between ``start`` and ``end`` (rules/availability.py), with the
    seats left from the capacity day documents, read by ``_id $in`` only."""
    resource = find_resource(resource_id)
    settings = resource.rules()
    now = now or datetime.now(UTC)
    lo, hi = free.window(start, end, settings, now)
    units = free.open_units(settings, lo, hi, now)
    wanted = [slot for unit in units for slot in slots(*unit)]
    taken = capacity.taken_by_slot(str(resource.id), wanted)
    tz = free.rules.zone(settings)
    return {
        "resource_id": str(resource.id),
        "timezone": settings.timezone,
        "unit": settings.unit.value,
        "seats": resource.seats,
        "start": lo.astimezone(tz).isoformat(),
        "end": hi.astimezone(tz).isoformat(),
        "free": [
            {
                **f,
                "start": f["start"].astimezone(tz).isoformat(),
                "end": f["end"].astimezone(tz).isoformat(),
            }
            for f in free.free_units(units, resource.drop_in_seats(), taken)
        ],
    }


def list_subscriptions(resource_id: str, who: Caller) -> list[dict]:
    """A desk pool's subscriptions, newest first: its place's managers and territory staff."""
    resource = find_resource(resource_id)
    allowed = who.manages_place(resource.place_id) or is_territory_staff(who)
    require(allowed, who, "see the subscriptions", "place", resource.place_id)
    found = Subscription.objects(resource_id=resource_id).filter(status__in=SUBSCRIPTIONS_SHOWN)
    return [s.to_dict() for s in found.order_by("-created_at").limit(MY_BOOKINGS_LIMIT)]


def my_subscriptions(who: Caller) -> list[dict]:
    """The caller's subscriptions (naming their address), newest first: one indexed
    equality; anonymous and the operator have none."""
    address = access.email_key(who.email)
    if not address or who.operator:
        return []
    found = Subscription.objects(email_key=address).filter(status__in=SUBSCRIPTIONS_SHOWN)
    return [s.to_dict() for s in found.order_by("-created_at").limit(MY_BOOKINGS_LIMIT)]
