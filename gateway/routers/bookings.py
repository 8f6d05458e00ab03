"""Bookings of a resource (booking service)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contracts.booking import BookingIn, BookingOut

from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(prefix="/bookings", tags=["bookings"])


@router.post("", status_code=201, response_model=BookingOut)
def create_booking(
    booking: BookingIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    return services.call("booking", "create_booking", booking.model_dump(mode="json"), key)


@router.get("/{booking_id}", response_model=BookingOut)
def get_booking(booking_id: str, services: ServicesDep) -> dict[str, Any]:
    return services.call("booking", "get_booking", booking_id)
