"""The notifications service's contract: it publishes no event; it answers unsubscribes and
shows its delivery log."""

from __future__ import annotations

from .errors import ValidationFailed
from .events import EventData

SERVICE = "notifications"
METRICS_PORT = 9104


# -- RPC: unsubscribe(email, token), deliveries(limit), export_member() --------------------
# ``export_member()``: what notifications holds about the caller (GDPR art. 15/20):
# ``{"service": "notifications", "contact": {member_id, email, name, language} | null,
# "deliveries": [the log's entries to their address, without the messages],
# "unsubscribed": bool}``; anonymous: ``AuthenticationRequired``.
class InvalidUnsubscribeLink(ValidationFailed):
    code = "invalid_unsubscribe_link"


EVENTS: dict[str, type[EventData]] = {}
