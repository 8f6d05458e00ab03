"""The notifications service's contract: it publishes no event; it answers unsubscribes and
shows its delivery log."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, StrictBool

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


EVENTS: dict[str, type[EventData]] = {}
