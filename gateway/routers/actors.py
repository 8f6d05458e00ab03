"""Local actors of the showcase ("vitrine des forces vives", directory service).

The directory decides who may add (a coordinator, an admin), edit (the actor's owner, a
coordinator, an admin) and remove; and what a reader sees: no email nor phone unless the
actor opted in (``show_contact``), or the reader is its owner or territory staff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from contracts.directory import ActorCategory, ActorIn, ActorOut, ActorPage, ActorPatch

from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(prefix="/actors", tags=["actors"])

NOT_FOUND = {404: {"description": "No such actor, or removed (`not_found`)"}}
EDITORS = {403: {"description": "Not its owner nor a coordinator (`forbidden`)"}}


def criteria(
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[list[ActorCategory] | None, Query()] = None,
    commune: Annotated[str | None, Query(max_length=120)] = None,
    network: Annotated[list[str] | None, Query(max_length=10)] = None,
    place: Annotated[str | None, Query(max_length=40)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=500)] = None,
    bbox: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    found = {
        "q": q,
        "category": [c.value for c in category or ()],
        "commune": commune,
        "network": network or [],
        "place": place,
        "lat": lat,
        "lon": lon,
        "radius_km": radius_km,
        "bbox": bbox,
        "page": page,
        "per_page": per_page,
    }
    return {k: v for k, v in found.items() if v not in (None, [])}


@router.get("", response_model=ActorPage)
def search_actors(
    services: ServicesDep, search: Annotated[dict[str, Any], Depends(criteria)]
) -> dict[str, Any]:
    """Search the actors: ``q`` (words, accents and case ignored; a word may be begun),
    ``category`` and ``network`` (repeat for several: any of them), ``commune``, ``place``
    (actors working from this place), ``bbox`` (``min_lon,min_lat,max_lon,max_lat``), and a
    point (``lat``, ``lon``, ``radius_km``, 50 by default): then nearest first, with each
    one's ``distance_km``, including actors farther away whose service area covers the
    point. ``page`` and ``per_page`` (20)."""
    return services.call("directory", "search_actors", search)


@router.post("", status_code=201, response_model=ActorOut)
def create_actor(actor: ActorIn, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """Add an actor: a coordinator or an admin (members propose one as a contribution)."""
    return services.call(
        "directory", "create_actor", actor.model_dump(mode="json", exclude_unset=True), key
    )


@router.get("/{actor_id}", response_model=ActorOut, responses=NOT_FOUND)
def get_actor(actor_id: str, services: ServicesDep) -> dict[str, Any]:
    """An actor; ``email`` and ``phone`` null unless it opted in (``show_contact``) or the
    reader is its owner or territory staff."""
    return services.call("directory", "get_actor", actor_id)


@router.patch("/{actor_id}", response_model=ActorOut, responses={**NOT_FOUND, **EDITORS})
def update_actor(
    actor_id: str, patch: ActorPatch, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Change an actor (only the fields sent; ``null`` clears an optional one): its owner, a
    coordinator or an admin, without moderation. Its history keeps who changed what."""
    return services.call(
        "directory",
        "update_actor",
        actor_id,
        patch.model_dump(mode="json", exclude_unset=True),
        key,
    )


@router.delete("/{actor_id}", response_model=ActorOut, responses={**NOT_FOUND, **EDITORS})
def remove_actor(actor_id: str, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """Remove (hide) an actor from every public read: a coordinator or an admin; kept with
    its history."""
    return services.call("directory", "remove_actor", actor_id, key)
