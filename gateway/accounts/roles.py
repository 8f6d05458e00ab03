"""Who may grant which role, as plain rules (``PUT/DELETE /api/admin/roles``).

A grant is ``{email, role, scope}``:

- ``admin`` or ``coordinator`` of the territory: scope ``territory``; only a territory admin
  (or the operator's token) grants or removes them;
- ``manager`` of a place (the facilitator): scope ``place:<id>``; a territory admin or a
  coordinator names and removes them.

Club roles (president, co-organiser) are not granted here: a club's president names them in
the club, and the clubs service keeps them (``contracts.identity``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from contracts.identity import PLACE_SCOPE_PREFIX, TERRITORY_SCOPE, Caller, TerritoryRole

from .models import Email, Strict

RoleName = Literal["admin", "coordinator", "manager"]
SCOPE_PATTERN = r"^(territory|place:[A-Za-z0-9_-]{1,64}|club:[A-Za-z0-9_-]{1,64})$"


class RoleGrant(Strict):
    email: Email
    role: RoleName
    scope: str = Field(pattern=SCOPE_PATTERN, examples=["territory", "place:65f0c0ffee"])

    @model_validator(mode="after")
    def scope_fits_role(self) -> RoleGrant:
        if self.scope.startswith("club:"):
            raise ValueError("club roles are named in the club by its president")
        if self.role == "manager" and not self.scope.startswith(PLACE_SCOPE_PREFIX):
            raise ValueError("a manager's scope is place:<id>")
        if self.role != "manager" and self.scope != TERRITORY_SCOPE:
            raise ValueError(f"the scope of {self.role} is territory")
        return self

    @property
    def place_id(self) -> str | None:
        return self.scope.removeprefix(PLACE_SCOPE_PREFIX) if self.role == "manager" else None

    @property
    def stored(self) -> tuple[str, str]:
        """Where the grant lives on the member: (field, value)."""
        if self.place_id is not None:
            return "manages", self.place_id
        return "roles", self.role


def may_grant(who: Caller, grant: RoleGrant) -> bool:
    """A territory admin grants everything; a coordinator names place managers."""
    if who.admin:
        return True
    return grant.role == "manager" and who.has_role(TerritoryRole.coordinator)


def grants_of(member: dict) -> list[dict[str, str]]:
    """Every role the member holds, as grants (``role``, ``scope``)."""
    held = [{"role": role, "scope": TERRITORY_SCOPE} for role in member.get("roles") or []]
    held += [
        {"role": "manager", "scope": f"{PLACE_SCOPE_PREFIX}{place}"}
        for place in member.get("manages") or []
    ]
    return held
