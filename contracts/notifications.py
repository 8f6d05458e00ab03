"""The notifications service's contract: it publishes no event; it answers unsubscribes and
shows its delivery log."""

from __future__ import annotations

from pydantic import Field

from .errors import ValidationFailed
from .events import EventData
from .models import Strict

SERVICE = "notifications"
METRICS_PORT = 9104


# -- RPC: unsubscribe(email, token), deliveries(limit), export_member() --------------------
# ``export_member()``: what notifications holds about the caller (GDPR art. 15/20):
# ``{"service": "notifications", "contact": {member_id, email, name, language} | null,
# "deliveries": [the log's entries to their address, without the messages],
# "unsubscribed": bool}``; anonymous: ``AuthenticationRequired``.
class InvalidUnsubscribeLink(ValidationFailed):
    code = "invalid_unsubscribe_link"


# -- RPC (the operator: a territory admin or the operator's token; others 401/403) --------
# ``delivery_log(email=None, event_id=None, status=None, limit=50)``: the delivery log, per
# address (anonymised entries found by the address's digest too) and/or per event, newest
# first, without the messages: ``[{event_id, kind, to, address, subject, status, attempts,
# created_at, sent_at, last_error, anonymised_at, ...}]``.
# ``suspensions(limit=100)``: ``[{email, since, reason, delivery_id}]``, the latest first.
# ``lift_suspension({email, idempotency_key})``: ``{email, lifted, lifted_at}``.
DELIVERY_STATUSES = ("pending", "sending", "sent", "refused", "failed", "suppressed", "suspended")


class LiftSuspension(Strict):
    """Emails to ``email`` may go again (a permanent SMTP refusal had suspended it)."""

    email: str = Field(min_length=3, max_length=254, pattern=r"^[^\s@]+@[^\s@]+$")
    idempotency_key: str = Field(min_length=1, max_length=200)


EVENTS: dict[str, type[EventData]] = {}
