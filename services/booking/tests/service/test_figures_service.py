"""The funders' figures against a real RabbitMQ vhost and SecantusDB: a demo month computed by
hand (bookings written through the booking service's own commands with a ``now`` before
them, as ``tools/demo.py`` does for the past month), read over RPC by callers who see it
grouped or whole; what a booking records (consent, on behalf, a member cannot set it);
erasure keeps the counts; the rows add up to the aggregates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from nameko.exceptions import RemoteError

from contracts.identity import Caller
from services.booking import commands, member_data
from services.booking.models import Booking, KnownPlace
from services.booking.service import BookingService
from services.common.tests.callers import COORDINATOR, MANAGER, OTHER_MANAGER, THIERRY
from tests.support import RecordingStager, error_code

PARIS = ZoneInfo("Europe/Paris")
# The gateway puts a member's audience and commune in her caller only if she consented.
VERONIQUE = Caller(
    member_id="m-veronique",
    email="veronique@example.org",
    name="Véronique",
    audience="teleworker",
    commune="Riez",
)
BEFORE = datetime(2026, 10, 1, 8, tzinfo=UTC)  # when the demo month's bookings were made


def at(day: int, hour: int) -> str:
    return datetime(2026, 11, day, hour, tzinfo=PARIS).isoformat()


@pytest.fixture
def room(start_service, manager) -> dict:
    start_service(BookingService)
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    payload = {
        "name": "Salle du Verdon",
        "kind": "meeting_room",
        "seats": 1,
        "opening_hours": "Tu,Th 09:00-14:00",
    }
    return manager.booking.create_resource("place-1", payload, uuid.uuid4().hex)


def book(who: Caller, room: dict, day: int, hours: tuple[int, int], **person) -> dict:
    body = {"resource_id": room["id"], "start": at(day, hours[0]), "end": at(day, hours[1])}
    key = uuid.uuid4().hex
    stager = RecordingStager("booking")
    return commands.create_booking({**body, **person}, key, stager, now=BEFORE, who=who)


@pytest.fixture
def demo_month(room) -> dict:
    """November 2026 in the « Salle du Verdon », open Tuesdays and Thursdays 09:00-14:00:
    Tuesdays 3, 10, 17, 24 and Thursdays 5, 12, 19, 26 = 8 days × 5 h = 40 open hours.

    - b1 Tue 3, 9-11: Véronique, online (teleworker, Riez: she consented);
    - b2 Thu 5, 9-11: the facilitator for Marceline by phone (retiree, Riez);
    - b3 Tue 10, 12-14: Véronique again, online;
    - b4 Thu 12, 9-11: Thierry, online (no consent: nothing known), then cancelled;
    - b5 Tue 17, 9-11: the facilitator for Jeanne by address (nothing said), then recorded
      as a no-show (the check-in slice's outcome).

    Booked: b1, b2, b3, b5 = 4 × 2 h = 8 h of 40 → 20 %. Visitors: Véronique, Marceline,
    Jeanne = 3. Online b1, b3; on behalf b2, b5. Outcomes: 3 confirmed, 1 no-show, 1
    cancelled."""
    made = {
        "b1": book(VERONIQUE, room, 3, (9, 11)),
        "b2": book(
            MANAGER,
            room,
            5,
            (9, 11),
            name="Marceline Blanc",
            phone="04 92 77 00 00",
            audience="retiree",
            commune="Riez",
        ),
        "b3": book(VERONIQUE, room, 10, (12, 14)),
        "b4": book(THIERRY, room, 12, (9, 11)),
        "b5": book(MANAGER, room, 17, (9, 11), name="Jeanne Roux", email="jeanne@example.org"),
    }
    commands.cancel_booking(
        made["b4"]["id"], "cancel-b4", RecordingStager("booking"), THIERRY, now=BEFORE
    )
    # The check-in slice moves a booking to no_show after its start; its states are not on
    # this branch: the stored status is set as it will be.
    Booking._get_collection().update_one(
        {"_id": Booking.objects(id=made["b5"]["id"]).first().id}, {"$set": {"status": "no_show"}}
    )
    return made


def test_the_demo_month_computed_by_hand(demo_month, manager):
    figures = manager.booking.place_figures("place-1", "2026-11")
    [salle] = figures["resources"]
    assert (salle["open_hours"], salle["hours_booked"], salle["occupancy"]) == (40, 8, 0.2)
    assert (figures["bookings"], figures["hours_booked"], figures["visitors"]) == (4, 8, 3)
    assert figures["detailed"] is True  # the place's manager sees every bucket
    assert figures["visitors_by_audience"] == {"retiree": 1, "teleworker": 1, "unknown": 1}
    assert figures["visitors_by_commune"] == {"Riez": 2, "unknown": 1}
    assert figures["outcomes"] == {
        "confirmed": 3,
        "checked_in": 0,
        "no_show": 1,
        "excused": 0,
        "cancelled": 1,
        "awaiting_approval": 0,
    }
    assert figures["channels"] == {"online": 2, "on_behalf": 2}
    assert figures["place_name"] == "Riez"


def test_a_member_reads_the_aggregates_with_the_small_counts_grouped(demo_month, as_):
    # Teleworker 1 and retiree 1 are under 3: together « grouped: 2 »; Riez 2 likewise.
    seen = as_(THIERRY).booking.place_figures("place-1", "2026-11")
    assert seen["detailed"] is False
    assert seen["visitors_by_audience"] == {"grouped": 2, "unknown": 1}
    assert seen["visitors_by_commune"] == {"grouped": 2, "unknown": 1}
    assert (seen["bookings"], seen["hours_booked"], seen["visitors"]) == (4, 8, 3)
    other = as_(OTHER_MANAGER).booking.place_figures("place-1", "2026-11")
    assert other["visitors_by_commune"] == {"grouped": 2, "unknown": 1}  # not her place


def test_the_territory_counts_each_place_and_its_totals(demo_month, as_):
    territory = as_(COORDINATOR).booking.territory_figures("2026-11")
    assert (territory["bookings"], territory["visitors"], territory["detailed"]) == (4, 3, True)
    [riez] = territory["places"]
    assert (riez["place_id"], riez["resources"][0]["occupancy"]) == ("place-1", 0.2)
    # The facilitator sees her place whole, the territory's buckets grouped.
    theirs = as_(MANAGER).booking.territory_figures("2026-11")
    assert theirs["visitors_by_commune"] == {"grouped": 2, "unknown": 1}
    assert theirs["places"][0]["visitors_by_commune"] == {"Riez": 2, "unknown": 1}


def test_the_rows_add_up_and_name_no_one(demo_month, manager, as_):
    rows = manager.booking.figure_rows("2026-11", "place-1")
    assert [r["status"] for r in rows] == [
        "confirmed",
        "confirmed",
        "confirmed",
        "cancelled",
        "no_show",
    ]
    assert sum(r["hours"] for r in rows) == 8
    assert len({r["visitor"] for r in rows if r["visitor"]}) == 3
    assert [r["channel"] for r in rows] == ["online", "on_behalf", "online", "online", "on_behalf"]
    text = repr(rows)
    for personal in ("Marceline", "Jeanne", "Véronique", "veronique@", "jeanne@", "04 92", "m-"):
        assert personal not in text, personal
    assert as_(COORDINATOR).booking.figure_rows("2026-11") == rows  # the territory's: one place
    for who, place in ((THIERRY, "place-1"), (OTHER_MANAGER, "place-1"), (MANAGER, None)):
        with pytest.raises(RemoteError) as refused:
            as_(who).booking.figure_rows("2026-11", place)
        assert error_code(refused.value) == "forbidden"


def test_the_erasure_of_a_member_keeps_the_counts(demo_month, manager):
    before = manager.booking.place_figures("place-1", "2026-11")
    erased = member_data.erase_member(
        {"data": {"member_id": VERONIQUE.member_id, "email": VERONIQUE.email}}
    )
    assert erased == 2
    kept = Booking.objects(id=demo_month["b1"]["id"]).first()
    assert (kept.member_id, kept.email, kept.name) == (None, None, member_data.ERASED_NAME)
    assert (kept.audience, kept.commune, kept.channel) == ("teleworker", "Riez", "online")
    assert manager.booking.place_figures("place-1", "2026-11") == before


def test_what_a_booking_records_for_the_figures(room, manager, as_):
    future = datetime.now(UTC).astimezone(PARIS).replace(hour=9, minute=0, second=0, microsecond=0)
    future += timedelta(days=7 - future.weekday() + 1)  # a Tuesday at least a week ahead
    body = {
        "resource_id": room["id"],
        "start": future.isoformat(),
        "end": (future + timedelta(hours=1)).isoformat(),
    }

    def stored(booking: dict) -> tuple:
        doc = Booking.objects(id=booking["id"]).first()
        return doc.channel, doc.audience, doc.commune

    # Her consent: the caller carries her profile's audience and commune.
    mine = as_(VERONIQUE).booking.create_booking(body, uuid.uuid4().hex)
    assert stored(mine) == ("online", "teleworker", "Riez")
    # No consent: the caller carries none, nothing is recorded.
    later = {**body, "start": body["end"], "end": (future + timedelta(hours=2)).isoformat()}
    his = as_(THIERRY).booking.create_booking(later, uuid.uuid4().hex)
    assert stored(his) == ("online", None, None)
    # A member cannot set them, for herself or anyone.
    for field, value in (("audience", "retiree"), ("commune", "Moustiers")):
        with pytest.raises(RemoteError) as refused:
            as_(THIERRY).booking.create_booking({**body, field: value}, uuid.uuid4().hex)
        assert error_code(refused.value) == "figures_fields_on_behalf_only"
    # The facilitator, for someone: what she was told.
    third = {**body, "start": later["end"], "end": (future + timedelta(hours=3)).isoformat()}
    person = {"name": "Marceline Blanc", "phone": "04 92 77 00 00", "audience": "retiree"}
    theirs = manager.booking.create_booking({**third, **person}, uuid.uuid4().hex)
    assert stored(theirs) == ("on_behalf", "retiree", None)
    month = future.strftime("%Y-%m")
    assert Booking.objects(id=theirs["id"]).first().month_keys == [month, f"{month}:place-1"]


def test_a_bad_month_an_unknown_place_and_anonymous_are_refused(room, as_):
    with pytest.raises(RemoteError) as refused:
        as_(THIERRY).booking.place_figures("place-nowhere", "2026-11")
    assert error_code(refused.value) == "unknown_place"
    with pytest.raises(RemoteError) as refused:
        as_(COORDINATOR).booking.figure_rows("2026-11", "place-nowhere")
    assert error_code(refused.value) == "unknown_place"
    with pytest.raises(RemoteError) as refused:
        as_(THIERRY).booking.place_figures("place-1", "2026-13")
    assert error_code(refused.value) == "bad_month"
    with pytest.raises(RemoteError) as refused:
        as_(None).booking.territory_figures("2026-11")
    assert error_code(refused.value) == "authentication_required"
