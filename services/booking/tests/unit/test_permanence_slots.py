"""A permanence's slots from its rule (OSM opening_hours) cut by a motif's duration: weekly
and nth-weekday rules, the DST days, closures, minimum and maximum delays, and the seats an
individual or a group appointment takes of the agent's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contracts.booking import (
    AppointmentTooFar,
    AppointmentTooSoon,
    Closure,
    MotifIn,
    PermanenceIn,
    seat_unit,
)
from services.booking.rules import permanences as rule

PARIS = ZoneInfo("Europe/Paris")


def motif(minutes: int = 30, capacity: int = 1, **delays) -> MotifIn:
    return MotifIn(
        code="demarches",
        label="Démarches en ligne",
        duration_minutes=minutes,
        modes=["in_person", "phone"],
        capacity=capacity,
        **delays,
    )


def local(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def starts(rule_text, m, lo, hi, now, closures=()) -> list[datetime]:
    found = rule.motif_slots(rule_text, PARIS, list(closures), m, lo, hi, now)
    for a, b in found:  # each slot lasts the motif's duration, in real time
        assert b - a == timedelta(minutes=m.duration_minutes)
    return [a.astimezone(PARIS) for a, _ in found]


NOW = local(2026, 11, 26, 10)  # a Thursday


def test_every_tuesday_morning_cut_in_half_hours():
    found = starts("Tu 09:00-12:00", motif(30), local(2026, 11, 30), local(2026, 12, 7), NOW)
    assert found == [local(2026, 12, 1, 9) + timedelta(minutes=30 * i) for i in range(6)]


def test_a_remainder_too_short_for_a_motif_is_left_out():
    found = starts("Tu 09:00-12:00", motif(120), local(2026, 11, 30), local(2026, 12, 7), NOW)
    assert found == [local(2026, 12, 1, 9)]


def test_second_and_fourth_wednesday():
    found = starts("We[2,4] 14:00-17:00", motif(60), local(2026, 12, 1), local(2027, 1, 1), NOW)
    days = sorted({a.date().day for a in found})
    assert days == [9, 23]  # Wednesdays of December 2026: 2, 9, 16, 23, 30
    assert [a.hour for a in found if a.day == 9] == [14, 15, 16]


def test_the_spring_forward_night_has_only_its_real_hours():
    # 2026-03-29: 02:00 becomes 03:00; 01:00-04:00 lasts two hours that night.
    m = motif(30, max_delay_days=365)
    now = local(2026, 3, 1)
    night = starts("Su 01:00-04:00", m, local(2026, 3, 29), local(2026, 3, 30), now)
    assert [a.astimezone(UTC).strftime("%H:%M") for a in night] == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
    ]
    morning = starts("Su 09:00-12:00", m, local(2026, 3, 29), local(2026, 3, 30), now)
    assert [a.strftime("%H:%M%z") for a in morning[:1]] == ["09:00+0200"]
    assert len(morning) == 6


def test_the_fall_back_night_has_its_extra_hour():
    # 2026-10-25: 03:00 becomes 02:00 again; 01:00-04:00 lasts four hours that night.
    m = motif(30, max_delay_days=365)
    now = local(2026, 10, 1)
    night = starts("Su 01:00-04:00", m, local(2026, 10, 25), local(2026, 10, 26), now)
    assert len(night) == 8
    assert night[0].astimezone(UTC) == datetime(2026, 10, 24, 23, tzinfo=UTC)
    morning = starts("Su 09:00-12:00", m, local(2026, 10, 25), local(2026, 10, 26), now)
    assert morning[0].strftime("%H:%M%z") == "09:00+0100" and len(morning) == 6


def test_closures_remove_the_slots_they_overlap():
    holiday = Closure(start=local(2026, 12, 1, 10), end=local(2026, 12, 2), reason="congés")
    found = starts(
        "Tu 09:00-12:00", motif(30), local(2026, 11, 30), local(2026, 12, 9), NOW, [holiday]
    )
    assert [a.strftime("%d %H:%M") for a in found if a.day == 1] == ["01 09:00", "01 09:30"]
    assert sum(1 for a in found if a.day == 8) == 6


def test_minimum_and_maximum_delays():
    monday = local(2026, 11, 30, 10)
    # 48 hours ahead at least: Tuesday's slots (23 hours away) are not offered.
    soon = motif(30, min_delay_hours=48)
    assert starts("Tu 09:00-12:00", soon, local(2026, 11, 30), local(2026, 12, 7), monday) == []
    with pytest.raises(AppointmentTooSoon):
        rule.check_delays(soon, local(2026, 12, 1, 9), monday)
    # 7 days ahead at most: from 20 November, 1 December is too far.
    far = motif(30, max_delay_days=7)
    early = local(2026, 11, 20, 10)
    assert starts("Tu 09:00-12:00", far, local(2026, 11, 30), local(2026, 12, 7), early) == []
    with pytest.raises(AppointmentTooFar):
        rule.check_delays(far, local(2026, 12, 1, 9), early)
    rule.check_delays(motif(30), local(2026, 12, 1, 9), monday)  # within both


def test_an_individual_appointment_takes_all_the_agents_seats_a_group_place_one_share():
    individual, group = motif(30, 1), motif(120, 6)
    unit = seat_unit([1, 6])
    assert unit == 6
    assert (rule.seats_of(individual, unit), rule.seats_of(group, unit)) == (6, 1)
    assert rule.places_left(group, unit, taken=2) == 4
    assert rule.places_left(individual, unit, taken=1) == 0
    # Two group sizes: each place is a whole share of the least common multiple.
    assert seat_unit([1, 4, 6]) == 12
    assert rule.places_left(motif(60, 4), 12, taken=3) == 3


def test_the_rule_and_motifs_are_checked_on_the_way_in():
    base = {
        "agent_name": "Paul",
        "organisation": "France Services",
        "rule": "Tu 09:00-12:00",
        "motifs": [motif().model_dump(mode="json")],
    }
    PermanenceIn.model_validate(base)
    for bad in (
        {"rule": "every tuesday"},
        {"motifs": [motif().model_dump(mode="json")] * 2},  # one code twice
        {"motifs": [{**motif().model_dump(mode="json"), "duration_minutes": 20}]},
        {"motifs": [{**motif().model_dump(mode="json"), "modes": ["phone", "phone"]}]},
    ):
        with pytest.raises(ValueError):
            PermanenceIn.model_validate({**base, **bad})


def test_a_patch_may_leave_the_motifs_out_or_null():
    from contracts.booking import PermanencePatch

    assert PermanencePatch.model_validate({"motifs": None}).motifs is None
    assert PermanencePatch.model_validate({}).motifs is None
    with pytest.raises(ValueError):
        PermanencePatch.model_validate({"motifs": [motif().model_dump(mode="json")] * 2})
