"""``/api/places/{id}/availability``, ``/api/places/{id}/bookable`` and ``/api/availability``
(routers/availability.py): one booking call each, the question forwarded as asked, bad
input refused before any call, booking's own refusals in the reader's language."""

from __future__ import annotations

from contracts.booking import RadiusWithoutPoint

from .fakes import FakeRpc, client, is_problem, remote

FOUND = {
    "start": "2030-06-03T00:00:00+02:00",
    "end": "2030-06-04T00:00:00+02:00",
    "kind": "desk_pool",
    "seats": 2,
    "places": [
        {
            "place_id": "p1",
            "name": "Riez",
            "commune": "Riez",
            "located": True,
            "distance_km": 12.3,
            "free": [
                {
                    "resource_id": "r1",
                    "resource_name": "Open space",
                    "start": "2030-06-03T09:00:00+02:00",
                    "end": "2030-06-03T10:00:00+02:00",
                    "seats_left": 2,
                }
            ],
        }
    ],
    "next_offset": None,
}


def test_search_forwards_the_whole_question_and_answers_the_places():
    fake = FakeRpc(script={("booking", "search_availability"): FOUND})
    response = client(fake).get(
        "/api/availability",
        params={"kind": "desk_pool", "from": "2030-06-03", "to": "2030-06-03", "seats": 2,
                "lat": 44.36, "lon": 5.14, "radius_km": 20, "limit": 5, "offset": 5},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["places"][0]["distance_km"] == 12.3
    [call] = fake.domain_calls()
    assert (call.service, call.method) == ("booking", "search_availability")
    assert call.args == (
        {"kind": "desk_pool", "start": "2030-06-03", "end": "2030-06-03", "seats": 2,
         "lat": 44.36, "lon": 5.14, "radius_km": 20.0, "limit": 5, "offset": 5},
    )  # fmt: skip


def test_search_refuses_bad_input_before_any_call():
    fake = FakeRpc()
    for params, field in (
        ({"kind": "castle"}, "query.kind"),
        ({"lat": 91, "lon": 5}, "query.lat"),
        ({"limit": 51}, "query.limit"),
        ({"radius_km": 0, "lat": 44, "lon": 5}, "query.radius_km"),
        ({"seats": 0}, "query.seats"),
    ):
        body = is_problem(client(fake).get("/api/availability", params=params), 422)
        assert field in [e["field"] for e in body["errors"]], params
    assert fake.calls == []


def test_a_radius_without_a_point_reads_in_both_languages():
    refusal = RadiusWithoutPoint("radius_km needs lat and lon", field="radius_km")
    fake = FakeRpc(script={("booking", "search_availability"): remote("booking", refusal)})
    api = client(fake)
    fr = is_problem(api.get("/api/availability?radius_km=20"), 422, "radius_without_point")
    en = is_problem(
        api.get("/api/availability?radius_km=20", headers={"Accept-Language": "en"}),
        422,
        "radius_without_point",
    )
    assert "latitude" in fr["detail"] and fr["detail"] != en["detail"]
    assert fr["field"] == "radius_km"


def test_place_availability_and_bookable_forward_their_parameters():
    grouped = {"place_id": "p1", "start": FOUND["start"], "end": FOUND["end"], "resources": []}
    bookable = {"place_id": "p1", "days": 3, "bookable": False, "next_free": None}
    fake = FakeRpc(
        script={
            ("booking", "place_availability"): grouped,
            ("booking", "bookable"): bookable,
        }
    )
    api = client(fake)
    response = api.get("/api/places/p1/availability?from=2030-06-03&kind=office&seats=2")
    assert response.status_code == 200 and response.json()["resources"] == []
    assert api.get("/api/places/p1/bookable?days=3").json() == bookable
    assert api.get("/api/places/p1/bookable").status_code == 200
    assert [(c.method, c.args) for c in fake.domain_calls()] == [
        ("place_availability", ("p1", "2030-06-03", None, "office", 2)),
        ("bookable", ("p1", 3)),
        ("bookable", ("p1", 14)),
    ]
    is_problem(api.get("/api/places/p1/bookable?days=61"), 422)
