"""Who may do what to a club: the interface the club's other modules (meetings, workshops)
rely on, over the club's own documents.

- ``club_or_404(club_id)``: the club, or ``NotFound`` (``what`` "club");
- ``may_manage(club, who)``: the president, a co-organiser, the host place's managers while
  the place acts as president, a coordinator, an admin;
- ``is_member(club, member_id)``: a member of the club (joined, not a pending request).
"""

from __future__ import annotations

from contracts.identity import Caller
from services.common.identity import require
from services.common.lookup import get_or_404

from .models import MEMBER, Club, Membership
from .rules import access


def club_or_404(club_id: str) -> Club:
    return get_or_404(Club, club_id, "club")


def membership(club: Club, member_id: str | None) -> Membership | None:
    if not member_id:
        return None
    return Membership.objects(club_id=str(club.id), member_id=member_id).first()


def is_member(club: Club, member_id: str | None) -> bool:
    found = membership(club, member_id)
    return found is not None and found.status == MEMBER


def is_co_organiser(club: Club, member_id: str | None) -> bool:
    found = membership(club, member_id)
    return found is not None and found.status == MEMBER and found.role == "co_organiser"


def may_manage(club: Club, who: Caller) -> bool:
    if access.manages_without_membership(club.president_id, club.place_id, who):
        return True
    return is_co_organiser(club, who.member_id)


def may_decide_status(club: Club, who: Caller) -> bool:
    return access.decides_status(club.place_id, who)


def require_manager(club: Club, who: Caller, action: str) -> None:
    require(may_manage(club, who), who, action, "club", str(club.id))
