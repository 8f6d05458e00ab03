"""Pages reached from emails: a place link, and unsubscribing (form and RFC 8058 one-click)."""

from __future__ import annotations

from contracts.notifications import InvalidUnsubscribeLink

from .fakes import FakeRpc, client, remote

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_place_links_open_the_web_client_on_that_place():
    response = client(FakeRpc()).get("/places/abc123", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/#lieu/abc123"


def test_following_the_link_only_shows_a_confirmation_form():
    fake = FakeRpc()
    response = client(fake).get("/unsubscribe", params={"email": "<b>m@x.org", "token": "t1"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'lang="fr"' in response.text and 'method="post"' in response.text
    assert "&lt;b&gt;m@x.org" in response.text and "<b>m@x.org" not in response.text
    assert fake.domain_calls() == []  # a mail scanner fetching the link changes nothing


def test_confirming_the_form_unsubscribes():
    fake = FakeRpc(script={("notifications", "unsubscribe"): {"unsubscribed": True}})
    response = client(fake).post("/unsubscribe", content=b"email=m%40x.org&token=t1", headers=FORM)
    assert response.status_code == 200 and "ne recevra plus" in response.text
    [call] = fake.domain_calls()
    assert (call.service, call.method, call.args) == (
        "notifications",
        "unsubscribe",
        ("m@x.org", "t1"),
    )


def test_one_click_unsubscribe_reads_the_link_itself():
    fake = FakeRpc(script={("notifications", "unsubscribe"): {"unsubscribed": True}})
    response = client(fake).post(
        "/unsubscribe?email=m%40x.org&token=t2",
        content=b"List-Unsubscribe=One-Click",
        headers=FORM,
    )
    assert response.status_code == 200
    assert fake.domain_calls()[0].args == ("m@x.org", "t2")


def test_a_forged_link_is_refused_kindly():
    error = remote("notifications", InvalidUnsubscribeLink("invalid", field="token"))
    fake = FakeRpc(script={("notifications", "unsubscribe"): error})
    response = client(fake).post("/unsubscribe", content=b"email=m%40x.org&token=bad", headers=FORM)
    assert response.status_code == 400 and "pas valide" in response.text


def test_without_notifications_the_page_says_to_retry_later():
    fake = FakeRpc(down={"notifications"})
    response = client(fake).post("/unsubscribe", content=b"email=m%40x.org&token=t", headers=FORM)
    assert response.status_code == 503 and "réessayer" in response.text


def test_forms_are_accepted_only_where_expected():
    response = client(FakeRpc()).post("/api/places", content=b"name=x", headers=FORM)
    assert response.status_code == 415
