"""Who manages a club, from what the club says and who is asking (no database)."""

from __future__ import annotations

from contracts.identity import Caller, TerritoryRole


def is_staff(who: Caller) -> bool:
    """The operator, a territory admin or a coordinator."""
    return who.admin or who.has_role(TerritoryRole.coordinator)


def manages_without_membership(president_id: str | None, place_id: str | None, who: Caller) -> bool:
    """The president, the host place's managers while the place acts as president (no
    president), territory staff. Co-organisers are read from their membership."""
    if is_staff(who):
        return True
    if who.member_id is not None and president_id == who.member_id:
        return True
    return president_id is None and place_id is not None and place_id in who.manages


def decides_status(place_id: str | None, who: Caller) -> bool:
    """Autonomy is decided by a coordinator, an admin, or a manager of the host place."""
    return is_staff(who) or (place_id is not None and place_id in who.manages)


def may_create(place_id: str, who: Caller) -> bool:
    """A club is founded with a place: its managers, or territory staff."""
    return decides_status(place_id, who)


def sees_members(members_visible: bool, is_member: bool, manages: bool) -> bool:
    """The members list: its managers always; members when the club allows it."""
    return manages or (members_visible and is_member)


def role_of(president_id: str | None, member_id: str, stored_role: str | None) -> str:
    """A member's role: the club's president is its ``president_id``; the others keep theirs."""
    if president_id is not None and president_id == member_id:
        return "president"
    return stored_role if stored_role == "co_organiser" else "member"


def changed_fields(before: dict, patch: dict) -> list[str]:
    """The fields of ``patch`` whose value differs from ``before`` (None means unchanged)."""
    return sorted(k for k, v in patch.items() if v is not None and before.get(k) != v)
