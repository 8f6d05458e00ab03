"""What the booking service does, over its documents. Each command is idempotent by key."""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId

from contracts.booking import AttemptExpired, BookingIn, NoSeatLeft, ResourceIn, UnknownPlace
from services.common.idempotency import insert_once
from services.common.lookup import get_or_404
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from . import capacity, rules
from .models import Booking, KnownPlace, Resource


def get_resource(resource_id: str) -> Resource:
    return get_or_404(Resource, resource_id, "resource")


def create_resource(place_id: str, payload: dict, key: str, events: EventStager) -> dict:
    data = parse(ResourceIn, payload)
    # Places come from the directory's events (projection): no call on the request path.
    if KnownPlace.objects(place_id=place_id).first() is None:
        raise UnknownPlace(f"no place {place_id}", id=place_id)
    digest = fingerprint({"place_id": place_id, **data.model_dump(mode="json")})

    def build() -> Resource:
        resource = Resource(
            id=ObjectId(),
            place_id=place_id,
            name=data.name,
            kind=data.kind.value,
            seats=data.seats,
            idempotency_key=key,
            fingerprint=digest,
        )
        created = {
            "resource_id": str(resource.id),
            "place_id": place_id,
            **data.model_dump(mode="json"),
        }
        resource.stage(events.event("resource_created", created))
        return resource

    resource = insert_once(Resource, key, digest, build, "resource")
    events.flush()
    return resource.to_dict()


def list_resources(place_id: str | None = None) -> list[dict]:
    query = Resource.objects(place_id=place_id) if place_id else Resource.objects
    return [r.to_dict() for r in query.order_by("created_at")]


def create_booking(
    payload: dict, key: str, events: EventStager, now: datetime | None = None
) -> dict:
    data = parse(BookingIn, payload)
    resource = get_resource(data.resource_id)
    rules.check_period(data.start, data.end, now or datetime.now(UTC))
    rules.check_seats(data.seats, resource.seats)
    digest = fingerprint(data.model_dump(mode="json"))

    booking = _claim(data, key, digest)
    if booking.status == Booking.CONFIRMED:
        return booking.to_dict()
    if booking.status == Booking.REJECTED:
        raise NoSeatLeft("no seat left on this resource for that time", **_busy(resource, data))

    slots = rules.slots(booking.start, booking.end)
    if not capacity.hold_all(str(resource.id), slots, str(booking.id), data.seats, resource.seats):
        Booking.objects(id=booking.id, status=Booking.PENDING).update_one(
            set__status=Booking.REJECTED
        )
        raise NoSeatLeft("no seat left on this resource for that time", **_busy(resource, data))

    booking.status = Booking.CONFIRMED
    event = events.event("booking_confirmed", _event_data(booking, resource))
    confirmed = Booking.objects(id=booking.id, status=Booking.PENDING).update_one(
        set__status=Booking.CONFIRMED, **Booking.staging(event)
    )
    if not confirmed:
        current = Booking.objects(id=booking.id).first()
        if current.status == Booking.CONFIRMED:  # a concurrent retry with this key won
            return current.to_dict()
        # Released as abandoned while we worked: give the seats back.
        capacity.release_all(str(resource.id), slots, str(booking.id))
        raise AttemptExpired("this booking attempt expired; please try again")
    events.flush()
    return booking.to_dict()


def release_abandoned(now: datetime) -> int:
    """Reject bookings left pending by a worker that died mid-way, and free their seats.

    A retry with the same key normally finishes such a booking; when none comes, the held
    seats would stay taken forever.
    """
    released = 0
    # Equality on status only: pending bookings are few, the age is checked here.
    for booking in Booking.objects(status=Booking.PENDING).limit(500):
        if booking.created_at > now - rules.ABANDONED_AFTER:
            continue
        if Booking.objects(id=booking.id, status=Booking.PENDING).update_one(
            set__status=Booking.REJECTED
        ):
            slots = rules.slots(booking.start, booking.end)
            capacity.release_all(booking.resource_id, slots, str(booking.id))
            released += 1
    return released


def _claim(data: BookingIn, key: str, digest: str) -> Booking:
    """Insert the pending booking, or find the one an earlier try with this key made."""

    def build() -> Booking:
        return Booking(
            resource_id=data.resource_id,
            start=data.start.astimezone(UTC),
            end=data.end.astimezone(UTC),
            utc_offset_minutes=int(data.start.utcoffset().total_seconds() // 60),
            seats=data.seats,
            name=data.name,
            email=data.email,
            language=data.language,
            idempotency_key=key,
            fingerprint=digest,
        )

    return insert_once(Booking, key, digest, build, "booking")


def _busy(resource: Resource, data: BookingIn) -> dict:
    taken = capacity.seats_taken(str(resource.id), rules.slots(data.start, data.end))
    return {"seats_total": resource.seats, "seats_taken": taken, "seats_requested": data.seats}


def _event_data(booking: Booking, resource: Resource) -> dict:
    place = KnownPlace.objects(place_id=resource.place_id).first()
    shown = booking.to_dict()
    return {
        "booking_id": str(booking.id),
        "resource_id": str(resource.id),
        "resource_name": resource.name,
        "place_id": resource.place_id,
        "place_name": place.name if place else None,
        "start": shown["start"],
        "end": shown["end"],
        "seats": booking.seats,
        "name": booking.name,
        "email": booking.email,
        "language": booking.language,
    }


def get_booking(booking_id: str) -> dict:
    return get_or_404(Booking, booking_id, "booking", status=Booking.CONFIRMED).to_dict()


def list_bookings(resource_id: str | None = None) -> list[dict]:
    query = Booking.objects(status=Booking.CONFIRMED)
    if resource_id:
        query = query.filter(resource_id=resource_id)
    return [b.to_dict() for b in query.order_by("start")]


def remember_place(data: dict) -> None:
    KnownPlace.objects(place_id=data["place_id"]).update_one(
        upsert=True,
        set__name=data["name"],
        set__commune=data.get("commune"),
        set__updated_at=datetime.now(UTC),
    )
