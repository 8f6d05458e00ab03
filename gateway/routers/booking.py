"""Resources of a place and their bookings (booking service)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contracts.booking import BookingIn, BookingOut, ResourceIn, ResourceOut

from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(prefix="/api", tags=["booking"])


@router.post("/places/{place_id}/resources", status_code=201, response_model=ResourceOut)
def create_resource(
    place_id: str,
    resource: ResourceIn,
    services: ServicesDep,
    key: IdempotencyKey,
) -> dict[str, Any]:
    return services.call(
        "booking", "create_resource", place_id, resource.model_dump(mode="json"), key
    )


@router.get("/places/{place_id}/resources", response_model=list[ResourceOut])
def list_resources(place_id: str, services: ServicesDep) -> list[dict]:
    return services.call("booking", "list_resources", place_id)


@router.post("/bookings", status_code=201, response_model=BookingOut)
def create_booking(
    booking: BookingIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    return services.call("booking", "create_booking", booking.model_dump(mode="json"), key)


@router.get("/bookings/{booking_id}", response_model=BookingOut)
def get_booking(booking_id: str, services: ServicesDep) -> dict[str, Any]:
    return services.call("booking", "get_booking", booking_id)
