"""Recurring bookings (booking service, ``services/booking/series.py``): the preview of a
series, a series and the cancellation of its dates. A series is created by
``POST /api/bookings`` with a ``recurrence`` (routers/bookings.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contracts.booking import BookingIn, SeriesCancelIn, SeriesOut, SeriesPreviewOut

from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(tags=["bookings"])

NOT_YOURS = {
    403: {"description": "Not the series' owner, a manager of its place nor territory staff"},
    404: {"description": "No such series"},
}


@router.post("/bookings/preview", response_model=SeriesPreviewOut)
def preview_series(booking: BookingIn, services: ServicesDep) -> dict[str, Any]:
    """Every date of a series (the body of ``POST /api/bookings`` with its ``recurrence``)
    with ``ok``, or the code of the rule that refuses it (``no_seat_left``,
    ``resource_closed``, ``outside_opening_hours``…). Nothing is booked; the same rules as
    booking say who may ask (signed in, for oneself, or a manager for someone)."""
    return services.call("booking", "preview_series", booking.model_dump(mode="json"))


@router.get("/series/{series_id}", response_model=SeriesOut, responses=NOT_YOURS)
def get_series(series_id: str, services: ServicesDep) -> dict[str, Any]:
    """A series with every occurrence (cancelled ones too) and the dates it skipped."""
    return services.call("booking", "get_series", series_id)


@router.post("/series/{series_id}/cancel", response_model=SeriesOut, responses=NOT_YOURS)
def cancel_series(
    series_id: str,
    services: ServicesDep,
    key: IdempotencyKey,
    span: SeriesCancelIn | None = None,
) -> dict[str, Any]:
    """Cancel the occurrences from ``from`` to ``to`` (dates in the resource's time zone,
    included; none given: every one not yet started), each as ``POST
    /api/bookings/{id}/cancel`` would (started ones untouched). The person receives one
    email for them all. Again with the same key: the same answer, no second email."""
    body = span.model_dump(mode="json", by_alias=True, exclude_none=True) if span else {}
    return services.call("booking", "cancel_series", series_id, body, key)
