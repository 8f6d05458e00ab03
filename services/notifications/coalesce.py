"""A burst of edits to one thing sends one message: coalescing on the email outbox.

An edit's email is recorded like any other (its own ``Delivery``, keyed by its event: a
redelivered event records nothing), with a ``coalesce_key`` (what was edited, e.g.
``meeting:<id>``), the event's time (``event_time_us``) and a not-before time
(``next_attempt_at`` = now + the window): the sender leaves it until then. Then, with
conditional updates only (no read-then-write decides anything):

1. every *older* edit of the same key to the same person still ``pending`` is superseded
   (it had not left; the newer one says everything it said, and more);
2. if a *newer* one is pending already (an older event handled late), this one is
   superseded itself.

Two edits handled at once by two instances: each writes its delivery before looking at the
other's, so at least one of them sees the other and supersedes the older. One already being
sent (``sending``) or sent is never touched: the newer one then goes too, as it should.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from .models import Delivery

DEFAULT_WINDOW = timedelta(minutes=5)


def record(
    record_fn,
    event: dict[str, Any],
    kind: str,
    message: EmailMessage,
    coalesce_key: str,
    *,
    time_us: int,
    topic: str,
    window: timedelta = DEFAULT_WINDOW,
    now: datetime | None = None,
) -> bool:
    """Record ``message`` as the latest edit of ``coalesce_key`` to its recipient, due after
    ``window``; True when it is recorded now and still the one that will go."""
    now = now or datetime.now(UTC)
    recorded = record_fn(
        event["event_id"],
        kind,
        message,
        topic=topic,
        coalesce_key=coalesce_key,
        event_time_us=time_us,
        not_before=now + window,
    )
    if not recorded:
        return False
    to = str(message["To"])
    settle(coalesce_key, to, time_us)
    mine = Delivery.objects(id=Delivery.key(event["event_id"], kind, to)).only("status").first()
    return mine is not None and mine.status == Delivery.PENDING


def settle(coalesce_key: str, to: str, time_us: int) -> int:
    """Supersede what a newer edit replaces: the older pending ones, and this one if a newer
    one is pending. Reads by the indexed ``coalesce_key`` (few rows), each change by ``_id``
    and only while still ``pending``. The number superseded."""
    rows = Delivery.objects(coalesce_key=coalesce_key).only("id", "to", "status", "event_time_us")
    mine = [r for r in rows if r.to == to and r.status == Delivery.PENDING]
    if not mine:
        return 0
    # The newest edit stays (ties broken by id, so that every instance keeps the same one).
    latest = max(mine, key=lambda r: (r.event_time_us or 0, r.id))
    superseded = 0
    for row in mine:
        if row.id != latest.id:
            superseded += Delivery.objects(id=row.id, status=Delivery.PENDING).update_one(
                set__status=Delivery.SUPERSEDED, set__reason="replaced by a later edit"
            )
    return superseded
