"""Resources of a place: desks, offices, rooms, equipment, appointment slots (booking service),
their booking rules and their availability.

Whether the place exists is booking's to say, from its projection of the directory's places;
who may create or change a resource (a manager of its place, a territory admin) too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contracts.booking import (
    AvailabilityOut,
    ClosuresImportIn,
    ResourceIn,
    ResourceOut,
    ResourcePatch,
)

from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(tags=["resources"])

NOT_FOUND = {404: {"description": "No such resource (`not_found`)"}}
# A date (2026-12-01, in the resource's time zone) or a datetime with its offset.
When = Annotated[str | None, Query(max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}([T ].+)?$")]


@router.post("/places/{place_id}/resources", status_code=201, response_model=ResourceOut)
def create_resource(
    place_id: str,
    resource: ResourceIn,
    services: ServicesDep,
    key: IdempotencyKey,
) -> dict[str, Any]:
    """A resource of a place, with its booking rules (all optional): a manager of the place
    or a territory admin."""
    return services.call(
        "booking",
        "create_resource",
        place_id,
        resource.model_dump(mode="json", exclude_unset=True),
        key,
    )


@router.get("/places/{place_id}/resources", response_model=list[ResourceOut])
def list_resources(place_id: str, services: ServicesDep) -> list[dict]:
    return services.call("booking", "list_resources", place_id)


@router.get("/resources/{resource_id}", response_model=ResourceOut, responses=NOT_FOUND)
def get_resource(resource_id: str, services: ServicesDep) -> dict[str, Any]:
    """A resource and its booking rules."""
    return services.call("booking", "get_resource", resource_id)


@router.patch(
    "/resources/{resource_id}",
    response_model=ResourceOut,
    responses={
        **NOT_FOUND,
        403: {"description": "Not a manager of its place nor a territory admin (`forbidden`)"},
    },
)
def update_resource(
    resource_id: str, patch: ResourcePatch, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Change a resource's name, seats or booking rules: only the fields sent (``null``
    clears an optional one); a manager of its place or a territory admin. The same body
    twice gives the same resource (and one ``resource_updated`` event)."""
    return services.call(
        "booking",
        "update_resource",
        resource_id,
        patch.model_dump(mode="json", exclude_unset=True),
        key,
    )


@router.post(
    "/resources/{resource_id}/closures/import",
    response_model=ResourceOut,
    responses={
        **NOT_FOUND,
        403: {"description": "Not a manager of its place nor a territory admin (`forbidden`)"},
        422: {"description": "The calendar could not be read (`calendar_unreadable`)"},
    },
)
def import_closures(
    resource_id: str, body: ClosuresImportIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Closures from an iCalendar address (school holidays, the place's own calendar): its
    events from now to the resource's horizon, recurring ones expanded, replace the closures
    imported from that address before (the others stay). A manager of the place or a
    territory admin. Import again to follow the calendar's changes."""
    return services.call(
        "booking", "import_closures", resource_id, body.model_dump(mode="json"), key
    )


@router.get(
    "/resources/{resource_id}/availability",
    response_model=AvailabilityOut,
    responses=NOT_FOUND,
)
def availability(
    resource_id: str,
    services: ServicesDep,
    start: Annotated[When, Query(alias="from")] = None,
    end: Annotated[When, Query(alias="to")] = None,
) -> dict[str, Any]:
    """The free units of a resource with the seats left, in its time zone: open, outside
    its closures, within its lead time and horizon. ``from``/``to``: dates (in the
    resource's zone; ``to`` included) or datetimes with an offset; by default today and the
    next 7 days; at most 31 days."""
    return services.call("booking", "availability", resource_id, start, end)
