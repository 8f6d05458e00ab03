"""A permanence's pages, rendered by the gateway with a fake booking service: slots as
choices, the form for a member and for a manager, refusals beside the slot, the confirmation
with the text after booking, and the place page's list."""

from __future__ import annotations

from urllib.parse import urlencode

from contracts.booking import NotASlot, PhoneRequired

from .fakes import FakeRpc, accounts_client, client, member, remote, site_fake

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MOTIF = {
    "code": "demarches",
    "label": "Démarches en ligne",
    "duration_minutes": 30,
    "modes": ["in_person", "phone"],
    "capacity": 1,
    "min_delay_hours": 0,
    "max_delay_days": 60,
    "text_before": "CAF, impôts : on vous aide.",
    "text_after": "Préparez vos identifiants.",
}
PERMANENCE = {
    "id": "perm1",
    "place_id": "p1",
    "resource_id": "agent1",
    "agent_name": "Paul Martin",
    "organisation": "Aide numérique",
    "rule": "We[2,4] 14:00-17:00",
    "closures": [],
    "timezone": "Europe/Paris",
    "room_resource_id": None,
    "room_held_until": None,
    "motifs": [MOTIF],
    "seat_unit": 1,
    "status": "open",
}
SLOTS = {
    "permanence_id": "perm1",
    "motif": "demarches",
    "timezone": "Europe/Paris",
    "start": "2030-05-01T00:00:00+02:00",
    "end": "2030-05-15T00:00:00+02:00",
    "slots": [
        {"start": f"2030-05-08T{a}:00+02:00", "end": f"2030-05-08T{b}:00+02:00", "places_left": 1}
        for a, b in (("14:00", "14:30"), ("14:30", "15:00"))
    ],
}
APPOINTMENT = {
    "id": "b9",
    "resource_id": "agent1",
    "start": "2030-05-08T14:00:00+02:00",
    "end": "2030-05-08T14:30:00+02:00",
    "seats": 1,
    "name": "Marceline Roux",
    "email": None,
    "phone": "06 12 34 56 78",
    "status": "confirmed",
    "permanence_id": "perm1",
    "motif": "demarches",
    "mode": "phone",
}


def fake(**script) -> FakeRpc:
    return site_fake(
        **{
            "booking.list_permanences": [PERMANENCE],
            "booking.get_permanence": PERMANENCE,
            "booking.permanence_slots": SLOTS,
            "booking.book_appointment": APPOINTMENT,
            "booking.get_booking": APPOINTMENT,
            **script,
        }
    )


def signed_in(rpc: FakeRpc, manages=()):
    api, _, _ = accounts_client(rpc)
    return member(api, "veronique@example.org", "Véronique Martin", (), manages, browser=True)


def post(who, **fields):
    body = {"permanence_id": "perm1", "motif": "demarches", "key": "k" * 32,
            "csrf_token": who.csrf, **fields}  # fmt: skip
    return who.client.post(
        "/rendez-vous", follow_redirects=False, content=urlencode(body).encode(), headers=FORM
    )


def booked(rpc: FakeRpc) -> list:
    return [c for c in rpc.domain_calls() if c.method == "book_appointment"]


def test_the_place_lists_its_permanences_with_their_rule_in_words():
    html = client(fake()).get("/places/p1").text
    assert '<a href="/permanences/perm1"><strong>Aide numérique</strong> — Paul Martin</a>' in html
    assert "2e et 4e mercredi, 14 h – 17 h" in html


def test_anyone_sees_the_slots_and_is_invited_to_sign_in():
    html = client(fake()).get("/permanences/perm1").text
    assert "<h1>Aide numérique — Paul Martin</h1>" in html
    assert "CAF, impôts : on vous aide." in html
    assert "14 h" in html and "14 h 30" in html
    assert 'action="/rendez-vous"' not in html
    assert "/connexion?suite=/permanences/perm1" in html


def test_a_member_books_a_slot_by_phone_for_herself():
    rpc = fake()
    who = signed_in(rpc)
    html = who.client.get("/permanences/perm1").text
    assert 'value="2030-05-08T14:00:00+02:00"' in html and "quelqu'un d'autre" not in html
    response = post(who, start=SLOTS["slots"][0]["start"], mode="phone", phone="06 11 22 33 44")
    assert response.status_code == 303 and response.headers["location"] == "/rendez-vous/b9"
    [call] = booked(rpc)
    assert call.args[0] == "perm1" and call.args[2] == "k" * 32
    assert call.args[1] == {
        "motif": "demarches",
        "start": "2030-05-08T14:00:00+02:00",
        "mode": "phone",
        "phone": "06 11 22 33 44",
        "language": "fr",
    }


def test_no_slot_chosen_or_no_phone_is_said_and_nothing_is_booked():
    rpc = fake()
    who = signed_in(rpc)
    response = post(who, mode="in_person")
    assert response.status_code == 422
    assert "Choisissez un créneau parmi ceux proposés." in response.text
    response = post(who, start=SLOTS["slots"][0]["start"], mode="phone")
    assert "donnez le numéro auquel vous appeler" in response.text
    assert booked(rpc) == []


def test_the_service_s_refusal_reads_above_the_form_with_a_new_key():
    refusal = remote("booking", NotASlot("x", field="start", motif="demarches",
                                         start="2030-05-08T14:15:00+02:00"))  # fmt: skip
    who = signed_in(fake(**{"booking.book_appointment": refusal}))
    response = post(who, start="2030-05-08T14:15:00+02:00", mode="in_person")
    assert response.status_code == 409
    assert "Aucun rendez-vous de ce motif ne commence à ce moment-là" in response.text
    assert 'name="key" value="' + "k" * 32 not in response.text
    phone = remote("booking", PhoneRequired("x", field="phone"))
    who = signed_in(fake(**{"booking.book_appointment": phone}))
    assert post(who, start=SLOTS["slots"][0]["start"], mode="in_person").status_code == 422


def test_a_manager_books_for_marceline_and_reads_the_confirmation():
    rpc = fake()
    who = signed_in(rpc, manages=("p1",))
    html = who.client.get("/permanences/perm1").text
    assert "Prendre rendez-vous pour quelqu'un d'autre" in html
    response = post(who, start=SLOTS["slots"][0]["start"], mode="phone",
                    phone="06 12 34 56 78", name="Marceline Roux")  # fmt: skip
    assert response.status_code == 303
    assert booked(rpc)[0].args[1]["name"] == "Marceline Roux"
    page = who.client.get("/rendez-vous/b9").text
    assert "Rendez-vous confirmé" in page and "Préparez vos identifiants." in page
    assert "Par téléphone : l'agent appellera au 06 12 34 56 78." in page
    assert "prévenez Marceline Roux par téléphone" in page
