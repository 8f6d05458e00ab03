"""What a member is told of their own standing in a club, in their language:

- ``club_join_answered``: the answer to their request to join, welcome or not accepted. They
  asked and are waiting: what they asked for (``transactional``);
- ``club_member_left`` with ``removed_by``: the club's managers removed them (``clubs``); one
  who leaves on their own is answered on the page;
- ``club_president_changed``: the presidency handed to them (``clubs``).

Each email's one-click link stops the clubs' emails. A member whose address notifications does
not know (``Contact``) gets nothing."""

from __future__ import annotations

from typing import Any

from services.common.settings import Settings

from . import compose
from .clubs import club_url
from .models import Contact
from .preferences import TRANSACTIONAL

TOPIC = "clubs"
# event type -> (the email's kind, the field naming who is told, the kind of message, where
# its link leads under the club's page)
EMAILS = {
    "club_join_answered": ("club_join_answered", "member_id", TRANSACTIONAL, ""),
    "club_member_left": ("club_member_removed", "member_id", TOPIC, ""),
    "club_president_changed": ("club_presidency_received", "president_id", TOPIC, "/gestion"),
}


def notify(settings: Settings, event: dict[str, Any], record, secret: bytes) -> int:
    """Record the member's email (once per event); 0 when there is nobody to tell."""
    kind, who, topic, page = EMAILS[event["type"]]
    data = event["data"]
    if event["type"] == "club_member_left" and not data.get("removed_by"):
        return 0  # they left on their own
    if not data.get(who):
        return 0  # the presidency back to the host place: no one to write to
    contact = Contact.objects(member_id=data[who]).first()
    if contact is None:
        return 0
    url = club_url(settings.public_url, data["club_id"]) + page
    context = {"club_name": "", **data, "club_url": url}
    message = compose.to_member(kind, contact, settings, secret, TOPIC, context)
    return int(record(event["event_id"], kind, message, key_to=contact.member_id, topic=topic))
