"""What clubs answers without writing: clubs, their members, join requests, a member's own
clubs and export."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from contracts.identity import Caller
from services.common.identity import require, require_signed_in

from . import membership
from .members import standing
from .models import MEMBER, REQUESTED, Club, Membership, iso
from .rsvp_member_data import exported_rsvps
from .rules import access


def list_clubs(place_id: str | None = None) -> list[dict]:
    query = Club.objects(place_id=place_id) if place_id else Club.objects
    return [club.to_dict() for club in query.order_by("name")]


def get_club(club_id: str) -> dict:
    return membership.club_or_404(club_id).to_dict()


def _member_row(club: Club, m: Membership) -> dict:
    return {
        "member_id": m.member_id,
        "name": m.name,
        "role": access.role_of(club.president_id, m.member_id, m.role),
        "joined_at": iso(m.joined_at),
    }


ROLE_ORDER = {"president": 0, "co_organiser": 1, "member": 2}


def list_members(club_id: str, who: Caller) -> list[dict]:
    """The members, the president first, then co-organisers, then by name: the club's
    managers always, its members when the club allows it."""
    club = membership.club_or_404(club_id)
    manages = membership.may_manage(club, who)
    member = membership.is_member(club, who.member_id)
    allowed = access.sees_members(club.members_visible is not False, member, manages)
    require(allowed, who, "see this club's members", "club", club_id)
    rows = [_member_row(club, m) for m in Membership.objects(club_id=club_id, status=MEMBER)]
    return sorted(rows, key=lambda r: (ROLE_ORDER[r["role"]], (r["name"] or "").casefold()))


def list_join_requests(club_id: str, who: Caller) -> list[dict]:
    """The pending join requests, oldest first: the club's managers."""
    club = membership.club_or_404(club_id)
    membership.require_manager(club, who, "see this club's join requests")
    found = Membership.objects(club_id=club_id, status=REQUESTED)
    rows = [
        {"member_id": m.member_id, "name": m.name, "requested_at": iso(m.requested_at)}
        for m in found
    ]
    return sorted(rows, key=lambda r: r["requested_at"] or "")


def my_standing(club_id: str, who: Caller) -> dict:
    """The caller's standing in a club, and whether they manage it (the club's page)."""
    club = membership.club_or_404(club_id)
    found = membership.membership(club, who.member_id)
    mine = standing(club, found, who.member_id or "")
    return {**mine, "manages": membership.may_manage(club, who)}


def my_clubs(who: Caller) -> list[dict]:
    """The caller's clubs (their "my clubs" page): those they are in (``member``) or asked
    to join (``requested``), and those they preside, with each club's name and their role,
    by club name. Two reads by indexed equality (``member_id``, ``president_id``) and one by
    ``_id``."""
    require_signed_in(who, "see your clubs")
    if not who.member_id:
        return []
    live = {
        m.club_id: m
        for m in Membership.objects(member_id=who.member_id, status__in=[MEMBER, REQUESTED])
    }
    presided = {str(c.id): c for c in Club.objects(president_id=who.member_id)}
    missing = [ObjectId(i) for i in live if i not in presided and ObjectId.is_valid(i)]
    clubs = (
        {**{str(c.id): c for c in Club.objects(id__in=missing)}, **presided}
        if missing
        else presided
    )
    rows = []
    for club_id, club in clubs.items():
        found = live.get(club_id)
        status = found.status if found is not None else MEMBER  # a president is a member
        rows.append(
            {
                "club_id": club_id,
                "club_name": club.name,
                "place_id": club.place_id,
                "status": status,
                "role": access.role_of(club.president_id, who.member_id, found and found.role)
                if status == MEMBER
                else None,
                "joined_at": iso(found.joined_at) if found is not None else None,
                "requested_at": iso(found.requested_at) if found is not None else None,
                "manages": membership.may_manage(club, who),
            }
        )
    return sorted(rows, key=lambda r: r["club_name"].casefold())


def export_member(who: Caller) -> dict[str, Any]:
    """What clubs holds about the caller (GDPR art. 15/20): their memberships and requests,
    the announcements they wrote, and their answers to workshops and events (``rsvps``)."""
    require_signed_in(who, "export your data")
    rows = (
        [
            {
                "club_id": m.club_id,
                "status": m.status,
                "role": m.role,
                "name": m.name,
                "joined_at": iso(m.joined_at),
                "requested_at": iso(m.requested_at),
            }
            for m in Membership.objects(member_id=who.member_id)
        ]
        if who.member_id
        else []
    )
    presided = (
        [str(c.id) for c in Club.objects(president_id=who.member_id)] if who.member_id else []
    )
    out: dict[str, Any] = {"service": "clubs", "rsvps": exported_rsvps(who.member_id)}
    if rows:
        out["memberships"] = rows
    if presided:
        out["presides"] = presided
    return out
