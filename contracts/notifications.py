"""The notifications service's contract: it publishes no event; it answers unsubscribes and
shows its delivery log."""

from __future__ import annotations

from .errors import ValidationFailed
from .events import EventData

SERVICE = "notifications"
METRICS_PORT = 9104


# -- RPC: unsubscribe(email, token), deliveries(limit) -------------------------------------
class InvalidUnsubscribeLink(ValidationFailed):
    code = "invalid_unsubscribe_link"


EVENTS: dict[str, type[EventData]] = {}
