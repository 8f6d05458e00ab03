"""Places of the network (directory service)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from contracts.directory import PlaceIn, PlaceOut, PlaceStatus

from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(prefix="/places", tags=["places"])


@router.post("", status_code=201, response_model=PlaceOut)
def create_place(place: PlaceIn, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    return services.call(
        "directory", "create_place", place.model_dump(mode="json", exclude_unset=True), key
    )


@router.get("", response_model=list[PlaceOut])
def list_places(services: ServicesDep, status: PlaceStatus | None = Query(None)) -> list[dict]:
    return services.call("directory", "list_places", status.value if status else None)


@router.get("/{place_id}", response_model=PlaceOut)
def get_place(place_id: str, services: ServicesDep) -> dict[str, Any]:
    return services.call("directory", "get_place", place_id)
