"""The territory's availability search and a place's availability (services/booking/search.py,
rules/search.py): distances, order, radius, pagination, grouping per resource, the first free
units, "can one book here?" — on an in-memory database, seats held through ``capacity``."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contracts.booking import IncompletePoint, RadiusWithoutPoint, SearchQuery
from contracts.errors import ValidationFailed
from services.booking import capacity, commands, projections, search
from services.booking.rules import search as rules
from services.booking.rules.periods import slots
from services.common.tests.callers import ADMIN
from tests.support import RecordingStager

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)  # Monday 07:00 in Paris
HOURS = "Mo-Fr 09:00-12:00"
# Nyons and places around it (lat, lon).
NYONS = (44.3608, 5.1406)
VAISON = (44.2408, 5.0744)  # ~14.5 km
BUIS = (44.2756, 5.2714)  # ~14 km
DIE = (44.7536, 5.3703)  # ~47.6 km


# --- pure rules ---------------------------------------------------------------------------
def test_haversine_distance_is_the_great_circle_in_km():
    assert rules.distance_km(NYONS, NYONS) == 0
    # Paris–Lyon (city halls), a known figure: 391.5 km as the crow flies.
    assert round(rules.distance_km((48.8566, 2.3522), (45.7640, 4.8357))) == 391
    assert rules.distance_km(NYONS, DIE) == pytest.approx(rules.distance_km(DIE, NYONS))
    assert 47 < rules.distance_km(NYONS, DIE) < 48.5


def candidate(pid: str, name: str, point) -> rules.Candidate:
    return rules.Candidate(pid, name, name, point)


PLACES = [
    candidate("die", "Die", DIE),
    candidate("vaison", "Vaison", VAISON),
    candidate("old", "Ancien lieu", None),  # heard of before booking kept points
    candidate("buis", "Buis", BUIS),
]


def test_with_a_point_nearest_first_one_decimal_unlocated_last():
    ordered = rules.candidates_in_order(PLACES, NYONS, None)
    assert [p.place_id for p in ordered] == ["buis", "vaison", "die", "old"]
    distances = [p.distance_km for p in ordered]
    assert distances[:3] == sorted(distances[:3]) and distances[3] is None
    assert all(d == round(d, 1) for d in distances[:3])


def test_radius_leaves_out_far_and_unlocated_places():
    ordered = rules.candidates_in_order(PLACES, NYONS, 20)
    assert [p.place_id for p in ordered] == ["buis", "vaison"]


def test_without_a_point_by_name():
    ordered = rules.candidates_in_order(PLACES, None, None)
    assert [p.name for p in ordered] == ["Ancien lieu", "Buis", "Die", "Vaison"]
    assert {p.distance_km for p in ordered} == {None}


def test_local_days_cut_at_paris_midnights_across_dst():
    lo = datetime(2026, 10, 24, 10, tzinfo=PARIS)
    hi = datetime(2026, 10, 26, 12, tzinfo=PARIS)
    days = rules.local_days(lo, hi, PARIS)
    assert [
        (a.astimezone(PARIS).isoformat(), b.astimezone(PARIS).isoformat()) for a, b in days
    ] == [
        ("2026-10-24T10:00:00+02:00", "2026-10-25T00:00:00+02:00"),
        ("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),  # 25 hours
        ("2026-10-26T00:00:00+01:00", "2026-10-26T12:00:00+01:00"),
    ]


# --- through the database -----------------------------------------------------------------
def place(pid: str, name: str, point) -> None:
    data = {"place_id": pid, "name": name, "commune": name}
    if point:
        data["location"] = {"lat": point[0], "lon": point[1]}
    projections.remember_place(data)


def resource(pid: str, name: str, kind: str = "desk_pool", seats: int = 1, **rules_) -> dict:
    payload = {"name": name, "kind": kind, "seats": seats, "unit": "hour", **rules_}
    return commands.create_resource(
        pid, payload, f"k-{pid}-{name}", RecordingStager("booking"), who=ADMIN
    )


def fill(resource_id: str, start: datetime, end: datetime, seats: int, capacity_: int) -> None:
    assert capacity.hold_all(resource_id, slots(start, end), f"b-{start}", seats, capacity_)


def ask(**fields) -> dict:
    return search.search_availability(SearchQuery(**fields), now=NOW)


@pytest.fixture
def territory(db):
    place("buis", "Buis", BUIS)
    place("vaison", "Vaison", VAISON)
    place("die", "Die", DIE)
    place("old", "Ancien lieu", None)
    made = {
        "buis": resource("buis", "Plateau", seats=2, opening_hours=HOURS),
        "vaison": resource("vaison", "Bureau", opening_hours=HOURS),
        "die": resource("die", "Bureau", opening_hours=HOURS),
        "old": resource("old", "Bureau", opening_hours=HOURS),
        "room": resource("vaison", "Salle", kind="meeting_room", opening_hours=HOURS),
    }
    return made


def test_projection_keeps_the_point_and_a_place_without_one_has_none(db):
    place("die", "Die", DIE)
    place("old", "Ancien lieu", None)
    from services.booking.models import KnownPlace

    assert (
        KnownPlace.objects.get(place_id="die").lat,
        KnownPlace.objects.get(place_id="die").lon,
    ) == DIE
    assert KnownPlace.objects.get(place_id="old").lat is None


def test_search_by_distance_with_first_free_units(territory):
    found = ask(kind="desk_pool", start="2026-06-02", end="2026-06-02", lat=NYONS[0], lon=NYONS[1])
    assert [p["place_id"] for p in found["places"]] == ["buis", "vaison", "die", "old"]
    buis = found["places"][0]
    assert buis["located"] and buis["distance_km"] == round(rules.distance_km(NYONS, BUIS), 1)
    assert found["places"][3]["located"] is False and found["places"][3]["distance_km"] is None
    # Tuesday 9:00, 10:00, 11:00 in Paris: the first three free hours of its one desk pool.
    assert [(f["start"], f["seats_left"]) for f in buis["free"]] == [
        ("2026-06-02T09:00:00+02:00", 2),
        ("2026-06-02T10:00:00+02:00", 2),
        ("2026-06-02T11:00:00+02:00", 2),
    ]
    assert {f["resource_id"] for f in buis["free"]} == {territory["buis"]["id"]}
    assert found["next_offset"] is None


def test_a_full_resource_is_not_free_and_its_place_not_found(territory):
    day = datetime(2026, 6, 2, 9, tzinfo=PARIS)
    fill(territory["vaison"]["id"], day, day + timedelta(hours=3), 1, 1)
    found = ask(kind="desk_pool", start="2026-06-02", end="2026-06-02")
    assert [p["place_id"] for p in found["places"]] == ["old", "buis", "die"]  # by name
    # Two seats asked: only Buis' pool has them, and one taken leaves it out at 9:00.
    fill(territory["buis"]["id"], day, day + timedelta(hours=1), 1, 2)
    two = ask(kind="desk_pool", start="2026-06-02", end="2026-06-02", seats=2)
    assert [p["place_id"] for p in two["places"]] == ["buis"]
    assert [f["start"][11:16] for f in two["places"][0]["free"]] == ["10:00", "11:00"]


def test_a_closed_place_is_not_found_and_a_later_day_is(territory):
    closure = {
        "start": datetime(2026, 6, 2, tzinfo=PARIS).isoformat(),
        "end": datetime(2026, 6, 3, tzinfo=PARIS).isoformat(),
    }
    commands.update_resource(
        territory["die"]["id"],
        {"closures": [closure]},
        "k-close",
        RecordingStager("booking"),
        who=ADMIN,
    )
    one_day = ask(kind="desk_pool", start="2026-06-02", end="2026-06-02")
    assert "die" not in [p["place_id"] for p in one_day["places"]]
    two_days = ask(kind="desk_pool", start="2026-06-02", end="2026-06-03")
    [die] = [p for p in two_days["places"] if p["place_id"] == "die"]
    assert die["free"][0]["start"] == "2026-06-03T09:00:00+02:00"


def test_radius_and_kind(territory):
    near = ask(kind="desk_pool", lat=NYONS[0], lon=NYONS[1], radius_km=20)
    assert [p["place_id"] for p in near["places"]] == ["buis", "vaison"]
    rooms = ask(kind="meeting_room")
    assert [p["place_id"] for p in rooms["places"]] == ["vaison"]
    assert {f["resource_id"] for f in rooms["places"][0]["free"]} == {territory["room"]["id"]}


def test_pages_follow_each_other_without_gap_or_repeat(territory):
    everything = [p["place_id"] for p in ask(kind="desk_pool")["places"]]
    first = ask(kind="desk_pool", limit=3)
    assert first["next_offset"] == 3
    second = ask(kind="desk_pool", limit=3, offset=3)
    assert second["next_offset"] is None
    assert [p["place_id"] for p in first["places"] + second["places"]] == everything
    assert len(everything) == 4


def test_a_radius_needs_a_point_and_a_point_both_coordinates(db):
    with pytest.raises(RadiusWithoutPoint) as refused:
        ask(radius_km=20)
    assert refused.value.params == {"field": "radius_km"}
    with pytest.raises(IncompletePoint) as refused:
        ask(lat=44.0)
    assert refused.value.params == {"field": "lon"}


def test_place_availability_groups_per_resource_and_filters_kind_and_seats(territory):
    day = datetime(2026, 6, 2, 9, tzinfo=PARIS)
    fill(territory["vaison"]["id"], day, day + timedelta(hours=1), 1, 1)
    answer = search.place_availability("vaison", "2026-06-02", "2026-06-02", now=NOW)
    assert [r["name"] for r in answer["resources"]] == ["Bureau", "Salle"]
    desk, room = answer["resources"]
    assert [f["start"][11:16] for f in desk["free"]] == ["10:00", "11:00"]
    assert [f["start"][11:16] for f in room["free"]] == ["09:00", "10:00", "11:00"]
    rooms = search.place_availability("vaison", "2026-06-02", "2026-06-02", "meeting_room", now=NOW)
    assert [r["resource_id"] for r in rooms["resources"]] == [territory["room"]["id"]]
    two = search.place_availability("vaison", "2026-06-02", "2026-06-02", seats=2, now=NOW)
    assert [r["free"] for r in two["resources"]] == [[], []]


def test_bookable_stops_at_the_first_free_unit(territory):
    answer = search.bookable("buis", 14, now=NOW)
    assert answer["bookable"] is True
    assert answer["next_free"] == {
        "resource_id": territory["buis"]["id"],
        "start": "2026-06-01T09:00:00+02:00",  # today, Monday, 9:00 (now is 7:00)
        "end": "2026-06-01T10:00:00+02:00",
    }
    monday = datetime(2026, 6, 1, 9, tzinfo=PARIS)
    fill(territory["die"]["id"], monday, monday + timedelta(hours=3), 1, 1)
    assert search.bookable("die", 14, now=NOW)["next_free"]["start"] == "2026-06-02T09:00:00+02:00"
    assert search.bookable("nowhere", 14, now=NOW) == {
        "place_id": "nowhere",
        "days": 14,
        "bookable": False,
        "next_free": None,
    }
    with pytest.raises(ValidationFailed):
        search.bookable("buis", 61, now=NOW)


def test_first_free_units_are_the_earliest_of_the_place_reading_no_more_than_needed(
    territory, monkeypatch
):
    second = resource("buis", "Plateau 2", seats=1, opening_hours=HOURS)
    reads: list[str] = []
    real = capacity.taken_by_slot

    def counted(resource_id, wanted):
        reads.append(resource_id)
        return real(resource_id, wanted)

    monkeypatch.setattr(capacity, "taken_by_slot", counted)
    day = dict(kind="desk_pool", start="2026-06-02", end="2026-06-02", lat=BUIS[0], lon=BUIS[1])
    # Both open at 9:00 and the first is free then: it alone is read.
    [buis] = [p for p in ask(**day)["places"] if p["place_id"] == "buis"]
    assert [f["start"][11:16] for f in buis["free"]] == ["09:00", "10:00", "11:00"]
    assert territory["buis"]["id"] in reads and second["id"] not in reads
    # Seats read a few slots at a time (a long ``_id $in`` costs more than linearly on
    # SecantusDB), and no further than the three units shown: 9:00–11:00, then 11:00.
    assert reads.count(territory["buis"]["id"]) == 2
    # The first pool full at 9:00: the second's 9:00 comes first.
    nine = datetime(2026, 6, 2, 9, tzinfo=PARIS)
    fill(territory["buis"]["id"], nine, nine + timedelta(hours=1), 2, 2)
    [buis] = [p for p in ask(**day)["places"] if p["place_id"] == "buis"]
    assert [(f["resource_id"], f["start"][11:16]) for f in buis["free"]] == [
        (second["id"], "09:00"),
        (territory["buis"]["id"], "10:00"),
        (second["id"], "10:00"),
    ]


def test_seats_are_read_a_few_slots_at_a_time_and_only_as_far_as_needed(territory, monkeypatch):
    asked: list[int] = []
    real = capacity.taken_by_slot

    def counted(resource_id, wanted):
        asked.append(len(wanted))
        return real(resource_id, wanted)

    monkeypatch.setattr(capacity, "taken_by_slot", counted)
    answer = search.place_availability("buis", "2026-06-02", "2026-06-05", now=NOW)
    assert len(answer["resources"][0]["free"]) == 4 * 3  # every unit, all read
    assert asked and max(asked) <= search.SEATS_BATCH and sum(asked) == 4 * 3 * 4
    asked.clear()
    assert search.bookable("buis", 14, now=NOW)["bookable"]
    assert asked == [8]  # 9:00–11:00, free: one read, none further


def test_read_ahead_answers_as_each_resource_read_alone_in_fewer_queries(territory, monkeypatch):
    """Seats read a day at a time for several resources at once (``capacity.read_ahead``)
    answer exactly what reading each resource alone answers: loads that differ per resource
    and per day, one across Paris midnight (two UTC days), so that a batch mixing up
    resources or days, or keeping a day it did not read as empty, answers other seats."""
    second = resource("buis", "Plateau 2", seats=1, opening_hours="Mo-Su 00:00-24:00")
    tuesday = datetime(2026, 6, 2, 9, tzinfo=PARIS)
    fill(territory["buis"]["id"], tuesday, tuesday + timedelta(hours=3), 2, 2)  # full Tuesday
    wednesday = tuesday + timedelta(days=1)
    fill(territory["vaison"]["id"], wednesday, wednesday + timedelta(hours=2), 1, 1)
    fill(territory["die"]["id"], tuesday, tuesday + timedelta(hours=1), 1, 1)
    night = datetime(2026, 6, 2, 23, tzinfo=PARIS)  # 21:00 UTC Tuesday to 02:00 UTC Wednesday
    fill(second["id"], night, night + timedelta(hours=5), 1, 1)
    fill(territory["room"]["id"], tuesday, tuesday + timedelta(hours=2), 1, 1)

    def answers() -> list:
        week = dict(start="2026-06-02", end="2026-06-05")
        return [
            ask(kind="desk_pool", lat=NYONS[0], lon=NYONS[1], **week),
            ask(kind="desk_pool", seats=2, **week),
            ask(kind="desk_pool", limit=1, offset=1, **week),
            ask(**week),
            *(search.place_availability(p, **week, now=NOW) for p in ("buis", "vaison", "die")),
            search.place_availability("buis", "2026-06-02", "2026-06-03", seats=1, now=NOW),
            *(search.bookable(p, 14, now=NOW) for p in ("buis", "vaison", "die", "old")),
        ]

    queries: list[int] = []
    real = capacity._counters

    def counted(keys):
        queries.append(len(keys))
        return real(keys)

    monkeypatch.setattr(capacity, "_counters", counted)
    together = answers()
    batched = len(queries)
    queries.clear()
    monkeypatch.setattr(capacity, "read_ahead", lambda ids, window=None: nullcontext())
    alone = answers()
    assert together == alone
    assert batched < len(queries) / 2, (batched, len(queries))


def test_a_miss_reads_the_next_resources_same_days_and_a_window_its_later_days(db):
    for rid, day, n in (("b", "2026-06-02", 3), ("c", "2026-06-03", 1), ("a", "2026-06-04", 2)):
        capacity._collection().insert_one({"_id": f"{rid}:{day}", "q": {"36": n}})
    tuesday, wednesday = date(2026, 6, 2), date(2026, 6, 3)
    ahead = capacity.ReadAhead(["a", "b", "c"])
    assert ahead.counters("a", ["a:2026-06-02"]) == {"a:2026-06-02": {}}
    assert sorted(ahead.days) == ["a:2026-06-02", "b:2026-06-02", "c:2026-06-02"]
    assert ahead.counters("b", ["b:2026-06-02"]) == {"b:2026-06-02": {"36": 3}}
    assert ahead.queries == 1  # the second answer came from the first read
    window = capacity.ReadAhead(["a", "b", "c"], [tuesday, wednesday, date(2026, 6, 4)])
    window.counters("b", ["b:2026-06-02"])
    assert sorted(window.days) == [
        "b:2026-06-02", "b:2026-06-03", "b:2026-06-04",
        "c:2026-06-02", "c:2026-06-03", "c:2026-06-04",
    ]  # fmt: skip
    assert window.counters("c", ["c:2026-06-03"]) == {"c:2026-06-03": {"36": 1}}
    with capacity.read_ahead(["a", "c"]):  # taken_by_slot reads through it
        nine = datetime(2026, 6, 4, 9, tzinfo=UTC)
        assert capacity.taken_by_slot("a", [nine]) == {nine: 2}
        assert capacity.taken_by_slot("c", [nine.replace(day=3)]) == {nine.replace(day=3): 1}
    assert capacity._READ_AHEAD.get() is None


def test_a_desk_pool_s_resident_seats_are_not_offered_by_the_hour(db):
    """Arrêt Minute: 7 seats, 5 of them residents' by the month. The search offers what a
    booking may take (``drop_in_seats``, 2), as ``queries.availability`` and
    ``create_booking`` count them: 3 seats are found nowhere, 2 are, and 1 taken leaves 1."""
    place("arret", "Arrêt Minute", NYONS)
    pool = resource("arret", "Plateau", seats=7, opening_hours=HOURS, resident_seats=5)
    day = dict(kind="desk_pool", start="2026-06-02", end="2026-06-02")
    assert ask(**day, seats=3)["places"] == []
    [found] = ask(**day, seats=2)["places"]
    assert [f["seats_left"] for f in found["free"]] == [2, 2, 2]
    nine = datetime(2026, 6, 2, 9, tzinfo=PARIS)
    fill(pool["id"], nine, nine + timedelta(hours=1), 1, 2)
    [row] = search.place_availability("arret", "2026-06-02", "2026-06-02", now=NOW)["resources"]
    assert [(f["start"][11:16], f["seats_left"]) for f in row["free"]] == [
        ("09:00", 1), ("10:00", 2), ("11:00", 2),
    ]  # fmt: skip
    three = search.place_availability("arret", "2026-06-02", "2026-06-02", seats=3, now=NOW)
    assert three["resources"][0]["free"] == []
