"""The places' pages (web_pages/places/): the list with its filters (a GET form, no
JavaScript needed), a place's record on its page, and the coordinator's add/edit form (POST
then 303), in French and English."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from contracts.errors import Forbidden

from .fakes import PLACE_OUT, accounts_client, member, page_of, remote, site_fake

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ATELIER = {
    **PLACE_OUT,
    "id": "p2",
    "name": "L'Atelier",
    "commune": "Mende",
    "postal_code": "48000",
    "location": {"lat": 44.5181, "lon": 3.5006},
    "kinds": ["coworking", "fablab"],
    "equipment": ["wifi", "printer_3d"],
    "opening_hours": "Mo-Fr 09:00-18:00; Sa 09:00-12:00",
    "summary": "Coworking et fablab au centre de Mende.",
    "networks": ["SoLozère"],
    "seats": {"resident": 6, "drop_in": 8, "training": 0},
    "contact": {"phone": "04 66 00 00 00", "emails": ["bonjour@latelier.example"], "website": None},
    "status_since": "2019-09-01",
}


@pytest.fixture
def site():
    fake = site_fake(
        **{
            "directory.search_places": page_of(ATELIER | {"distance_km": 1.5, "open_now": True}),
            "directory.get_place": ATELIER,
        }
    )
    api, _, _ = accounts_client(fake)
    people = {
        "thierry": member(api, "thierry@example.org", "Thierry", browser=True),
        "coordinator": member(
            api, "colette@example.org", "Colette", roles=("coordinator",), browser=True
        ),
        "manager": member(api, "fabienne@example.org", "Fabienne", manages=("p2",), browser=True),
    }
    return api, fake, people


def test_the_list_sends_the_filters_and_shows_the_places(site):
    api, fake, _ = site
    query = "q=atelier&kind=fablab&kind=coworking&equipment=wifi&status=open&open_now=1"
    page = api.get(f"/lieux?{query}&lat=44.5&lon=3.5&radius_km=50&page=2&open_on=2026-12-01")
    assert page.status_code == 200
    html = page.text
    assert "L&#39;Atelier" in html and "1 lieu trouvé" in html and "1.5 km" in html
    assert 'value="fablab" checked' in html and 'id="carte"' in html
    [call] = [c for c in fake.domain_calls() if c.method == "search_places"]
    assert call.args[0] == {
        "q": "atelier",
        "kind": ["fablab", "coworking"],
        "equipment": ["wifi"],
        "status": ["open"],
        "open_now": True,
        "open_on": "2026-12-01",
        "lat": 44.5,
        "lon": 3.5,
        "radius_km": 50.0,
        "page": 2,
        "page_size": 20,
    }


def test_the_list_ignores_what_does_not_parse_and_pages(site):
    api, fake, _ = site
    fake.script[("directory", "search_places")] = {
        **page_of(ATELIER),
        "total": 41,
        "page": 2,
        "pages": 3,
    }
    html = api.get("/lieux?kind=castle&lat=north&open_on=demain&page=2").text
    assert fake.domain_calls()[-1].args[0] == {"page": 2, "page_size": 20}
    assert 'rel="prev"' in html and 'rel="next"' in html and "page=3" in html


def test_the_list_in_english(site):
    api, *_ = site
    html = api.get("/lieux", headers={"Accept-Language": "en"}).text
    assert "Open now" in html and "Near me" in html


def test_a_place_page_shows_its_record_hours_in_words_and_clubs(site):
    api, _, people = site
    html = api.get("/places/p2").text
    assert "lundi – vendredi, 9 h – 18 h" in html and "samedi, 9 h – 12 h" in html
    assert "Coworking, Fablab" in html and "Imprimante 3D" in html
    assert "6 résidents, 8 de passage" in html and "SoLozère" in html
    assert "Clubs de ce lieu" in html and "depuis le dimanche 1er septembre 2019" in html
    assert "Modifier la fiche du lieu" not in html  # not for a visitor
    coordinator_page = people["coordinator"].client.get("/places/p2").text
    assert 'href="/places/p2/modifier"' in coordinator_page
    assert 'href="/places/p2/modifier"' in people["manager"].client.get("/places/p2").text
    assert 'href="/places/p2/modifier"' not in people["thierry"].client.get("/places/p2").text


def post(who, path: str, **fields: str):
    body = {"csrf_token": who.csrf, **fields}
    return who.client.post(
        path, content=urlencode(body).encode(), headers=FORM, follow_redirects=False
    )


NEW = {
    "key": "new-1",
    "name": "Tiers-lieu de Florac",
    "commune": "Florac-Trois-Rivières",
    "postal_code": "48400",
    "status": "open",
    "lat": "44.3244",
    "lon": "3.5934",
    "kind_france_services": "1",
    "equipment_wifi": "1",
    "networks": "SoLozère, Sud Tiers-Lieux",
    "opening_hours": "Mo-Fr 09:00-12:00",
    "seats_drop_in": "4",
}


def test_a_coordinator_adds_a_place_through_the_form(site):
    api, fake, people = site
    fake.script[("directory", "create_place")] = {**ATELIER, "id": "p9"}
    assert people["coordinator"].client.get("/lieux/nouveau").status_code == 200
    response = post(people["coordinator"], "/lieux/nouveau", **NEW)
    assert response.status_code == 303 and response.headers["location"] == "/places/p9"
    [call] = [c for c in fake.domain_calls() if c.method == "create_place"]
    record, key = call.args
    assert key == "new-1"
    assert record["kinds"] == ["france_services"] and record["equipment"] == ["wifi"]
    assert record["networks"] == ["SoLozère", "Sud Tiers-Lieux"]
    assert record["location"] == {"lat": 44.3244, "lon": 3.5934}
    assert record["seats"] == {"resident": 0, "drop_in": 4, "training": 0}


def test_mistakes_are_shown_beside_their_fields_and_nothing_is_sent(site):
    api, fake, people = site
    bad = {**NEW, "postal_code": "4800", "opening_hours": "le matin", "lat": "nord"}
    response = post(people["coordinator"], "/lieux/nouveau", **bad)
    assert response.status_code == 422
    html = response.text
    assert 'id="f-postal_code-erreur"' in html and 'id="f-opening_hours-erreur"' in html
    assert 'value="le matin"' in html  # what was typed is shown again
    assert not [c for c in fake.domain_calls() if c.method == "create_place"]


def test_an_edit_sends_only_what_changed_status_included(site):
    api, fake, people = site
    fake.script[("directory", "update_place")] = ATELIER
    form = people["manager"].client.get("/places/p2/modifier").text
    assert 'value="L&#39;Atelier"' in form and 'name="kind_fablab" value="1" checked' in form
    fields = {
        "place_id": "p2",
        "key": "edit-1",
        "name": "L'Atelier",
        "commune": "Mende",
        "postal_code": "48000",
        "status": "closed",
        "status_since": "2026-12-31",
        "lat": "44.5181",
        "lon": "3.5006",
        "kind_coworking": "1",
        "kind_fablab": "1",
        "equipment_wifi": "1",
        "equipment_printer_3d": "1",
        "networks": "SoLozère",
        "opening_hours": "Mo-Fr 09:00-18:00; Sa 09:00-12:00",
        "summary": "Coworking et fablab au centre de Mende.",
        "seats_resident": "6",
        "seats_drop_in": "8",
        "phone": "04 66 00 00 00",
        "emails": "bonjour@latelier.example",
    }
    response = post(people["manager"], "/lieux/enregistrer", **fields)
    assert response.status_code == 303 and response.headers["location"] == "/places/p2"
    [call] = [c for c in fake.domain_calls() if c.method == "update_place"]
    assert call.args == ("p2", {"status": "closed", "status_since": "2026-12-31"}, "edit-1")


def test_a_member_may_not_open_the_forms(site):
    api, fake, people = site
    assert people["thierry"].client.get("/lieux/nouveau").status_code == 403
    assert people["thierry"].client.get("/places/p2/modifier").status_code == 403
    assert post(people["thierry"], "/lieux/enregistrer", place_id="p2", **NEW).status_code == 403
    assert api.get("/lieux/nouveau", follow_redirects=False).status_code == 303  # sign in


def test_a_refusal_from_the_directory_is_shown_on_the_form(site):
    api, fake, people = site
    error = remote("directory", Forbidden("you may not edit this place", what="place", id="p2"))
    fake.script[("directory", "create_place")] = error
    response = post(people["coordinator"], "/lieux/nouveau", **NEW)
    assert response.status_code == 422 and "La fiche n&#39;est pas enregistrée" in response.text
