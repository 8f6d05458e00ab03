"""Notifications documents: the delivery log, who asked for no more email, the link secret.

Every access path is by ``_id`` (SecantusDB scans a collection for ``findAndModify``, for
``$or`` and for an indexed equality mixed with a range on another field).
"""

from __future__ import annotations

from mongoengine import (
    BinaryField,
    BooleanField,
    DateTimeField,
    DictField,
    Document,
    IntField,
    ListField,
    StringField,
)

from services.common.clock import utc_now
from services.common.db import collection_meta

ALIAS = "notifications"


class Delivery(Document):
    """One email for one (event, kind, recipient): ``_id`` is ``<event_id>:<kind>:<to>``.

    The email outbox and the delivery log in one. The event handler records the composed
    message as ``pending`` (a duplicate event finds the entry and records nothing); the
    sender claims it (``sending``, ``claimed_until``), sends it, and marks it ``sent``, or
    ``pending`` again with a later ``next_attempt_at`` after a temporary failure, or
    ``refused`` after a permanent SMTP refusal (5xx), or ``failed`` when it could not be sent
    within ``MAILLAGE_EMAIL_GIVE_UP_HOURS``. ``suppressed``: the person unsubscribed.
    ``suspended``: the address is suspended (``Suspension``), nothing goes to it.

    The operator reads the log per address (``address``: the recipient, normalised; after
    six months its keyed digest, see ``retention.py``) and per event (``event_id``).
    """

    PENDING, SENDING, SENT = "pending", "sending", "sent"
    REFUSED, FAILED, SUPPRESSED = "refused", "failed", "suppressed"
    # Replaced before it left: by a later edit of the same thing (``coalesce_key``), or a
    # reminder of a booking cancelled since (``about``). See ``coalesce.py``, ``lifecycle.py``.
    SUPERSEDED = "superseded"
    SUSPENDED = "suspended"

    # The operator's latest ones; the sender's equality on status; the log by address, event.
    meta = collection_meta(
        ALIAS, "deliveries", "-created_at", "status", "about", "coalesce_key", "address", "event_id"
    )
    id = StringField(primary_key=True)
    event_id = StringField(required=True)
    kind = StringField(required=True)
    to = StringField(required=True)
    subject = StringField()
    status = StringField(required=True)
    attempts = IntField(default=0)
    created_at = DateTimeField(default=utc_now)
    next_attempt_at = DateTimeField()  # when a pending email is due
    claimed_until = DateTimeField()  # until when the worker that claimed it may send
    round = StringField()  # the sender's round that claimed it (``sender.claim_batch``)
    last_attempt_at = DateTimeField()
    sent_at = DateTimeField()
    message_id = StringField()
    last_error = StringField()
    # Why it was not sent (suppressed, superseded): a preference, a cancellation, an edit.
    reason = StringField()
    # The message as it goes on the wire, and its SMTP envelope (dropped once sent).
    raw = BinaryField()
    mail_from = StringField()
    rcpt = StringField()
    smtputf8 = BooleanField(default=False)
    # The kind of message for the person's preferences (``preferences.TOPICS``), or
    # ``transactional`` (what they just asked for: never stopped by a preference).
    topic = StringField(default="bookings")
    # What it is about (``booking:<id>``): a cancellation supersedes its pending reminder.
    about = StringField()
    # Edits of one thing to one person (``coalesce.py``): a pending one is replaced by the
    # later one; ``event_time_us`` orders them.
    coalesce_key = StringField()
    event_time_us = IntField()
    address = StringField()  # the recipient, normalised (its digest once anonymised)
    anonymised_at = DateTimeField()  # when retention replaced who it was for by a digest

    @staticmethod
    def key(event_id: str, kind: str, to: str) -> str:
        return f"{event_id}:{kind}:{to}"


class Suppression(Document):
    """An address (normalised, as ``_id``) that asked to receive no more email."""

    meta = collection_meta(ALIAS, "suppressions")
    email = StringField(primary_key=True)
    since = DateTimeField(default=utc_now)


class Suspension(Document):
    """An address (normalised, as ``_id``) the SMTP server refused permanently (a 5xx answer):
    nothing more goes to it, not even what the person asks for, until the operator lifts the
    suspension (the address may have been mistyped, or the mailbox closed). ``reason``: the
    server's answer; ``delivery_id``: the email it refused."""

    meta = collection_meta(ALIAS, "suspensions", "-since")
    email = StringField(primary_key=True)
    since = DateTimeField(default=utc_now)
    reason = StringField()
    delivery_id = StringField()


class SuspensionLift(Document):
    """The operator lifted an address's suspension (one per idempotency key)."""

    meta = collection_meta(
        ALIAS, "suspension_lifts", {"fields": ["idempotency_key"], "unique": True}
    )
    idempotency_key = StringField(required=True)
    fingerprint = StringField(required=True)
    email = StringField(required=True)
    lifted_at = DateTimeField(required=True)
    lifted_by = StringField()
    was_suspended = StringField()  # "suspended" when it was (not the reason: it names them)


class Secret(Document):
    """A secret this service makes once and keeps (the unsubscribe links' signing key)."""

    meta = collection_meta(ALIAS, "secrets")
    name = StringField(primary_key=True)
    value = StringField(required=True)


class Contact(Document):
    """What notifications knows of a member, kept from the gateway's ``member_registered`` and
    ``member_updated`` events (``_id``: the member's id). ``event_time_us`` is the
    ``occurred_at`` of the event last applied, in microseconds since the epoch (a BSON date
    keeps only milliseconds, and two events of one member can share one): an older event
    arriving late changes nothing."""

    meta = collection_meta(ALIAS, "contacts")
    member_id = StringField(primary_key=True)
    email = StringField(required=True)
    name = StringField(required=True)
    language = StringField(default="fr")
    timezone = StringField(default="Europe/Paris")
    event_time_us = IntField(required=True)


class ErasedMember(Document):
    """A member who asked to be erased, by a digest of their id (never the id itself): a
    ``member_updated`` redelivered after ``member_erased`` must not bring the contact back."""

    meta = collection_meta(ALIAS, "erased_members")
    digest = StringField(primary_key=True)
    erased_at = DateTimeField(default=utc_now)


class PlaceManagers(Document):
    """Who manages a place (``_id``: its id), kept from the gateway's
    ``place_managers_changed``: the member ids, joined with ``Contact`` for their address and
    language. ``version``: the event's; an older one arriving late changes nothing."""

    meta = collection_meta(ALIAS, "place_managers", "manager_ids")
    place_id = StringField(primary_key=True)
    manager_ids = ListField(StringField())
    version = IntField(required=True)


class EmailPreference(Document):
    """Which kinds of message an address wants (``_id``: the normalised address, with or
    without an account). ``choices``: the kinds the person set, ``{topic: bool}``; a kind not
    set takes ``preferences.DEFAULTS``. ``keys``: the last idempotency keys applied (a
    retried request is not applied again over a later one)."""

    meta = collection_meta(ALIAS, "email_preferences", "choices.digests")
    email = StringField(primary_key=True)
    choices = DictField()
    keys = ListField(StringField())
    updated_at = DateTimeField(default=utc_now)


class Correspondent(Document):
    """Someone written to without an account (``_id``: the normalised address): the name and
    language given with a booking or a contact request, so that later messages (a digest, a
    relayed reply) are in their language."""

    meta = collection_meta(ALIAS, "correspondents")
    email = StringField(primary_key=True)
    name = StringField()
    language = StringField(default="fr")
    timezone = StringField(default="Europe/Paris")
    seen_at = DateTimeField(default=utc_now)


class BookingState(Document):
    """What notifications last heard of a booking (``_id``: its id): ``cancelled`` or
    ``active``, with the ``event_time_us`` of that event (an older one changes nothing). A
    reminder recorded for a booking cancelled since is superseded, never sent."""

    meta = collection_meta(ALIAS, "booking_states")
    booking_id = StringField(primary_key=True)
    state = StringField(required=True)
    event_time_us = IntField(required=True)


class PlaceCard(Document):
    """A place as the footer of its emails names it (``_id``: its id), from ``place_*``
    events: name, address, contact. ``event_time_us`` orders the events."""

    meta = collection_meta(ALIAS, "place_cards")
    place_id = StringField(primary_key=True)
    name = StringField()
    address = StringField()
    postal_code = StringField()
    commune = StringField()
    email = StringField()
    phone = StringField()
    event_time_us = IntField(required=True)


class ComingEvent(Document):
    """A coming event of a place or a club for the weekly digest (``_id``:
    ``<type>:<id>``), from generic items: ``place_id``, ``club_id``, ``start``, ``end``,
    ``title``. A cancelled one is deleted."""

    meta = collection_meta(ALIAS, "coming_events", "start")
    item_id = StringField(primary_key=True)
    place_id = StringField()
    club_id = StringField()
    title = StringField(required=True)
    start = DateTimeField(required=True)
    end = DateTimeField()
    event_time_us = IntField(required=True)


class Conversation(Document):
    """A reply relay between two people (``_id``: the token in ``r-<token>@<relay domain>``):
    a reply to that address from one party goes to the other, and neither sees the other's
    address. ``about``: what it is about (``contact:<request id>``, ``booking:<id>``)."""

    meta = collection_meta(ALIAS, "conversations", "about")
    token = StringField(primary_key=True)
    about = StringField(required=True)
    first_email = StringField(required=True)
    first_name = StringField()
    second_email = StringField(required=True)
    second_name = StringField()
    created_at = DateTimeField(default=utc_now)


DOCUMENTS = (
    Delivery,
    Suppression,
    Suspension,
    SuspensionLift,
    Secret,
    Contact,
    ErasedMember,
    PlaceManagers,
    EmailPreference,
    Correspondent,
    BookingState,
    PlaceCard,
    ComingEvent,
    Conversation,
)
