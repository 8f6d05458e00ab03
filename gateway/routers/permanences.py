"""Permanences of a place (booking service): an agent's time on a rule, offering motifs;
their free slots and their appointments. Who may do what is booking's to decide (a manager
of the place or territory staff creates, changes and closes; anyone reads; a signed-in
member books for themselves, a manager for someone)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contracts.booking import (
    AppointmentIn,
    AppointmentOut,
    PermanenceIn,
    PermanenceOut,
    PermanencePatch,
    SlotsOut,
)

from ..deps import IdempotencyKey, ServicesDep
from .resources import When

router = APIRouter(tags=["permanences"])

NOT_FOUND = {404: {"description": "No such permanence (`not_found`)"}}
MANAGERS = {403: {"description": "Not a manager of its place nor territory staff (`forbidden`)"}}


@router.post(
    "/places/{place_id}/permanences",
    status_code=201,
    response_model=PermanenceOut,
    responses={
        **MANAGERS,
        409: {"description": "The room is booked for an opening (`room_unavailable`)"},
    },
)
def create_permanence(
    place_id: str, permanence: PermanenceIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """A permanence: the agent, the rule (OSM ``opening_hours``: ``Tu 09:00-12:00``,
    ``We[2,4] 14:00-17:00``), closures, motifs, and optionally a room of the place, held
    for every opening over the next 12 weeks (a clash refuses the permanence)."""
    body = permanence.model_dump(mode="json", exclude_unset=True)
    return services.call("booking", "create_permanence", place_id, body, key)


@router.get("/places/{place_id}/permanences", response_model=list[PermanenceOut])
def list_permanences(place_id: str, services: ServicesDep) -> list[dict]:
    """The place's open permanences."""
    return services.call("booking", "list_permanences", place_id)


@router.get("/permanences/{permanence_id}", response_model=PermanenceOut, responses=NOT_FOUND)
def get_permanence(permanence_id: str, services: ServicesDep) -> dict[str, Any]:
    return services.call("booking", "get_permanence", permanence_id)


@router.patch(
    "/permanences/{permanence_id}",
    response_model=PermanenceOut,
    responses={**NOT_FOUND, **MANAGERS},
)
def update_permanence(
    permanence_id: str, patch: PermanencePatch, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Change the agent's name, organisation, closures or motifs (replaced whole; their
    capacities keep their least common multiple)."""
    body = patch.model_dump(mode="json", exclude_unset=True)
    return services.call("booking", "update_permanence", permanence_id, body, key)


@router.post(
    "/permanences/{permanence_id}/close",
    response_model=PermanenceOut,
    responses={**NOT_FOUND, **MANAGERS},
)
def close_permanence(
    permanence_id: str, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """No more appointments; the room's future holds are freed (appointments booked stay)."""
    return services.call("booking", "close_permanence", permanence_id, key)


@router.get("/permanences/{permanence_id}/slots", response_model=SlotsOut, responses=NOT_FOUND)
def permanence_slots(
    permanence_id: str,
    services: ServicesDep,
    motif: Annotated[str, Query(min_length=1, max_length=40)],
    start: Annotated[When, Query(alias="from")] = None,
    end: Annotated[When, Query(alias="to")] = None,
) -> dict[str, Any]:
    """A motif's free appointments with the places left; ``from``/``to`` as for
    availability (by default today and the next 7 days; at most 31 days)."""
    return services.call("booking", "permanence_slots", permanence_id, motif, start, end)


@router.post(
    "/permanences/{permanence_id}/appointments",
    status_code=201,
    response_model=AppointmentOut,
    responses={
        **NOT_FOUND,
        409: {"description": "No place left (`no_seat_left`), not a slot (`not_a_slot`)"},
    },
)
def book_appointment(
    permanence_id: str, appointment: AppointmentIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """An appointment for one of the motif's slots, in person or by phone (then ``phone``):
    signed in for oneself, or as a manager of the place for someone (``name`` and
    ``email`` or ``phone``)."""
    body = appointment.model_dump(mode="json", exclude_unset=True)
    return services.call("booking", "book_appointment", permanence_id, body, key)
