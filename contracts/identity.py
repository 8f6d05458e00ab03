"""Who is asking: the caller the gateway authenticated, passed to the services in the RPC
context (header ``nameko.caller``, JSON) beside the correlation id.

The gateway authenticates; each service enforces its own object-level rules from this
(owner of a booking, manager of a place…). Roles on places and clubs live with the service
that owns them; only the territory's roles are carried here.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

# The key in the RPC context (nameko sends it as the ``nameko.caller`` header).
CONTEXT_KEY = "caller"


class TerritoryRole(StrEnum):
    admin = "admin"
    coordinator = "coordinator"


class Caller(BaseModel):
    """A signed-in member, the operator (``MAILLAGE_ADMIN_TOKEN``: a territory admin with no
    member behind it), or anonymous (``member_id`` None and no role)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    member_id: str | None = None
    email: str | None = None
    roles: tuple[TerritoryRole, ...] = ()
    language: str = "fr"
    operator: bool = False

    @property
    def anonymous(self) -> bool:
        return self.member_id is None and not self.operator

    def has_role(self, role: TerritoryRole) -> bool:
        return role in self.roles

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
