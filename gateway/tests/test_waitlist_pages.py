"""The waitlist on the web, against a fake booking service: a full slot offers to wait, the
second click sends ``waitlist: true``; the emails' link pages act on a POST only."""

from __future__ import annotations

from contracts.booking import InvalidWaitlistLink, NoSeatLeft

from .fakes import form_body, remote, site_fake
from .test_pages import created, post_booking, signed_in

FULL = NoSeatLeft("no seat left", seats_total=1, seats_taken=1, seats_requested=1)
BUTTON = "M'inscrire sur la liste d'attente"


def test_a_full_slot_offers_the_waitlist_and_the_second_click_waits():
    fake = site_fake(**{"booking.create_booking": remote("booking", FULL)})
    veronique = signed_in(fake)
    refused = post_booking(veronique)
    assert refused.status_code == 409 and BUTTON in refused.text
    assert "waitlist" not in created(fake)[0].args[0]  # a plain booking's body, as before
    post_booking(veronique, waitlist="1")
    assert created(fake)[1].args[0]["waitlist"] is True


def test_a_form_not_refused_for_seats_offers_no_waitlist():
    veronique = signed_in(site_fake())
    assert BUTTON not in veronique.client.get("/places/p1").text


def test_the_leave_link_asks_first_then_leaves_on_the_button():
    fake = site_fake(**{"booking.leave_waitlist": {"id": "b1", "status": "cancelled"}})
    veronique = signed_in(fake)
    page = veronique.client.get("/waitlist/leave", params={"token": "b1.mac"})
    assert page.status_code == 200 and "Oui, je quitte la liste d'attente" in page.text
    assert [c for c in fake.domain_calls() if c.method == "leave_waitlist"] == []  # a GET: nothing
    done = veronique.client.post(
        "/waitlist/leave", **form_body(token="b1.mac", csrf_token=veronique.csrf)
    )
    assert done.status_code == 200 and "vous n'êtes plus sur la liste" in done.text
    [call] = [c for c in fake.domain_calls() if c.method == "leave_waitlist"]
    assert call.args[0] == "b1.mac"


def test_a_forged_accept_link_is_refused_kindly():
    error = InvalidWaitlistLink("invalid waitlist link", field="token")
    fake = site_fake(**{"booking.accept_offer": remote("booking", error)})
    veronique = signed_in(fake)
    done = veronique.client.post(
        "/waitlist/accept", **form_body(token="b1.forged", csrf_token=veronique.csrf)
    )
    assert done.status_code == 400 and "Lien invalide" in done.text
    [call] = [c for c in fake.domain_calls() if c.method == "accept_offer"]
    assert call.args[:2] == ("b1", "b1.forged")


def test_my_bookings_shows_an_offer_to_take_and_the_list_to_leave():
    from .fakes import BOOKING_OUT
    from .test_account_pages import TOKEN_FIELD, accounts_client, post
    from .test_account_pages import signed_in as confirmed

    offered = {**BOOKING_OUT, "status": "offered", "offer_expires_at": "2030-05-01T08:00:00+00:00"}
    waiting = {**BOOKING_OUT, "id": "b2", "status": "waitlisted"}
    answers = {"booking.my_bookings": [offered, waiting], "booking.accept_offer": offered}
    web, events, _ = accounts_client(site_fake(**answers))
    csrf = confirmed(web, events)
    html = web.get("/mes-reservations").text
    assert "Une place vous attend" in html and "jusqu'au mercredi 1er mai 2030, 10 h" in html
    assert html.count("Quitter la liste d'attente") == 2 and "Prendre la place" in html
    taken = post(web, "/mes-reservations/accepter", csrf_token=csrf, booking_id="b1", key="k" * 32)
    assert taken.status_code == 303 and taken.headers["location"] == "/mes-reservations"
    [call] = [c for c in web.app.state.rpc.domain_calls() if c.method == "accept_offer"]
    assert call.args == ("b1", None, "k" * 32)
    assert TOKEN_FIELD.search(html).group(1) == csrf


def test_the_booking_page_of_a_waiting_booking_says_it_waits():
    from .fakes import BOOKING_OUT

    waiting = {**BOOKING_OUT, "status": "waitlisted"}
    veronique = signed_in(site_fake(**{"booking.get_booking": waiting}))
    html = veronique.client.get("/reservations/b1").text
    assert "<h1>Sur liste d'attente</h1>" in html and "Réservation confirmée" not in html
