"""The availability grid of a place page and the territory's search page (web_pages/
availability.py): free units as links, a picked slot filling the booking form, the search
forwarded to booking with the commune's point, distances shown, French and English."""

from __future__ import annotations

import copy
import re
from datetime import date, datetime, timedelta

from gateway import i18n
from gateway.web_pages import availability

from .fakes import PLACE_AVAILABILITY, PLACE_OUT, RESOURCE_OUT, client, site_fake
from .test_pages import ENGLISH, field_block, signed_in

SLOT_LINK = (
    "/places/p1?ressource=r1&amp;date=2030-05-02&amp;debut=09%3A00&amp;fin=10%3A00#reserver-r1"
)


def test_grid_lists_every_day_and_merges_quarter_hours_into_free_hours():
    quarters = [
        {"start": f"2030-05-02T09:{m:02d}:00+02:00", "end": f"2030-05-02T09:{m + 15:02d}:00+02:00",
         "seats_left": left}
        for m, left in ((0, 2), (15, 1), (30, 2))
    ] + [{"start": "2030-05-02T09:45:00+02:00", "end": "2030-05-02T10:00:00+02:00",
          "seats_left": 2},
         {"start": "2030-05-02T10:00:00+02:00", "end": "2030-05-02T10:15:00+02:00",
          "seats_left": 2}]  # fmt: skip
    days = availability.grid({"unit": "quarter_hour", "free": quarters}, date(2030, 5, 1), 3)
    assert [d.day.isoformat() for d in days] == ["2030-05-01", "2030-05-02", "2030-05-03"]
    [hour] = days[1].slots  # 10:00 alone is no whole hour
    assert (hour.values, hour.seats_left) == ({"date": "2030-05-02", "debut": "09:00",
                                               "fin": "10:00"}, 1)  # fmt: skip
    assert days[0].slots == [] and days[2].slots == []


def free_hour_tomorrow(seats_left: int) -> tuple[date, dict]:
    """``place_availability``'s answer with one free hour tomorrow, and tomorrow."""
    tomorrow = datetime.now(i18n.PARIS).date() + timedelta(days=1)
    answer = copy.deepcopy(PLACE_AVAILABILITY)
    answer["resources"][0]["free"] = [
        {"start": f"{tomorrow}T09:00:00+01:00", "end": f"{tomorrow}T10:00:00+01:00",
         "seats_left": seats_left}
    ]  # fmt: skip
    return tomorrow, answer


def test_place_page_shows_the_grid_with_links_that_fill_the_form():
    # The grid shows the week from ``?du=`` (today at the earliest): a free hour tomorrow.
    tomorrow, answer = free_hour_tomorrow(seats_left=2)
    fake = site_fake(**{"booking.place_availability": answer})
    html = client(fake).get("/places/p1").text
    assert "<caption>Créneaux libres : Open space</caption>" in html
    assert '<th scope="row">' in html and "Complet ou fermé" in html
    # 09:00+01:00 is 9 h in Paris in winter, 10 h in summer: the page shows Paris time.
    shown = re.search(r'<a href="(/places/p1\?ressource=r1[^"]+)">(\d+) h–(\d+) h</a>', html)
    assert shown, html
    assert shown.group(1).startswith(f"/places/p1?ressource=r1&amp;date={tomorrow}&amp;debut=")
    assert shown.group(1).endswith("#reserver-r1")
    assert int(shown.group(3)) - int(shown.group(2)) == 1
    assert "(2 libres)" in html
    # One call for the whole place, for the seven days from today.
    [call] = [c for c in fake.domain_calls() if c.method == "place_availability"]
    first, last = date.fromisoformat(call.args[1]), date.fromisoformat(call.args[2])
    assert call.args[0] == "p1" and (last - first).days == 6


def test_a_picked_slot_arrives_in_the_booking_form_of_a_signed_in_member():
    who = signed_in()
    page = who.client.get(SLOT_LINK.replace("&amp;", "&")).text
    assert 'id="reserver-r1"' in page
    assert 'value="2030-05-02"' in field_block(page, "r1-date")
    assert 'value="09:00"' in field_block(page, "r1-start")
    assert 'value="10:00"' in field_block(page, "r1-end")
    assert "Le créneau choisi est reporté ci-dessous" in page


def test_signed_out_the_sign_in_link_comes_back_to_the_picked_slot():
    html = client(site_fake()).get(SLOT_LINK.replace("&amp;", "&")).text
    link = re.search(r'<a class="button" href="([^"]+)">Se connecter pour réserver', html)
    assert link and "ressource%3Dr1" in link.group(1) and "debut%3D09%253A00" in link.group(1)


def test_search_page_forwards_the_commune_s_point_and_shows_distances():
    fake = site_fake()
    api = client(fake)
    empty = api.get("/disponibilites").text
    assert '<label for="commune">Près de quelle commune ?</label>' in empty
    assert f'<option value="{PLACE_OUT["commune"]}">' in empty
    assert not [c for c in fake.domain_calls() if c.method == "search_availability"]
    html = api.get(
        "/disponibilites?type=desk_pool&jour=2030-05-02&places=2&commune=Riez&rayon=20"
    ).text
    [call] = [c for c in fake.domain_calls() if c.method == "search_availability"]
    assert call.args == ({
        "kind": "desk_pool", "seats": 2, "start": "2030-05-02", "end": "2030-05-02",
        "lat": PLACE_OUT["location"]["lat"], "lon": PLACE_OUT["location"]["lon"],
        "radius_km": 20,
    },)  # fmt: skip
    assert "1 lieu avec un créneau libre" in html and "à 3,2 km" in html
    assert SLOT_LINK in html
    english = api.get("/disponibilites?type=desk_pool&commune=Riez", headers=ENGLISH).text
    assert "1 place with a free slot" in english and "3.2 km away" in english


def test_a_desk_pool_with_residents_offers_its_drop_in_seats_only():
    # Arrêt Minute: 7 seats of which 5 go to residents by the month; a booking by the hour
    # may take 2 at most (the service refuses more, ``too_many_seats``), so the page shows
    # and lets pick 2, and the grid says how many are free (several may be).
    pool = {**RESOURCE_OUT, "kind": "desk_pool", "seats": 7, "resident_seats": 5}
    _, answer = free_hour_tomorrow(seats_left=2)
    who = signed_in(site_fake(**{"booking.list_resources": [pool],
                                 "booking.place_availability": answer}))  # fmt: skip
    page = who.client.get("/places/p1").text
    seats = field_block(page, "r1-seats")
    assert 'max="2"' in seats and "De 1 à 2." in seats, seats
    assert "2 places" in page and "7 places" not in page
    assert "(2 libres)" in page
    # Without residents, every seat is offered, as before.
    full = signed_in(site_fake(**{"booking.list_resources": [{**pool, "resident_seats": 0}]}))
    assert 'max="7"' in field_block(full.client.get("/places/p1").text, "r1-seats")
