"""Who may do what in a club. MINIMAL version written by clubs-meetings so that meetings
can be built before the merge: clubs-core owns this module and its interface
(``club_or_404``, ``may_manage``, ``is_member``); its version replaces this one."""

from __future__ import annotations

from contracts.identity import Caller
from services.common.identity import is_territory_staff
from services.common.lookup import get_or_404

from .models import Club


def club_or_404(club_id: str) -> Club:
    return get_or_404(Club, club_id, "club")


def may_manage(club: Club, who: Caller) -> bool:
    """The president, a co-organiser, the host place's managers while the place is acting
    president, a coordinator or an admin."""
    if who.anonymous:
        return False
    if is_territory_staff(who):
        return True
    if club.president_id is None:
        if club.place_id and club.place_id in who.manages:
            return True
    elif who.member_id == club.president_id:
        return True
    return who.member_id in (club.co_organiser_ids or [])


def is_member(club: Club, member_id: str | None) -> bool:
    if member_id is None:
        return False
    return member_id == club.president_id or member_id in (club.member_ids or [])
