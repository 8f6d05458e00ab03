"""Booking documents. Invariants live in indexes and conditional updates, not in Python."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    Document,
    EmailField,
    FloatField,
    IntField,
    ListField,
    StringField,
)

from contracts.booking import ResourceSettings
from services.common.clock import utc_now
from services.common.db import collection_meta
from services.common.outbox import OutboxDocument

from .rules import residents, states

ALIAS = "booking"


class Resource(OutboxDocument):
    meta = collection_meta(
        ALIAS,
        "resources",
        "place_id",
        {"fields": ["idempotency_key"], "unique": True, "sparse": True},
    )
    place_id = StringField(required=True)
    name = StringField(required=True, max_length=120)
    kind = StringField(required=True)
    seats = IntField(required=True, min_value=1)
    # Desk pools: seats kept for members on a subscription (``subscriptions``); drop-in
    # bookings get ``seats - resident_seats`` (``rules.residents``). 0 in earlier versions.
    resident_seats = IntField(default=0, min_value=0)
    # The booking rules (``contracts.booking.ResourceSettings`` as JSON, only the fields set):
    # absent from earlier versions' resources, which read as the defaults.
    settings = DictField()
    idempotency_key = StringField()
    fingerprint = StringField()
    created_at = DateTimeField(default=utc_now)
    # The permanence whose agent's time this is (booked only as its appointments).
    permanence_id = StringField()

    def rules(self) -> ResourceSettings:
        return ResourceSettings.model_validate(self.settings or {})

    def drop_in_seats(self) -> int:
        return residents.drop_in_seats(self.seats, self.resident_seats)

    def to_dict(self) -> dict:
        return {
            "id": str(self.id),
            "place_id": self.place_id,
            "name": self.name,
            "kind": self.kind,
            "seats": self.seats,
            "resident_seats": self.resident_seats or 0,
            **self.rules().model_dump(mode="json"),
        }


class Booking(OutboxDocument):
    meta = collection_meta(
        ALIAS,
        "bookings",
        {"fields": ["idempotency_key"], "unique": True},
        ("resource_id", "start"),
        "status",
        {"fields": ["member_id"], "sparse": True},
        {"fields": ["email_key"], "sparse": True},
        {"fields": ["series_id"], "sparse": True},
        "month_keys",
        {"fields": ["permanence_id"], "sparse": True},
        {"fields": ["reminder_due"], "sparse": True},
        {"fields": ["club_for"], "sparse": True},
    )
    resource_id = StringField(required=True)
    # The resource's place, for its managers' rights (absent from earlier versions' bookings:
    # queries.place_of then reads the resource).
    place_id = StringField()
    start = DateTimeField(required=True)
    end = DateTimeField(required=True)
    # The offset the person wrote, so that emails show their local time.
    utc_offset_minutes = IntField(default=0)
    seats = IntField(required=True, min_value=1)
    name = StringField(required=True)
    # The contract (pydantic EmailStr) accepts internationalised addresses (véronique@…):
    # so must the document, or saving such a booking fails as an internal error.
    # None when a manager booked for someone reached by phone only.
    email = EmailField(allow_utf8_user=True)
    phone = StringField()
    language = StringField(default="fr")
    # Whose booking it is (access.py): the member signed in when it was made, if any, and
    # the email lower-cased (a member whose confirmed address it is owns it too). Bookings of
    # earlier versions have no ``email_key``: ``my_bookings`` does not list them.
    member_id = StringField()
    email_key = StringField()
    # The Idempotency-Key of the cancellation that won, and who cancelled (owner | staff).
    cancel_key = StringField()
    cancelled_by = StringField()
    # The desk (desk.py): why the place rejected or cancelled it (told to the person), and
    # who last approved, rejected or recorded its outcome (member id, or "operator").
    reason = StringField()
    decided_by = StringField()
    # An appointment of a permanence (permanences.py): its motif and mode; a room held for a
    # permanence's opening has ``permanence_id`` only.
    permanence_id = StringField()
    motif = StringField()
    mode = StringField()
    # A meeting room lent to a club's meeting or a workshop (club_rooms.py): whose hold it
    # is, ``<for_type>:<for_id>`` (no person, no email).
    club_for = StringField()
    # See rules/states.py; changed only by commands.move, a conditional update on
    # {_id, status: <from>}. May still read "pending" (earlier versions' "held").
    status = StringField(required=True, default=states.HELD, choices=sorted(states.STORED))
    # When the status last changed (set by every move; unset until the first): the sweep
    # measures a held booking's age from it, or from its creation.
    status_changed_at = DateTimeField()
    idempotency_key = StringField(required=True)
    fingerprint = StringField(required=True)
    created_at = DateTimeField(default=utc_now)
    # The series (``Series``) this booking is an occurrence of, if any.
    series_id = StringField()
    # For the funders' figures (services/booking/figures.py): who came (audience type,
    # commune: the member's profile if they consented, or what a manager booking for them
    # was told), how it was booked (``online`` | ``on_behalf``), and the keys the month's
    # figures are read by (``rules.figures.month_keys``: one indexed equality per month).
    # Kept when the member is erased; ``visitor`` is then an anonymous token shared by their
    # bookings, so that unique visitors still count them once.
    audience = StringField()
    commune = StringField()
    channel = StringField()
    month_keys = ListField(StringField())
    visitor = StringField()
    # The reminder (services/booking/reminders.py): its moment and the hour bucket the sweep
    # reads it by (``rules.reminders.bucket``), unset when none is due; when it was claimed
    # (set once, by a conditional update on its absence and on ``status: confirmed``).
    reminder_at = DateTimeField()
    reminder_due = StringField()
    reminder_sent_at = DateTimeField()
    # The calendar revision last sent for it (cancellation 1, restoration 2, ...); unset: 0.
    sequence = IntField()
    # The waitlist (waitlist.py): asked for when booking; the place in line (the creation
    # until an offer lapsed, then the lapse: the end of the line); until when seats offered
    # are held; how many messages the entry was sent (at most WAITLIST_MAX_MESSAGES).
    waitlist = BooleanField()
    queued_at = DateTimeField()
    offer_expires_at = DateTimeField()
    messages = IntField(default=0)

    def held_since(self) -> datetime:
        """When this booking entered its current status: its creation until a first move
        (and for documents of earlier versions)."""
        return self.status_changed_at or self.created_at

    def to_dict(self) -> dict:
        tz = timezone(timedelta(minutes=self.utc_offset_minutes or 0))
        return {
            "id": str(self.id),
            "resource_id": self.resource_id,
            "start": self.start.astimezone(tz).isoformat(),
            "end": self.end.astimezone(tz).isoformat(),
            "seats": self.seats,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "language": self.language,
            "status": states.canonical(self.status),
            "series_id": self.series_id,
            # Seats offered from the waitlist are held until then.
            **(
                {"offer_expires_at": self.offer_expires_at.replace(tzinfo=UTC).isoformat()}
                if self.status == states.OFFERED and self.offer_expires_at
                else {}
            ),
            # An appointment of a permanence says which, for what and how.
            **(
                {"permanence_id": self.permanence_id, "motif": self.motif, "mode": self.mode}
                if self.motif
                else {}
            ),
        }


class Series(OutboxDocument):
    """A recurring booking (services/booking/series.py): the rule as asked, its owner, and
    its occurrences, each a ``Booking`` with this ``series_id`` and the key ``<key>:<n>``."""

    meta = collection_meta(ALIAS, "series", {"fields": ["idempotency_key"], "unique": True})
    resource_id = StringField(required=True)
    place_id = StringField(required=True)
    # The booking request (``BookingIn`` as JSON, with the booker's name, email, phone).
    request = DictField(required=True)
    # Whose series it is (as a booking's: ``access.owner_or_staff``).
    member_id = StringField()
    email = StringField()
    # ``taking`` while its occurrences are booked, ``active`` once done, ``refused`` when
    # ``on_conflict: refuse`` found a date that could not be booked (nothing kept).
    status = StringField(required=True, default="taking")
    # The dates tried, in order: ``{n, start, end, booking_id?, code?}``.
    occurrences = ListField(DictField())
    # The calendar revision of the series' invitation: each cancellation raises it.
    sequence = IntField(default=0)
    # The keys of the cancellations already told (``booking_series_cancelled`` once each).
    cancel_keys = ListField(StringField())
    idempotency_key = StringField(required=True)
    fingerprint = StringField(required=True)
    created_at = DateTimeField(default=utc_now)


class LinkSecret(Document):
    """The booking service's secret signing the waitlist emails' links (``links.py``)."""

    meta = collection_meta(ALIAS, "link_secrets")
    id = StringField(primary_key=True)
    value = StringField(required=True)


class WaitlistTurn(Document):
    """Whose turn it is to promote a resource's waitlist (``waitlist.released``): ``_id`` is
    the resource id; ``until``: the lease of the release promoting; ``again``: another
    release came meanwhile, so the one promoting goes round once more."""

    meta = collection_meta(ALIAS, "waitlist_turns")
    id = StringField(primary_key=True)
    until = DateTimeField()
    again = BooleanField(default=False)


class SlotLoad(Document):
    """Earlier versions' capacity: seats taken on one resource for one quarter hour, with the
    bookings holding them (``_id`` is ``<resource_id>:<slot>``). Read only by
    ``capacity_migration``, which moves them into ``CapacityDay`` at service start.
    """

    meta = collection_meta(ALIAS, "slot_loads", "resource_id")
    id = StringField(primary_key=True)
    resource_id = StringField(required=True)
    slot = DateTimeField(required=True)
    taken = IntField(default=0)
    holds = ListField(DictField())


class CapacityDay(Document):
    """Seats taken on one resource over one UTC day, per quarter hour, with the bookings
    holding them: ``_id`` is ``<resource_id>:<YYYY-MM-DD>``; see ``capacity``."""

    meta = collection_meta(ALIAS, "capacity_days", "resource_id")
    id = StringField(primary_key=True)
    resource_id = StringField(required=True)
    day = StringField(required=True)  # YYYY-MM-DD, UTC
    q = DictField()  # quarter index ("0".."95") -> seats taken; missing is 0
    holds = ListField(DictField())


class RoomRequest(OutboxDocument):
    """A club's meeting or a workshop asking for its place's meeting room (club_rooms.py):
    ``_id`` is ``<for_type>:<for_id>``; ``sequence`` the latest request taken (older ones
    arriving late are ignored), ``state`` booking's answer to it (``reserved``, ``refused``,
    ``released``), ``cancelled`` for good once the item is."""

    meta = collection_meta(ALIAS, "room_requests")
    id = StringField(primary_key=True)
    for_type = StringField(required=True)
    for_id = StringField(required=True)
    club_id = StringField()
    place_id = StringField()
    title = StringField()
    start = DateTimeField()
    end = DateTimeField()
    sequence = IntField(default=0)
    state = StringField(default="asked")
    cancelled = BooleanField(default=False)
    booking_id = StringField()
    reason = StringField()


class ClubMonth(Document):
    """The free hours a club used of one meeting room in one local month: ``_id`` is
    ``<resource_id>:<club_id>:<YYYY-MM>``, ``minutes`` taken by ``holds`` (one per room
    booking: ``{booking_id, minutes}``); see club_rooms.py."""

    meta = collection_meta(ALIAS, "club_months", "resource_id")
    id = StringField(primary_key=True)
    resource_id = StringField(required=True)
    minutes = IntField(default=0)
    holds = ListField(DictField())


class ResidentMonth(Document):
    """Resident seats taken on one desk pool for one calendar month: ``_id`` is
    ``<resource_id>:sub:<YYYY-MM>``; see ``subscriptions``."""

    meta = collection_meta(ALIAS, "resident_months", "resource_id")
    id = StringField(primary_key=True)
    resource_id = StringField(required=True)
    month = StringField(required=True)  # YYYY-MM
    count = IntField(default=0)
    holds = ListField(StringField())  # subscription ids


class Subscription(OutboxDocument):
    """A member's resident seat on a desk pool for whole calendar months."""

    meta = collection_meta(
        ALIAS,
        "subscriptions",
        {"fields": ["idempotency_key"], "unique": True},
        "resource_id",
        "status",
        {"fields": ["member_id"], "sparse": True},
        {"fields": ["email_key"], "sparse": True},
    )
    resource_id = StringField(required=True)
    place_id = StringField(required=True)
    name = StringField(required=True)
    email = EmailField(allow_utf8_user=True)
    phone = StringField()
    email_key = StringField()
    member_id = StringField()
    start = StringField(required=True)  # YYYY-MM
    months = IntField(required=True, min_value=1)
    language = StringField(default="fr")
    cancel_key = StringField()
    # held → active, or rejected (no resident seat left); active → cancelled.
    status = StringField(required=True, default="held")
    # The months given back on cancellation (those not begun then).
    released_from = StringField()
    idempotency_key = StringField(required=True)
    fingerprint = StringField(required=True)
    created_at = DateTimeField(default=utc_now)

    def to_dict(self) -> dict:
        return {
            "id": str(self.id),
            "resource_id": self.resource_id,
            "place_id": self.place_id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "start": self.start,
            "months": self.months,
            "status": self.status,
            "released_from": self.released_from,
        }


class KnownPlace(Document):
    """Projection of the directory's places (from ``place_*`` events), for names in emails
    and the territory's availability search (its point, for distances)."""

    meta = collection_meta(ALIAS, "known_places")
    place_id = StringField(primary_key=True)
    name = StringField()
    commune = StringField()
    # From ``place_created``'s location; absent for places heard of before this version:
    # they are searched without a distance.
    lat = FloatField()
    lon = FloatField()
    # Since issue 9: its hours, status and the directory's ``version`` of the place (a late
    # ``place_updated`` never undoes a newer one).
    opening_hours = StringField()
    status = StringField()
    version = IntField()
    status_version = IntField()  # ``place_status_changed`` comes through its own queue
    updated_at = DateTimeField(default=utc_now)


class Permanence(OutboxDocument):
    """An agent's time at a place on a rule (``contracts.booking.PermanenceIn``), booked
    through its own ``appointment_slot`` resource (``resource_id``)."""

    meta = collection_meta(
        ALIAS,
        "permanences",
        "place_id",
        "status",
        {"fields": ["idempotency_key"], "unique": True, "sparse": True},
    )
    place_id = StringField(required=True)
    resource_id = StringField(required=True)
    # ``PermanenceIn`` as JSON, less the place.
    spec = DictField(required=True)
    # opening (its room being held) → open, or refused (the room was taken); open → closed.
    status = StringField(required=True, default="opening")
    # Why the creation was refused (a retry with its key is refused the same way).
    refusal = DictField()
    room_held_until = DateTimeField()
    idempotency_key = StringField()
    fingerprint = StringField()
    created_at = DateTimeField(default=utc_now)


DOCUMENTS = (
    Resource,
    Booking,
    Series,
    SlotLoad,
    KnownPlace,
    CapacityDay,
    ResidentMonth,
    Subscription,
    Permanence,
    LinkSecret,
    WaitlistTurn,
    RoomRequest,
    ClubMonth,
)
