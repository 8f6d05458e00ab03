"""Clubs (clubs service): a club, its members and join requests, its president, its
announcements. Who may do what is the clubs service's to say (``services/clubs/membership``):
the routes pass the caller along and map its refusals."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contracts.clubs import (
    AnnouncementIn,
    AnnouncementOut,
    ClubIn,
    ClubOut,
    ClubPatch,
    HandOverIn,
    MemberOut,
    MembershipOut,
    RoleIn,
    StatusIn,
)

from .. import paths  # noqa: F401  (the ``member_id`` path convertor)
from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(prefix="/clubs", tags=["clubs"])

NOT_FOUND = {404: {"description": "No such club (`not_found`, `what` club)"}}
MANAGERS = {
    **NOT_FOUND,
    401: {"description": "Not signed in (`authentication_required`)"},
    403: {
        "description": "Not the president, a co-organiser, the acting place's manager nor "
        "territory staff (`forbidden`)"
    },
}
PlaceId = Annotated[str | None, Query(alias="place", max_length=64)]


@router.get("", response_model=list[ClubOut])
def list_clubs(services: ServicesDep, place: PlaceId = None) -> list[dict]:
    """The territory's clubs by name; ``?place=``: those a place hosts."""
    if place:
        return services.call("clubs", "list_clubs", place)
    return services.call("clubs", "list_clubs")


@router.post("", status_code=201, response_model=ClubOut, responses=MANAGERS)
def create_club(club: ClubIn, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """Found a club at a place: its managers or territory staff. The place acts as president
    until a member is handed the presidency."""
    return services.call("clubs", "create_club", club.model_dump(mode="json"), key)


@router.get("/{club_id}", response_model=ClubOut, responses=NOT_FOUND)
def get_club(club_id: str, services: ServicesDep) -> dict[str, Any]:
    return services.call("clubs", "get_club", club_id)


@router.patch("/{club_id}", response_model=ClubOut, responses=MANAGERS)
def update_club(
    club_id: str, patch: ClubPatch, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Name, purpose, join policy, whether members see the members list: the club's
    managers. Only the fields sent."""
    body = patch.model_dump(mode="json", exclude_unset=True)
    return services.call("clubs", "update_club", club_id, body, key)


@router.put("/{club_id}/status", response_model=ClubOut, responses=MANAGERS)
def set_status(
    club_id: str, status: StatusIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """incubating ↔ autonomous, with the date and who decided: a coordinator, an admin or
    a manager of the host place."""
    return services.call("clubs", "set_status", club_id, status.model_dump(mode="json"), key)


@router.put("/{club_id}/president", response_model=ClubOut, responses=MANAGERS)
def hand_over(
    club_id: str, body: HandOverIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Hand the presidency to a member of the club (409 ``not_a_club_member`` otherwise):
    the president, the acting place's managers or territory staff. The place stops acting."""
    return services.call("clubs", "hand_over", club_id, body.model_dump(mode="json"), key)


@router.get("/{club_id}/members", response_model=list[MemberOut], responses=MANAGERS)
def list_members(club_id: str, services: ServicesDep) -> list[dict]:
    """The members, president first: the club's managers, and its members when the club
    lets them see the list."""
    return services.call("clubs", "list_members", club_id)


@router.post("/{club_id}/members", response_model=MembershipOut, responses=MANAGERS)
def join(club_id: str, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """Join, signed in: at once (``member``) when the club is open, else a join request
    (``requested``). Joining again answers the standing reached."""
    return services.call("clubs", "join", club_id, key)


@router.get("/{club_id}/members/me", response_model=MembershipOut, responses=NOT_FOUND)
def my_standing(club_id: str, services: ServicesDep) -> dict[str, Any]:
    """The caller's standing in the club (``none`` for anyone not in it)."""
    return services.call("clubs", "my_standing", club_id)


@router.delete(
    "/{club_id}/members/{member_id:member_id}", response_model=MembershipOut, responses=MANAGERS
)
def leave(
    club_id: str, member_id: str, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Leave (oneself) or remove a member (the club's managers). The president hands the
    presidency over first (409 ``president_must_hand_over``)."""
    return services.call("clubs", "leave", club_id, member_id, key)


@router.put("/{club_id}/members/{member_id}/role", response_model=MembershipOut, responses=MANAGERS)
def set_role(
    club_id: str, member_id: str, body: RoleIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Make a member co-organiser, or member again: the president, the acting place's
    managers or territory staff."""
    payload = body.model_dump(mode="json")
    return services.call("clubs", "set_role", club_id, member_id, payload, key)


@router.get("/{club_id}/join-requests", responses=MANAGERS)
def list_join_requests(club_id: str, services: ServicesDep) -> list[dict]:
    """Pending join requests, oldest first: the club's managers."""
    return services.call("clubs", "list_join_requests", club_id)


@router.post(
    "/{club_id}/join-requests/{member_id}/approve",
    response_model=MembershipOut,
    responses=MANAGERS,
)
def approve(club_id: str, member_id: str, services: ServicesDep, key: IdempotencyKey) -> dict:
    """The member joins (404 ``no_join_request`` when nothing is pending)."""
    return services.call("clubs", "answer_join_request", club_id, member_id, {"approve": True}, key)


@router.post(
    "/{club_id}/join-requests/{member_id}/refuse",
    response_model=MembershipOut,
    responses=MANAGERS,
)
def refuse(club_id: str, member_id: str, services: ServicesDep, key: IdempotencyKey) -> dict:
    return services.call(
        "clubs", "answer_join_request", club_id, member_id, {"approve": False}, key
    )


@router.get("/{club_id}/announcements", response_model=list[AnnouncementOut], responses=MANAGERS)
def list_announcements(club_id: str, services: ServicesDep) -> list[dict]:
    """The latest announcements: the club's members and managers."""
    return services.call("clubs", "list_announcements", club_id)


@router.post(
    "/{club_id}/announcements",
    status_code=201,
    response_model=AnnouncementOut,
    responses=MANAGERS,
)
def post_announcement(
    club_id: str, body: AnnouncementIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Write to the members (emailed by notifications in each one's language): the
    president, a co-organiser, the acting place's managers or territory staff."""
    payload = body.model_dump(mode="json")
    return services.call("clubs", "post_announcement", club_id, payload, key)
