"""Who is asking: the caller the gateway authenticated, passed to the services in the RPC
context (header ``nameko.caller``, JSON) beside the correlation id.

The gateway authenticates; each service enforces its own object-level rules from this
(owner of a booking, manager of a place…).

Roles, and who holds them:

- territory roles (``admin``, ``coordinator``) and place managers (``manager`` of a place,
  the facilitator) are granted by territory staff through ``PUT /api/admin/roles``; the
  gateway keeps them on the member's account and carries them here (``roles``,
  ``manages``), so that every service applies the same grant the moment it is made;
- club roles (president, co-organiser) are the club's own life — a president names
  co-organisers without asking the territory — so the clubs service keeps them with the
  club's members and checks them itself (``ClubRole``); they are not carried here.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

# The key in the RPC context (nameko sends it as the ``nameko.caller`` header).
CONTEXT_KEY = "caller"


class TerritoryRole(StrEnum):
    admin = "admin"
    coordinator = "coordinator"


class PlaceRole(StrEnum):
    manager = "manager"


class ClubRole(StrEnum):
    president = "president"
    co_organiser = "co_organiser"


TERRITORY_SCOPE = "territory"
PLACE_SCOPE_PREFIX = "place:"


class Caller(BaseModel):
    """A signed-in member, the operator (``MAILLAGE_ADMIN_TOKEN``: a territory admin with no
    member behind it), or anonymous (``member_id`` None and no role)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    member_id: str | None = None
    email: str | None = None
    name: str | None = None
    roles: tuple[TerritoryRole, ...] = ()
    manages: tuple[str, ...] = ()  # ids of the places whose manager they are
    language: str = "fr"
    operator: bool = False
    # The member's audience type and commune for the funders' figures, present only when
    # they consented to be counted (``consent_statistics``): booking records them with the
    # bookings they make for themselves. Carried here, set by the gateway from the account,
    # so that no request body can claim someone else's.
    audience: str | None = None
    commune: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.member_id is None and not self.operator

    def has_role(self, role: TerritoryRole) -> bool:
        return role in self.roles

    @property
    def admin(self) -> bool:
        """The operator or a territory admin: every right in the territory."""
        return self.operator or self.has_role(TerritoryRole.admin)

    def manages_place(self, place_id: str | None) -> bool:
        """A manager of this place, or a territory admin (who may act for any place)."""
        return self.admin or (place_id is not None and place_id in self.manages)

    def to_context(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_context(cls, context: dict | None) -> Caller:
        """The caller of an RPC (a service's worker context data); anonymous when absent or
        unreadable, never an error: a service then refuses what anonymous may not do."""
        raw = (context or {}).get(CONTEXT_KEY)
        if not raw:
            return ANONYMOUS
        try:
            return cls.model_validate_json(raw)
        except ValueError:
            return ANONYMOUS


ANONYMOUS = Caller()
