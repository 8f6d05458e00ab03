"""Who a club's manager and members are (the shared interface of issue 10).

MINIMAL version written by clubs-events so that workshops can rely on it before the merge:
clubs-core owns this module and the ``Club`` model, and its version is the one kept.
"""

from __future__ import annotations

from contracts.errors import NotFound
from contracts.identity import Caller
from services.common.identity import is_territory_staff
from services.common.lookup import get_or_404

from .models import Club


def club_or_404(club_id: str) -> Club:
    """The club, or ``NotFound`` (what ``club``)."""
    try:
        return get_or_404(Club, club_id, "club")
    except NotFound:
        raise NotFound(f"no club {club_id}", what="club", id=club_id) from None


def may_manage(club: Club, who: Caller) -> bool:
    """The president, a co-organiser, the host place's managers while the place acts as
    president, a coordinator or an admin."""
    if who.anonymous:
        return False
    if is_territory_staff(who):
        return True
    member = who.member_id
    if member is not None and (member == club.president_id or member in club.co_organiser_ids):
        return True
    return club.president_id is None and who.manages_place(club.place_id)


def is_member(club: Club, member_id: str | None) -> bool:
    return member_id is not None and (
        member_id == club.president_id
        or member_id in club.co_organiser_ids
        or member_id in club.member_ids
    )
