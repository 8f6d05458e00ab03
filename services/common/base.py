"""Entrypoints every service has: health and the operator's dead-letter tools (a territory
admin or the operator only: dead letters hold whole events, addresses included; the gateway
checks it too, the service does not rely on that)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .identity import require
from .metrics import Metrics
from .rpc import rpc


class ServiceBase:
    """Subclasses set ``name``, ``db`` (MongoDatabase) and, when they consume events, ``inbox``."""

    name: str
    metrics = Metrics()

    @rpc
    def health(self) -> dict[str, Any]:
        self.db.command("ping")
        return {"service": self.name, "status": "ok"}

    def _operator_only(self, action: str) -> None:
        who = self.caller  # every service declares its ``CallerProvider``
        require(who.admin, who, action, "dead_letters")

    @rpc
    def dead_letters(self) -> list[dict[str, Any]]:
        self._operator_only("read the dead letters")
        inbox = getattr(self, "inbox", None)
        return inbox.dead_letters() if inbox is not None else []

    @rpc
    def replay_dead_letter(self, dead_letter_id: str) -> bool:
        self._operator_only("replay a dead letter")
        inbox = getattr(self, "inbox", None)
        return inbox.replay(dead_letter_id) if inbox is not None else False

    @rpc
    def replay_dead_letters(
        self, event_type: str | None = None, since: str | None = None, until: str | None = None
    ) -> int:
        """Replay every dead letter of ``event_type`` parked in [``since``, ``until``) (ISO 8601;
        each optional); the number replayed."""
        self._operator_only("replay dead letters")
        inbox = getattr(self, "inbox", None)
        if inbox is None:
            return 0
        bounds = [datetime.fromisoformat(v) if v else None for v in (since, until)]
        return inbox.replay_many(event_type, *bounds)
