"""A series of bookings (services/booking/series.py) on an in-memory database: the preview
writes nothing, ``refuse`` keeps nothing when a date fails (also when it fails while being
taken), ``skip`` keeps the others, a retry with the key completes or answers the same
series, cancelling from a date tells the person once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.booking import ReasonRequired, SeriesRefused
from contracts.errors import Forbidden
from services.booking import commands, series
from services.booking.models import Booking, CapacityDay, Series
from services.booking.tests.loads import held_by_booking
from services.common.tests.callers import MANAGER, THIERRY, VERONIQUE
from tests.support import RecordingStager

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
# Tuesdays and Thursdays 9:00–12:00 in Paris, four times, across the spring DST change.
STARTS = [
    "2026-03-24T09:00:00+01:00",
    "2026-03-26T09:00:00+01:00",
    "2026-03-31T09:00:00+02:00",
    "2026-04-02T09:00:00+02:00",
]


def body(resource: dict, on_conflict: str = "refuse") -> dict:
    return {
        "resource_id": resource["id"],
        "start": "2026-03-24T09:00:00+01:00",
        "end": "2026-03-24T12:00:00+01:00",
        "recurrence": {"freq": "weekly", "weekdays": ["TU", "TH"], "count": 4},
        "on_conflict": on_conflict,
    }


def thierry_takes(resource: dict, start: str) -> dict:
    end = start.replace("T09:", "T12:")
    wanted = {"resource_id": resource["id"], "start": start, "end": end}
    return commands.create_booking(
        wanted, f"thierry-{start}", RecordingStager("booking"), NOW, THIERRY
    )


def events_of(document, kind: str) -> list[dict]:
    return [e["data"] for d in document.objects for e in d.outbox if e["type"] == kind]


def seats_held(resource: dict) -> dict[str, int]:
    """Seat-quarters taken per holder over the resource's day documents."""
    return held_by_booking(resource["id"])


def make(resource: dict, key: str = "series-key", on_conflict: str = "refuse", who=VERONIQUE):
    return series.create_series(
        body(resource, on_conflict), key, RecordingStager("booking"), NOW, who
    )


def test_the_preview_gives_every_date_and_why_writing_nothing(resource):
    thierry_takes(resource, STARTS[1])
    before = (Booking.objects.count(), CapacityDay.objects.count())
    shown = series.preview(body(resource), VERONIQUE, NOW)
    assert [(o["start"], o["ok"], o["code"]) for o in shown["occurrences"]] == [
        (STARTS[0], True, None),
        (STARTS[1], False, "no_seat_left"),
        (STARTS[2], True, None),
        (STARTS[3], True, None),
    ]
    assert (Booking.objects.count(), CapacityDay.objects.count()) == before
    assert Series.objects.count() == 0


def test_refuse_books_nothing_when_a_date_is_taken(resource):
    theirs = thierry_takes(resource, STARTS[1])
    with pytest.raises(SeriesRefused) as refused:
        make(resource)
    assert refused.value.params["failed"] == [{"start": STARTS[1], "code": "no_seat_left"}]
    assert seats_held(resource) == {theirs["id"]: 12}  # only Thierry's 3 hours
    assert Booking.objects(series_id__exists=True).count() == 0
    # The same key again: the same refusal, still nothing booked.
    with pytest.raises(SeriesRefused):
        make(resource)
    assert Series.objects.get().status == "refused"


def test_refuse_gives_back_what_it_took_when_a_date_goes_while_booking(resource, monkeypatch):
    """The date is free when checked and taken before its turn (another booker raced us)."""
    monkeypatch.setattr(series, "_refusal", lambda *args: None)
    theirs = thierry_takes(resource, STARTS[2])
    with pytest.raises(SeriesRefused) as refused:
        make(resource)
    assert refused.value.params["failed"] == [{"start": STARTS[2], "code": "no_seat_left"}]
    assert seats_held(resource) == {theirs["id"]: 12}
    mine = Booking.objects(series_id__exists=True)
    assert sorted(b.status for b in mine) == ["cancelled", "cancelled", "cancelled", "rejected"]
    # Each date given back says so, without an email of its own.
    given_back = events_of(Booking, "booking_cancelled")
    assert len(given_back) == 3 and all(e["series_cancel"] for e in given_back)
    assert events_of(Series, "booking_series_confirmed") == []


def test_skip_books_the_other_dates_and_lists_the_skipped(resource):
    thierry_takes(resource, STARTS[1])
    made = make(resource, on_conflict="skip")
    assert [b["start"] for b in made["bookings"]] == [STARTS[0], STARTS[2], STARTS[3]]
    assert made["skipped"] == [{"start": STARTS[1], "code": "no_seat_left"}]
    assert {b["series_id"] for b in made["bookings"]} == {made["series_id"]}
    # 9:00 Paris is 8:00 UTC in winter, 7:00 UTC in summer.
    assert [
        b.start.hour for b in Booking.objects(series_id=made["series_id"]).order_by("start")
    ] == [8, 7, 7]
    [told] = events_of(Series, "booking_series_confirmed")
    assert [d["start"] for d in told["dates"]] == [STARTS[0], STARTS[2], STARTS[3]]
    assert told["skipped"] == [STARTS[1]]
    assert told["rrule"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU,TH;COUNT=4"
    assert told["first_start"] == STARTS[0]
    dates = events_of(Booking, "booking_confirmed")
    assert len(dates) == 4 and {d["series_id"] for d in dates} == {made["series_id"], None}


def test_a_retry_after_a_crash_completes_the_same_series(resource, monkeypatch):
    real = commands.create_booking
    calls = []

    def crash_on_the_third(payload, key, *args, **kwargs):
        calls.append(key)
        if len(calls) == 3:
            raise RuntimeError("the worker died")
        return real(payload, key, *args, **kwargs)

    monkeypatch.setattr(commands, "create_booking", crash_on_the_third)
    with pytest.raises(RuntimeError):
        make(resource)
    monkeypatch.setattr(commands, "create_booking", real)
    first_two = {b.idempotency_key: str(b.id) for b in Booking.objects(series_id__exists=True)}
    assert sorted(first_two) == ["series-key:0", "series-key:1"]

    made = make(resource)
    assert len(made["bookings"]) == 4 and made["skipped"] == []
    assert {b["id"] for b in made["bookings"]} >= set(first_two.values())
    assert len(seats_held(resource)) == 4
    again = make(resource)
    assert again == made
    assert len(events_of(Series, "booking_series_confirmed")) == 1
    # Another member with the key: not theirs.
    with pytest.raises(Exception) as other:
        make(resource, who=THIERRY)
    assert getattr(other.value, "code", None) == "idempotency_key_reused"


def test_cancel_the_rest_from_a_date_once(resource):
    made = make(resource)
    stager = RecordingStager("booking")
    with pytest.raises(Forbidden):
        series.cancel_series(made["series_id"], {}, "c1", stager, THIERRY, NOW)
    after = series.cancel_series(
        made["series_id"], {"from": "2026-03-30"}, "c1", stager, VERONIQUE, NOW
    )
    assert [b["status"] for b in after["bookings"]] == [
        "confirmed",
        "confirmed",
        "cancelled",
        "cancelled",
    ]
    assert len(seats_held(resource)) == 2
    again = series.cancel_series(
        made["series_id"], {"from": "2026-03-30"}, "c1", stager, VERONIQUE, NOW
    )
    assert again == after
    [told] = events_of(Series, "booking_series_cancelled")
    assert told["cancelled"] == STARTS[2:] and told["sequence"] == 1
    assert not told["all_cancelled"] and told["cancelled_by"] == "owner"
    # The place's manager cancels the rest: the whole series is now cancelled.
    # A manager cancelling someone else's dates says why (as for one booking).
    with pytest.raises(ReasonRequired):
        series.cancel_series(made["series_id"], {"to": "2026-03-26"}, "c2", stager, MANAGER, NOW)
    why = {"to": "2026-03-26", "reason": "Travaux dans la salle"}
    series.cancel_series(made["series_id"], why, "c2", stager, MANAGER, NOW)
    last = events_of(Series, "booking_series_cancelled")[-1]
    assert last["reason"] == "Travaux dans la salle"
    assert last["cancelled"] == STARTS[:2] and last["all_cancelled"]
    assert last["sequence"] == 2 and last["cancelled_by"] == "staff"
    assert seats_held(resource) == {}
    assert all(e["series_cancel"] for e in events_of(Booking, "booking_cancelled"))


def test_started_dates_stay(resource):
    made = make(resource)
    later = datetime(2026, 3, 27, 12, tzinfo=UTC)
    after = series.cancel_series(
        made["series_id"], {}, "c1", RecordingStager("booking"), VERONIQUE, later
    )
    assert [b["status"] for b in after["bookings"]] == [
        "confirmed",
        "confirmed",
        "cancelled",
        "cancelled",
    ]


def test_the_entrypoints_go_to_series(monkeypatch):
    from nameko.testing.services import worker_factory

    from services.booking.service import BookingService

    worker = worker_factory(BookingService)
    calls = []
    for name in ("create_series", "preview", "get_series", "cancel_series"):
        monkeypatch.setattr(series, name, lambda *a, _n=name, **k: calls.append((_n, a, k)))
    worker.create_booking({"recurrence": {"freq": "weekly"}}, "k")
    worker.preview_series({"resource_id": "r"})
    worker.get_series("s1")
    worker.cancel_series("s1", {"from": "2026-03-30"}, "k2")
    assert calls == [
        (
            "create_series",
            ({"recurrence": {"freq": "weekly"}}, "k", worker.events),
            {"who": worker.caller},
        ),
        ("preview", ({"resource_id": "r"},), {"who": worker.caller}),
        ("get_series", ("s1", worker.caller), {}),
        ("cancel_series", ("s1", {"from": "2026-03-30"}, "k2", worker.events, worker.caller), {}),
    ]


def test_an_erased_member_leaves_her_series(resource):
    from services.booking import member_data

    made = make(resource)
    erased = {
        "event_id": "e1",
        "data": {"member_id": VERONIQUE.member_id, "email": VERONIQUE.email},
    }
    member_data.erase_member(erased)
    stored = Series.objects.get(id=made["series_id"])
    assert stored.member_id is None and stored.email is None
    assert stored.request["booker"]["name"] == member_data.ERASED_NAME
    assert VERONIQUE.email not in str(stored.to_mongo().to_dict())
    assert len(stored.occurrences) == 4  # the dates stay, for the counts


def test_a_span_ending_before_it_starts_is_refused(resource):
    from contracts.errors import ValidationFailed

    made = make(resource)
    span = {"from": "2026-04-01", "to": "2026-03-01"}
    with pytest.raises(ValidationFailed):
        series.cancel_series(
            made["series_id"], span, "c", RecordingStager("booking"), VERONIQUE, NOW
        )
    assert {b["status"] for b in series.get_series(made["series_id"], VERONIQUE)["bookings"]} == {
        "confirmed"
    }
