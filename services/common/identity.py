"""Who is asking, inside a service: the ``Caller`` the gateway put in the RPC context
(``contracts.identity``, header ``nameko.caller``). Anonymous when absent or malformed, never
an error: each service then refuses what anonymous may not do.

- ``caller(worker_ctx)``: for code that holds the worker context;
- ``CallerProvider``: a dependency, ``caller = CallerProvider()`` on a service, so that an
  entrypoint reads ``self.caller``.
"""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider

from contracts.errors import AuthenticationRequired, Forbidden
from contracts.identity import Caller, TerritoryRole


def caller(worker_ctx: Any) -> Caller:
    """The caller of this worker's entrypoint (anonymous when none or unreadable)."""
    return Caller.from_context(getattr(worker_ctx, "context_data", None))


def is_territory_staff(who: Caller) -> bool:
    """The operator, a territory admin or a coordinator: they see and act on every booking."""
    return (
        who.operator or who.has_role(TerritoryRole.admin) or who.has_role(TerritoryRole.coordinator)
    )


def require_signed_in(who: Caller, action: str) -> None:
    """Refuse anonymous callers (401 ``authentication_required``)."""
    if who.anonymous:
        raise AuthenticationRequired(f"sign in to {action}", action=action)


def require(allowed: bool, who: Caller, action: str, what: str, id: str | None = None) -> None:
    """Refuse ``action`` on ``what``/``id``: 401 for anonymous, 403 ``forbidden`` for a member
    without the right; nothing when ``allowed``."""
    if allowed:
        return
    require_signed_in(who, action)
    raise Forbidden(f"you may not {action}", what=what, id=id, action=action)


class CallerProvider(DependencyProvider):
    def get_dependency(self, worker_ctx: Any) -> Caller:
        return caller(worker_ctx)
