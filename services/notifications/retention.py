"""Retention of the delivery log: anonymised after six months, deleted after two years.

Run by a timer of the service (``NotificationsService.apply_retention``, hourly), on the
time of ``services.common.clock`` (tests move it).

Anonymised: who the email was for (``to``, ``address``, the SMTP ``rcpt``, and the ``_id``,
which names the recipient) is replaced by a keyed digest of the address (the HMAC of the
unsubscribe links: nobody without this territory's secret can tell whose it was, and the
operator asking for an address still finds its entries); what the email said (subject, the
message, the server's answer, which may quote the address) is dropped. The kind, status,
attempts and dates stay, for the operator's figures. Deleted: the whole entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from services.common import clock

from .models import Delivery, SuspensionLift
from .rules import normalise, token_for

ANONYMISE_AFTER = timedelta(days=183)  # six months
DELETE_AFTER = timedelta(days=730)  # two years
# What an anonymised entry keeps.
KEPT = ("event_id", "kind", "status", "attempts", "created_at", "last_attempt_at", "sent_at")


def address_digest(address: str) -> str:
    from .commands import link_secret  # the territory's secret, made once

    return f"anon:{token_for(link_secret(), normalise(address))}"


def apply(now: datetime | None = None) -> dict[str, int]:
    """One pass: delete the entries older than two years, anonymise those older than six
    months not anonymised yet (and the same for the operator's lifts of suspensions).
    Idempotent; the numbers of log entries changed."""
    now = now or clock.utc_now()
    deleted = Delivery.objects(created_at__lt=now - DELETE_AFTER).delete()
    # An indexed range on created_at, then Python (no range mixed with another field).
    old = Delivery.objects(created_at__lt=now - ANONYMISE_AFTER).only("id", "anonymised_at")
    anonymised = sum(anonymise(d.id, now) for d in old if d.anonymised_at is None)
    # The operator's lifts of suspensions name the address too.
    for lift in SuspensionLift.objects(lifted_at__lt=now - ANONYMISE_AFTER):
        if not lift.email.startswith(("anon:", "erased")):
            SuspensionLift.objects(id=lift.id).update_one(set__email=address_digest(lift.email))
    SuspensionLift.objects(lifted_at__lt=now - DELETE_AFTER).delete()
    return {"deleted": deleted, "anonymised": anonymised}


def anonymise(delivery_id: str, now: datetime) -> int:
    """Replace one entry by its anonymised copy (under a new ``_id``); 1 if done."""
    collection = Delivery._get_collection()
    entry: dict[str, Any] | None = collection.find_one({"_id": delivery_id})
    if entry is None or entry.get("anonymised_at") is not None:
        return 0
    address = entry.get("address") or normalise(parseaddr(entry.get("to") or "")[1])
    who = address_digest(address) if "@" in address else "erased"
    kept = {name: entry[name] for name in KEPT if name in entry}
    kept.update(
        _id=Delivery.key(entry["event_id"], entry["kind"], who),
        to=who,
        address=who,
        anonymised_at=now,
    )
    collection.replace_one({"_id": kept["_id"]}, kept, upsert=True)
    if kept["_id"] != delivery_id:
        collection.delete_one({"_id": delivery_id})
    return 1
