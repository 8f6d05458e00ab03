"""The funders' figures on the real platform: bookings made through the API (a member who
consented to be counted, one who did not, a facilitator for someone who phoned, one
cancelled), then the month's aggregates and the CSV of its bookings — whose sums are the
aggregates — as each kind of caller may read them."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from .helpers import OPERATOR, add_resource, create_place, is_problem, member

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")
BOOKED = ("confirmed", "checked_in", "no_show", "excused")


def parse_csv(response: httpx.Response) -> list[dict]:
    """The CSV as a French spreadsheet reads it: UTF-8 with a BOM, ``;``, decimal comma."""
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    for row in rows:
        row["hours"] = float(row["hours"].replace(",", "."))
    return rows


def sums(rows: list[dict]) -> dict:
    """What the aggregates say, counted from the rows alone."""
    booked = [r for r in rows if r["status"] in BOOKED]
    return {
        "bookings": len(booked),
        "hours_booked": round(sum(r["hours"] for r in booked), 2),
        "visitors": len({r["visitor"] for r in booked}),
        "channels": {c: sum(r["channel"] == c for r in booked) for c in ("online", "on_behalf")},
        "cancelled": sum(r["status"] == "cancelled" for r in rows),
    }


def shown(figures: dict) -> dict:
    return {
        "bookings": figures["bookings"],
        "hours_booked": figures["hours_booked"],
        "visitors": figures["visitors"],
        "channels": figures["channels"],
        "cancelled": figures["outcomes"]["cancelled"],
    }


@pytest.fixture(scope="module")
def month(verdon):
    """A place with a room; Véronique (teleworker in Riez, counted), Thierry (not counted),
    the facilitator booking for Marceline by phone (retiree, Moustiers): five bookings of
    one to two hours on one day ten days ahead, one cancelled."""
    with httpx.Client(base_url=verdon.url, timeout=30) as api:
        place = create_place(api, name=f"Chiffres {uuid.uuid4().hex[:6]}")["id"]
        room = add_resource(api, place, {"name": "Salle des chiffres", "kind": "meeting_room"})
        people = {n: member(verdon, api, n) for n in ("Véronique", "Thierry", "Sandrine")}
        grant = {"email": people["Sandrine"].email, "role": "manager", "scope": f"place:{place}"}
        assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200
        profile = {"audience": "teleworker", "commune": "Riez", "consent_statistics": True}
        mine = api.patch("/api/me", json=profile, headers=people["Véronique"].headers)
        assert mine.status_code == 200, mine.text
        his = {"audience": "retiree", "commune": "Riez", "consent_statistics": False}
        assert api.patch("/api/me", json=his, headers=people["Thierry"].headers).status_code == 200

        day = datetime.now(UTC).astimezone(PARIS).replace(
            hour=9, minute=0, second=0, microsecond=0
        ) + timedelta(days=10)

        def book(who: str, hour: int, hours: float, **person) -> dict:
            start = day + timedelta(hours=hour - 9)
            body = {
                "resource_id": room["id"],
                "start": start.isoformat(),
                "end": (start + timedelta(hours=hours)).isoformat(),
                **person,
            }
            made = api.post("/api/bookings", json=body, headers=people[who].headers)
            assert made.status_code == 201, made.text
            return made.json()

        book("Véronique", 9, 2)
        book("Véronique", 11, 1.5)
        book("Thierry", 13, 1)
        marceline = {
            "name": "Marceline Blanc",
            "phone": "04 92 77 00 00",
            "audience": "retiree",
            "commune": "Moustiers-Sainte-Marie",
        }
        book("Sandrine", 14, 2, **marceline)
        cancelled = book("Thierry", 16, 1)
        gone = api.post(
            f"/api/bookings/{cancelled['id']}/cancel", headers=people["Thierry"].headers
        )
        assert gone.status_code == 200, gone.text
    return {"place": place, "month": day.strftime("%Y-%m"), "people": people}


def test_the_csv_adds_up_to_the_aggregates(verdon, month):
    manager = month["people"]["Sandrine"].headers
    query = {"month": month["month"]}
    with httpx.Client(base_url=verdon.url, timeout=30, headers=manager) as api:
        figures = api.get(f"/api/places/{month['place']}/figures", params=query).json()
        rows = parse_csv(api.get(f"/api/places/{month['place']}/figures.csv", params=query))
    # 2 + 1.5 + 1 + 2 hours booked, 1 cancelled; Véronique, Thierry, Marceline.
    assert (
        shown(figures)
        == sums(rows)
        == {
            "bookings": 4,
            "hours_booked": 6.5,
            "visitors": 3,
            "channels": {"online": 3, "on_behalf": 1},
            "cancelled": 1,
        }
    )
    # Thierry did not consent: nothing of his profile; Véronique did; Marceline as told.
    assert figures["visitors_by_audience"] == {"retiree": 1, "teleworker": 1, "unknown": 1}
    assert figures["visitors_by_commune"] == {
        "Moustiers-Sainte-Marie": 1,
        "Riez": 1,
        "unknown": 1,
    }
    assert figures["resources"][0]["hours_booked"] == 6.5


def test_the_territory_csv_adds_up_to_the_territory_figures(verdon, month):
    query = {"month": month["month"]}
    with httpx.Client(base_url=verdon.url, timeout=30, headers=OPERATOR) as api:
        figures = api.get("/api/figures", params=query).json()
        rows = parse_csv(api.get("/api/figures.csv", params=query))
    assert shown(figures) == sums(rows)
    ours = [p for p in figures["places"] if p["place_id"] == month["place"]]
    assert ours and ours[0]["bookings"] == 4


def test_the_csv_names_no_one(verdon, month):
    manager = month["people"]["Sandrine"].headers
    text = httpx.get(
        f"{verdon.url}/api/places/{month['place']}/figures.csv",
        params={"month": month["month"]},
        headers=manager,
        timeout=30,
    ).content.decode("utf-8-sig")
    assert "Moustiers-Sainte-Marie" in text  # the accents as written
    for person in month["people"].values():
        assert person.email not in text
    for personal in ("Marceline", "Véronique", "Thierry", "04 92 77"):
        assert personal not in text


def test_who_reads_what(verdon, month):
    path = f"{verdon.url}/api/places/{month['place']}/figures"
    query = {"month": month["month"]}
    thierry = month["people"]["Thierry"].headers
    seen = httpx.get(path, params=query, headers=thierry, timeout=30).json()
    # Each audience and commune had one visitor: grouped for a member who is not a manager.
    assert seen["detailed"] is False
    assert seen["visitors_by_commune"] == {"grouped": 2, "unknown": 1}
    assert seen["bookings"] == 4
    refused = httpx.get(f"{path}.csv", params=query, headers=thierry, timeout=30)
    assert is_problem(refused, 403)["code"] == "forbidden"
    assert is_problem(httpx.get(path, params=query, timeout=30), 401)["code"] == (
        "authentication_required"
    )
    bad = httpx.get(path, params={"month": "2026-13"}, headers=thierry, timeout=30)
    assert is_problem(bad, 422)["code"] == "bad_month"


def test_the_demo_has_a_past_month_of_figures(verdon):
    """``tools/demo.py`` writes last month's bookings through the booking service's command
    (a ``now`` before each): the territory's figures of that month count them, online (the
    demo members) and on behalf (people who phoned); loading again adds nothing."""
    from tools.demo import load_demo, previous_month

    loaded = load_demo(verdon.url, verdon.profile, verdon.admin_token, verdon.mongo_uri)
    month = previous_month(datetime.now(UTC))[0].strftime("%Y-%m")
    read = {"month": month}
    with httpx.Client(base_url=verdon.url, timeout=30, headers=OPERATOR) as api:
        figures = api.get("/api/figures", params=read).json()
        again = load_demo(verdon.url, verdon.profile, verdon.admin_token, verdon.mongo_uri)
        assert api.get("/api/figures", params=read).json() == figures
    assert loaded.past_bookings == again.past_bookings > 0
    assert figures["bookings"] + figures["outcomes"]["cancelled"] == loaded.past_bookings
    assert figures["channels"]["online"] > 0 and figures["channels"]["on_behalf"] > 0
    # Véronique consented (teleworker); the people who phoned said theirs.
    assert figures["visitors_by_audience"]["teleworker"] == 1
    assert figures["hours_booked"] > 0
