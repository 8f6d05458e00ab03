"""Availability beyond one resource on the real platform (issue 8): three places of their own
(around a point far from every other test's, so that the territory's other places are out of
the radius), a one-seat desk each open 9–12 on weekdays; Véronique fills one; the territory
search answers by distance within the radius, the place's availability per resource, "can one
book here?"; then in Chromium she searches, picks a slot in a place's grid and the booking form
arrives filled in with it."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from services.booking.rules.search import distance_km

from .helpers import PASSWORD, add_resource, create_place, is_problem, member
from .test_browser import (  # noqa: F401 (browser: a fixture)
    browser,
    new_page,
    serious_violations,
    shot,
    sign_in,
)

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")
HOURS = "Mo-Fr 09:00-12:00"
DESK = {"name": "Bureau", "kind": "desk_pool", "seats": 1, "unit": "hour", "opening_hours": HOURS}


def next_weekday(after_days: int = 2) -> datetime:
    """9:00 in Paris on the first weekday at least ``after_days`` days ahead."""
    day = datetime.now(PARIS).date() + timedelta(days=after_days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 9, tzinfo=PARIS)


def isolated_places(api, tag: str, lon: float) -> tuple[tuple[float, float], dict[str, dict]]:
    """A centre and three places around it: 'near' (~5 km), 'next' (~11 km), 'far' (~55 km),
    each with its desk; a centre in the ocean, far from the demo's places, on a meridian of
    each test's own (two tests' places are thousands of km apart)."""
    centre = (-40.0 - (int(tag[:4], 16) % 1000) / 100, lon)
    offsets = {"near": 0.045, "next": 0.1, "far": 0.5}  # degrees of latitude north
    made = {}
    for label, north in offsets.items():
        place = create_place(
            api,
            name=f"Lieu {label} {tag}",
            commune=f"Commune {label} {tag}",
            location={"lat": centre[0] + north, "lon": centre[1]},
        )
        made[label] = {"place": place, "desk": add_resource(api, place["id"], DESK)}
    return centre, made


def test_the_territory_search_by_distance_radius_and_seats_left(verdon, api):
    tag = uuid.uuid4().hex[:8]
    centre, made = isolated_places(api, tag, lon=-130.0)
    start = next_weekday()
    day = start.date().isoformat()
    point = {"lat": centre[0], "lon": centre[1]}

    asked = {"kind": "desk_pool", "from": day, "to": day, **point, "radius_km": 20}
    found = api.get("/api/availability", params=asked)
    assert found.status_code == 200, found.text
    places = found.json()["places"]
    assert [p["place_id"] for p in places] == [made[k]["place"]["id"] for k in ("near", "next")]
    for place, label in zip(places, ("near", "next"), strict=True):
        where = made[label]["place"]["location"]
        expected = round(distance_km(centre, (where["lat"], where["lon"])), 1)
        assert place["distance_km"] == expected and place["located"] is True
        assert place["commune"] == f"Commune {label} {tag}"
        assert place["free"][0]["start"] == start.isoformat()
    # Within 100 km the far one comes third (the territory's other places are further).
    wider = api.get("/api/availability", params={**asked, "radius_km": 100}).json()["places"]
    assert [p["place_id"] for p in wider] == [made[k]["place"]["id"] for k in made]

    # Véronique books the near desk all morning: it is no longer found that day.
    veronique = member(verdon, api, "Véronique")
    desk = made["near"]["desk"]
    body = {"resource_id": desk["id"], "start": start.isoformat(),
            "end": (start + timedelta(hours=3)).isoformat()}  # fmt: skip
    booked = api.post("/api/bookings", json=body, headers=veronique.headers)
    assert booked.status_code == 201, booked.text
    after = api.get("/api/availability", params=asked).json()["places"]
    assert [p["place_id"] for p in after] == [made["next"]["place"]["id"]]

    # The place's availability, grouped per resource: its desk, nothing free that day.
    grid = api.get(f"/api/places/{made['near']['place']['id']}/availability",
                   params={"from": day, "to": day})  # fmt: skip
    assert grid.status_code == 200, grid.text
    assert [(r["resource_id"], r["free"]) for r in grid.json()["resources"]] == [(desk["id"], [])]
    # "Can one book here?": yes, on another day.
    bookable = api.get(f"/api/places/{made['near']['place']['id']}/bookable?days=14").json()
    assert bookable["bookable"] is True and bookable["next_free"]["resource_id"] == desk["id"]
    assert bookable["next_free"]["start"] != start.isoformat()

    # Pages: one place at a time, the second page names no next one.
    first = api.get("/api/availability", params={**asked, "limit": 1}).json()
    assert len(first["places"]) == 1 and first["next_offset"] is None  # one place left
    refused = is_problem(api.get("/api/availability", params={"radius_km": 20}), 422)
    assert refused["code"] == "radius_without_point" and refused["field"] == "radius_km"
    english = api.get("/api/availability?lat=44", headers={"Accept-Language": "en"})
    assert is_problem(english, 422)["detail"].startswith("A point is given")


def test_veronique_searches_picks_a_slot_in_the_grid_and_the_form_is_filled(
    verdon,
    api,
    browser,  # noqa: F811 (the fixture imported above)
):
    tag = uuid.uuid4().hex[:8]
    _centre, made = isolated_places(api, tag, lon=-100.0)
    veronique = member(verdon, api, "Véronique Martin")
    start = next_weekday(3)
    near = made["near"]["place"]

    page = new_page(browser)  # JavaScript off: links and GET forms only
    try:
        page.goto(f"{verdon.url}/connexion?suite=/disponibilites")
        sign_in(page, veronique.email, PASSWORD)
        page.wait_for_url(f"{verdon.url}/disponibilites")
        page.select_option("#type", "desk_pool")
        page.fill("#jour", start.date().isoformat())
        page.select_option("#commune", f"Commune near {tag}")
        page.select_option("#rayon", "20")
        page.get_by_role("button", name="Chercher").click()
        results = page.locator(".place-found")
        expect(results).to_have_count(2)
        expect(results.first).to_contain_text(near["name"])
        expect(results.first).to_contain_text("à 0,0 km")  # the commune's own place
        expect(results.nth(1)).to_contain_text(f"Commune next {tag}")
        shot(page, "disponibilites")
        results_url = page.url

        results.first.get_by_role("link", name=near["name"]).click()
        expect(page.locator("h1")).to_have_text(near["name"])
        grid = page.locator("table.grid")
        expect(grid.locator("caption")).to_have_text("Créneaux libres : Bureau")
        row = grid.locator(
            "tr", has=page.locator("th", has_text=re.compile(rf"\b{start.day}(er)?\b"))
        )
        row.get_by_role("link", name="10 h–11 h").click()
        expect(page.locator("#r1-date")).to_have_value(start.date().isoformat())
        expect(page.locator("#r1-start")).to_have_value("10:00")
        expect(page.locator("#r1-end")).to_have_value("11:00")
        shot(page, "grille-creneau-choisi")
        page.get_by_role("button", name="Confirmer la réservation").click()
        expect(page.locator("h1")).to_have_text("Réservation confirmée")
        expect(page.locator(".summary")).to_contain_text("de 10 h à 11 h")
    finally:
        page.context.close()
    # Booked: that hour is no longer free.
    day = start.date().isoformat()
    free = api.get(f"/api/places/{near['id']}/availability", params={"from": day, "to": day})
    starts = [f["start"][11:16] for f in free.json()["resources"][0]["free"]]
    assert starts == ["09:00", "11:00"]
    # axe-core: no serious violation on the search's results nor on the place's grid.
    assert serious_violations(browser, results_url, "axe-disponibilites") == []
    assert serious_violations(browser, f"{verdon.url}/places/{near['id']}", "axe-grille") == []
