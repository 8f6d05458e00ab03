"""Recurring bookings: a series is booked one occurrence at a time through
``commands.create_booking`` (every rule of a booking holds for each date), its dates
expanded by ``rules.recurrence`` in the resource's time zone.

- ``preview``: every date with ``ok`` or the code of the rule that refuses it; no write.
- ``create_series``: ``on_conflict: refuse`` books every date or none (what was taken is
  given back), ``skip`` books the others and lists the skipped dates. Idempotent by key:
  occurrence ``n`` is booked with the key ``<key>:<n>``, so a retry after a crash completes
  the same series (or answers it, or its refusal).
- ``cancel_series``: the occurrences from a date, to a date, or all of those not started.

The occurrences' own events name the series; the series' events
(``booking_series_confirmed`` / ``_cancelled``) carry the one email per series.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bson import ObjectId

from contracts.booking import (
    BookingIn,
    NoSeatLeft,
    NotASeries,
    OnConflict,
    SeriesCancelIn,
    SeriesRefused,
)
from contracts.errors import IdempotencyMismatch, MaillageError
from contracts.identity import ANONYMOUS, Caller
from services.common.idempotency import insert_once
from services.common.identity import require
from services.common.lookup import get_or_404
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from . import access, capacity, commands, projections, queries, rules, waitlist
from .models import Booking, Resource, Series
from .rules import recurrence, states
from .rules import settings as resource_rules

TAKING, ACTIVE, REFUSED = "taking", "active", "refused"


def book(payload: dict, key: str, events: EventStager, who: Caller = ANONYMOUS) -> dict:
    """``POST /api/bookings``: a series when ``recurrence`` is given, else one booking."""
    if isinstance(payload, dict) and payload.get("recurrence") is not None:
        return create_series(payload, key, events, who=who)
    return commands.create_booking(payload, key, events, who=who)


def _prepare(payload: dict, who: Caller) -> tuple[BookingIn, Resource, access.Booker, list]:
    data = parse(BookingIn, payload)
    if data.recurrence is None:
        raise NotASeries("recurrence is required for a series", field="recurrence")
    resource = queries.find_resource(data.resource_id)
    person = access.booker(data, who, resource.place_id)
    dates = recurrence.occurrences(data.start, data.end, data.recurrence, resource.rules().timezone)
    return data, resource, person, dates


def _refusal(data: BookingIn, resource: Resource, start, end, now: datetime) -> str | None:
    """The code of the first rule that refuses this date, None when it can be booked now."""
    try:
        rules.check_period(start, end, now)
        rules.check_seats(data.seats, resource.seats)
        resource_rules.check_booking(resource.rules(), start, end, now)
    except MaillageError as error:
        return error.code
    if capacity.seats_taken(str(resource.id), rules.slots(start, end)) + data.seats > (
        resource.seats
    ):
        return NoSeatLeft.code
    return None


def preview(payload: dict, who: Caller = ANONYMOUS, now: datetime | None = None) -> dict:
    """Every date of the series asked, ``ok`` or why not; the same booker rules as booking,
    nothing written."""
    data, resource, _, dates = _prepare(payload, who)
    now = now or datetime.now(UTC)
    checked = []
    for start, end in dates:
        code = _refusal(data, resource, start, end, now)
        checked.append(
            {"start": start.isoformat(), "end": end.isoformat(), "ok": code is None, "code": code}
        )
    return {
        "resource_id": str(resource.id),
        "timezone": resource.rules().timezone,
        "occurrences": checked,
    }


def create_series(
    payload: dict,
    key: str,
    events: EventStager,
    now: datetime | None = None,
    who: Caller = ANONYMOUS,
) -> dict:
    """Book every date of the series (see the module); the answer is ``get_series``'s."""
    data, resource, person, dates = _prepare(payload, who)
    now = now or datetime.now(UTC)
    request = data.model_dump(mode="json")
    request.update(booker=person.__dict__, caller=who.member_id or "operator")
    digest = fingerprint(request)

    def build() -> Series:
        return Series(
            resource_id=str(resource.id),
            place_id=resource.place_id,
            request=request,
            member_id=person.member_id,
            email=person.email,
            idempotency_key=key,
            fingerprint=digest,
        )

    series = insert_once(Series, key, digest, build, "series")
    if series.status == REFUSED:  # a retry of a refused series: the same refusal
        raise _refused(series.occurrences)
    if series.status == ACTIVE:
        return _answer(series, who)

    # First try, or a retry after a crash: the occurrences an earlier try booked count.
    mine = {b.idempotency_key: b for b in Booking.objects(series_id=str(series.id))}
    tried = []
    for n, (start, end) in enumerate(dates):
        earlier = mine.get(f"{key}:{n}")
        if earlier is not None and states.canonical(earlier.status) in states.HOLDS_SEATS:
            code = None
        else:
            code = _refusal(data, resource, start, end, now)
        tried.append({"n": n, "start": start.isoformat(), "end": end.isoformat(), "code": code})
    refuse = data.on_conflict == OnConflict.refuse
    if not (refuse and any(t["code"] for t in tried)):
        # Each date through the booking command: a date taken meanwhile fails there.
        occurrence = {k: v for k, v in payload.items() if k not in ("recurrence", "on_conflict")}
        for t in tried:
            if t["code"]:
                continue
            try:
                made = commands.create_booking(
                    {**occurrence, "start": t["start"], "end": t["end"]},
                    f"{key}:{t['n']}",
                    events,
                    now=now,
                    who=who,
                    series_id=str(series.id),
                )
                t["booking_id"] = made["id"]
            except MaillageError as error:
                t["code"] = error.code
    booked = [t for t in tried if t.get("booking_id")]
    if (refuse and any(t["code"] for t in tried)) or not booked:
        _give_back(series, events, now)
        Series.objects(id=series.id, status=TAKING).update_one(
            set__status=REFUSED, set__occurrences=tried
        )
        raise _refused(tried)

    event = events.event("booking_series_confirmed", _event_data(series, resource, tried))
    done = Series.objects(id=series.id, status=TAKING).update_one(
        set__status=ACTIVE, set__occurrences=tried, **Series.staging(event)
    )
    if done:
        events.flush()
    return _answer(Series.objects(id=series.id).first(), who)


def _refused(tried: list[dict]) -> SeriesRefused:
    failed = [{"start": t["start"], "code": t["code"]} for t in tried if t.get("code")]
    return SeriesRefused(
        "some dates of this series cannot be booked; nothing was booked", failed=failed
    )


def _give_back(series: Series, events: EventStager, now: datetime) -> None:
    """Withdraw what this series took (``refuse``): each occurrence cancelled with its event
    (``series_cancel``: no email, the person was never told of it), its seats released."""
    resource = queries.find_resource(series.resource_id)
    for booking in Booking.objects(series_id=str(series.id)):
        source = states.canonical(booking.status)
        if states.allowed(source, states.CANCELLED):
            event = events.event(
                "booking_cancelled",
                {
                    **commands._event_data(booking, resource),
                    "cancelled_by": "owner",
                    "sequence": 1,
                    "series_cancel": True,
                },
            )
            commands.move(
                booking.id, booking.status, states.CANCELLED, now=now, **Booking.staging(event)
            )
        if source != states.REJECTED:
            slots = rules.slots(booking.start, booking.end)
            capacity.release_all(booking.resource_id, slots, str(booking.id))
            waitlist.released_booking(booking, events, now)
    events.flush()


def _event_data(series: Series, resource: Resource, tried: list[dict]) -> dict:
    request = series.request
    rule = parse_rule(request)
    timezone = resource.rules().timezone
    booked = [t for t in tried if t.get("booking_id")]
    first = datetime.fromisoformat(tried[0]["start"])
    return {
        "series_id": str(series.id),
        "resource_id": str(resource.id),
        "resource_name": resource.name,
        "place_id": resource.place_id,
        "place_name": projections.place_name(resource.place_id),
        "timezone": timezone,
        "dates": [
            {"booking_id": t["booking_id"], "start": t["start"], "end": t["end"]} for t in booked
        ],
        "skipped": [t["start"] for t in tried if not t.get("booking_id")],
        "rule": request["recurrence"],
        "rrule": recurrence.rrule_text(rule, first, timezone),
        "first_start": tried[0]["start"],
        "first_end": tried[0]["end"],
        "seats": request["seats"],
        "name": request["booker"]["name"],
        "email": request["booker"]["email"],
        "language": request["language"],
    }


def parse_rule(request: dict):
    return BookingIn.model_validate(
        {k: request[k] for k in BookingIn.model_fields if k in request}
    ).recurrence


def _answer(series: Series, who: Caller) -> dict:
    place_id = series.place_id
    bookings = Booking.objects(series_id=str(series.id)).order_by("start")
    return {
        "series_id": str(series.id),
        "resource_id": series.resource_id,
        "recurrence": series.request.get("recurrence") or {},
        "status": series.status,
        "bookings": [access.shown_to(b, who, place_id) for b in bookings],
        "skipped": [
            {"start": t["start"], "code": t["code"]}
            for t in series.occurrences
            if not t.get("booking_id")
        ],
    }


def get_series(series_id: str, who: Caller = ANONYMOUS) -> dict:
    """A series with its occurrences: its owner, a manager of its place or territory staff."""
    series = get_or_404(Series, series_id, "series")
    allowed = access.owner_or_staff(series, who, series.place_id)
    require(allowed, who, "see this series", "series", series_id)
    return _answer(series, who)


def cancel_series(
    series_id: str,
    payload: dict,
    key: str,
    events: EventStager,
    who: Caller,
    now: datetime | None = None,
) -> dict:
    """Cancel the occurrences of a series starting from ``from`` to ``to`` (local dates,
    included; absent: no bound), as ``commands.cancel_booking`` does each (the same rights and
    deadline; started occurrences untouched), then tell the person once
    (``booking_series_cancelled``). Idempotent: a retry with the key cancels nothing more
    and tells nothing twice."""
    series = get_or_404(Series, series_id, "series")
    allowed = access.owner_or_staff(series, who, series.place_id)
    require(allowed, who, "cancel this series", "series", series_id)
    span = parse(SeriesCancelIn, payload or {})
    # The key is bound to its span: the same key for other dates is refused, not stretched.
    told = f"{key}|{fingerprint(span.model_dump(mode='json'))}"
    if any(k.rsplit("|", 1)[0] == key and k != told for k in series.cancel_keys or []):
        raise IdempotencyMismatch(
            "this Idempotency-Key was used for a different cancellation", what="series"
        )
    now = now or datetime.now(UTC)
    resource = queries.find_resource(series.resource_id)
    tz = ZoneInfo(resource.rules().timezone)
    cancelled = []
    for booking in Booking.objects(series_id=series_id).order_by("start"):
        start = booking.start.replace(tzinfo=UTC) if booking.start.tzinfo is None else booking.start
        if start <= now or not _within(start.astimezone(tz).date(), span.from_, span.to):
            continue
        status = states.canonical(booking.status)
        occurrence_key = f"{key}:{booking.id}"
        again = status == states.CANCELLED and booking.cancel_key == occurrence_key
        if not (again or states.allowed(status, states.CANCELLED)):
            continue
        shown = commands.cancel_booking(
            str(booking.id),
            occurrence_key,
            events,
            who,
            now=now,
            series_cancel=True,
            payload={"reason": span.reason} if span.reason else None,
        )
        cancelled.append(shown["start"])
    if cancelled:
        _tell_cancelled(series, resource, cancelled, told, events, who, span.reason)
    return _answer(Series.objects(id=series.id).first(), who)


def _within(day: date, first: date | None, last: date | None) -> bool:
    return (first is None or day >= first) and (last is None or day <= last)


def _tell_cancelled(
    series: Series,
    resource: Resource,
    cancelled: list[str],
    key: str,
    events: EventStager,
    who: Caller,
    reason: str | None = None,
) -> None:
    """Stage ``booking_series_cancelled`` once per key, with a higher ``sequence`` than any
    before (a conditional update on the sequence read)."""
    for _ in range(5):
        current = Series.objects(id=series.id).first()
        if key in (current.cancel_keys or []):
            return
        left = Booking.objects(
            series_id=str(series.id), status__in=[states.CONFIRMED, states.AWAITING_APPROVAL]
        ).count()
        data = {
            **_event_data(current, resource, current.occurrences),
            "cancelled": cancelled,
            "all_cancelled": left == 0,
            "cancelled_by": "owner" if access.is_owner(current, who) else "staff",
            "sequence": current.sequence + 1,
            "reason": reason,
        }
        event = events.event("booking_series_cancelled", data)
        done = Series.objects(id=ObjectId(str(series.id)), sequence=current.sequence).update_one(
            inc__sequence=1, push__cancel_keys=key, **Series.staging(event)
        )
        if done:
            events.flush()
            return


def forget_person(series_ids: set[str], erased_name: str, scrubbed) -> int:
    """A member erased (``member_data.erase_member``): their series keep their dates and
    rule, not the person (name, address, phone, member id), nor in the events not relayed yet
    (``scrubbed``). Idempotent; ``_id $in`` only."""
    ids = [ObjectId(i) for i in series_ids if ObjectId.is_valid(i)]
    changed = 0
    for found in Series.objects(id__in=ids):
        booker = {"name": erased_name, "email": None, "phone": None, "member_id": None}
        changed += Series.objects(id=found.id).update_one(
            set__request={**found.request, "booker": booker, "name": None, "email": None},
            set__fingerprint="erased",
            set__outbox=scrubbed(found.outbox or []),
            unset__email=True,
            unset__member_id=True,
        )
    return changed
