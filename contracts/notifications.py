"""The notifications service's contract: it publishes no event; it answers unsubscribes and
shows its delivery log."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

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


# -- email preferences (preferences per kind of message) ----------------------------------------
# By the signed link of every email, no sign-in:
#   ``email_preferences(email, token)``, ``set_email_preferences(email, token, kinds, key)``,
#   ``unsubscribe(email, token, kind=None)`` (a kind: stop that kind only; none: everything).
# By the signed-in member: ``my_email_preferences()``, ``set_my_email_preferences(kinds, key)``.
# Each answers ``EmailPreferencesOut``.
MESSAGE_KINDS = ("bookings", "clubs", "directory", "digests", "announcements")


class EmailPreferencesOut(BaseModel):
    """``kinds``: every kind of message, on or off (``digests`` is off until asked for);
    ``stopped_all``: the address asked for no email at all (choosing kinds lifts it).
    What the person asks for (a booking they make, a sign-in link) is sent whatever this
    says."""

    email: str
    kinds: dict[str, bool]
    stopped_all: bool = False


class EmailPreferencesIn(BaseModel):
    """``PUT /api/me/email-preferences``: the kinds to set, on (true) or off (false); the
    kinds not named keep their value."""

    model_config = ConfigDict(extra="forbid")
    kinds: dict[Literal["bookings", "clubs", "directory", "digests", "announcements"], StrictBool]


class UnknownMessageKind(ValidationFailed):
    """``kind``, ``kinds``: not a kind of message one can choose (one of ``kinds``)."""

    code = "unknown_message_kind"


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
