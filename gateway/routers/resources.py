"""Resources of a place: desks, offices, rooms, equipment, appointment slots (booking service).

Whether the place exists is booking's to say, from its projection of the directory's places.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contracts.booking import ResourceIn, ResourceOut

from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(prefix="/places/{place_id}/resources", tags=["resources"])


@router.post("", status_code=201, response_model=ResourceOut)
def create_resource(
    place_id: str,
    resource: ResourceIn,
    services: ServicesDep,
    key: IdempotencyKey,
) -> dict[str, Any]:
    return services.call(
        "booking", "create_resource", place_id, resource.model_dump(mode="json"), key
    )


@router.get("", response_model=list[ResourceOut])
def list_resources(place_id: str, services: ServicesDep) -> list[dict]:
    return services.call("booking", "list_resources", place_id)
