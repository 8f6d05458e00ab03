"""What booking answers without writing: resources and confirmed bookings."""

from __future__ import annotations

from services.common.lookup import get_or_404

from .models import Booking, Resource
from .rules import states


def find_resource(resource_id: str) -> Resource:
    return get_or_404(Resource, resource_id, "resource")


def get_resource(resource_id: str) -> dict:
    return find_resource(resource_id).to_dict()


def list_resources(place_id: str | None = None) -> list[dict]:
    query = Resource.objects(place_id=place_id) if place_id else Resource.objects
    return [r.to_dict() for r in query.order_by("created_at")]


def get_booking(booking_id: str) -> dict:
    return get_or_404(Booking, booking_id, "booking", status=states.CONFIRMED).to_dict()


def list_bookings(resource_id: str | None = None) -> list[dict]:
    query = Booking.objects(status=states.CONFIRMED)
    if resource_id:
        query = query.filter(resource_id=resource_id)
    return [b.to_dict() for b in query.order_by("start")]
