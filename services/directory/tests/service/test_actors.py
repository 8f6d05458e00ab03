"""Local actors, their search and contact requests, against RabbitMQ and SecantusDB."""

from __future__ import annotations

import uuid

import pytest
from nameko.exceptions import RemoteError

from services.common.tests.callers import ADMIN, THIERRY, VERONIQUE
from services.directory import contacts
from services.directory.service import DirectoryService
from tests.samples import PLACE
from tests.support import EventTap, error_code

RIEZ = (43.8186, 6.0928)
GITE = {
    "name": "Gîte des Lavandes",
    "trade": "chambres d'hôtes",
    "categories": ["sleep"],
    "commune": "Riez",
    "postal_code": "04500",
    "insee_code": "04166",
    "location": {"lat": 43.8200, "lon": 6.0950},
    "tags": ["télétravail", "fibre"],
    "summary": "Trois chambres au calme, petit-déjeuner local.",
    "email": "gite.lavandes@example.org",
    "phone": "04 92 00 00 01",
}
# Valensole is about 9 km from Riez; the repairer travels 25 km around it.
REPAIR = {
    **GITE,
    "name": "Dépann'Info Plateau",
    "trade": "dépannage informatique",
    "categories": ["it_services"],
    "commune": "Valensole",
    "postal_code": "04210",
    "insee_code": "04230",
    "location": {"lat": 43.8375, "lon": 5.9833},
    "service_radius_km": 25,
    "tags": [],
    "summary": "Ordinateurs, box, imprimantes : je me déplace.",
    "email": "depann@example.org",
    "phone": None,
    "show_contact": True,
}
MOUSTIERS_CAFE = {
    **GITE,
    "name": "Café de la Place",
    "trade": "café restaurant",
    "categories": ["eat", "go_out"],
    "commune": "Moustiers-Sainte-Marie",
    "postal_code": "04360",
    "insee_code": "04135",
    "location": {"lat": 43.8456, "lon": 6.2214},
    "email": "cafe@example.org",
    "phone": None,
    "tags": [],
}


@pytest.fixture
def directory(start_service):
    return start_service(DirectoryService)


def key() -> str:
    return uuid.uuid4().hex


def test_actor_lifecycle_privacy_history_and_events(directory, as_, coordinator, amqp_uri):
    tap = EventTap(amqp_uri, "directory", "#")  # every directory event, in order
    anyone = as_(None)
    # Members propose (contributions); they do not add directly.
    with pytest.raises(RemoteError) as refused:
        as_(VERONIQUE).directory.create_actor(GITE, key())
    assert error_code(refused.value) == "forbidden"
    with pytest.raises(RemoteError) as refused:
        anyone.directory.create_actor(GITE, key())
    assert error_code(refused.value) == "authentication_required"

    made = coordinator.directory.create_actor(GITE, "gite-1")
    assert coordinator.directory.create_actor(GITE, "gite-1") == made  # a retry: the same
    # A visitor sees no email nor phone; the coordinator does.
    public = anyone.directory.get_actor(made["id"])
    assert public["name"] == "Gîte des Lavandes"
    assert public["email"] is None and public["phone"] is None
    assert coordinator.directory.get_actor(made["id"])["email"] == GITE["email"]
    found = anyone.directory.search_actors({"q": "lavande"})
    assert [a["email"] for a in found["items"]] == [None]

    # Only the owner or a coordinator edits; Thierry is neither.
    with pytest.raises(RemoteError) as refused:
        as_(THIERRY).directory.update_actor(made["id"], {"summary": "Spam"}, key())
    assert error_code(refused.value) == "forbidden"
    with pytest.raises(RemoteError) as refused:  # a required field cannot be cleared
        coordinator.directory.update_actor(made["id"], {"name": None}, key())
    assert error_code(refused.value) == "validation_failed"
    changed = coordinator.directory.update_actor(
        made["id"], {"show_contact": True, "tags": ["vélo"]}, "upd-1"
    )
    assert changed["show_contact"] is True
    assert anyone.directory.get_actor(made["id"])["email"] == GITE["email"]
    assert anyone.directory.search_actors({"q": "velo"})["total"] == 1  # new words found
    assert anyone.directory.search_actors({"q": "teletravail"})["total"] == 0

    removed = as_(ADMIN).directory.remove_actor(made["id"], "rm-1")
    assert removed["status"] == "removed"
    assert anyone.directory.search_actors({})["total"] == 0
    with pytest.raises(RemoteError) as gone:
        anyone.directory.get_actor(made["id"])
    assert error_code(gone.value) == "not_found"

    events = tap.take(3)
    tap.close()
    assert [e["type"] for e in events] == ["actor_created", "actor_updated", "actor_removed"]
    assert events[1]["data"]["changed"] == ["show_contact", "tags"]


def test_search_by_text_category_commune_point_and_service_area(directory, as_, coordinator):
    for record in (GITE, REPAIR, MOUSTIERS_CAFE):
        coordinator.directory.create_actor(record, key())
    anyone = as_(None).directory
    assert [a["name"] for a in anyone.search_actors({"q": "GITE lav"})["items"]] == [
        "Gîte des Lavandes"
    ]
    assert [a["name"] for a in anyone.search_actors({"category": ["eat"]})["items"]] == [
        "Café de la Place"
    ]
    assert anyone.search_actors({"commune": "moustiers sainte marie"})["total"] == 1
    assert anyone.search_actors({"q": "dormir"})["total"] == 1  # the category's words
    # Around Riez within 5 km: the gîte (0.3 km) and the repairer 9 km away, whose 25 km
    # service area covers Riez; not the café, 11 km away with none.
    near = anyone.search_actors({"lat": RIEZ[0], "lon": RIEZ[1], "radius_km": 5})
    assert [a["name"] for a in near["items"]] == ["Gîte des Lavandes", "Dépann'Info Plateau"]
    assert near["items"][0]["distance_km"] < near["items"][1]["distance_km"]
    wider = anyone.search_actors({"lat": RIEZ[0], "lon": RIEZ[1], "radius_km": 15})
    assert [a["name"] for a in wider["items"]][-1] == "Café de la Place"
    # Opted in: the repairer's email shows to anyone.
    assert near["items"][1]["email"] == "depann@example.org"
    page = anyone.search_actors({"per_page": 2, "page": 2})
    assert page["total"] == 3 and len(page["items"]) == 1
    with pytest.raises(RemoteError) as bad:
        anyone.search_actors({"lat": 43.8})
    assert error_code(bad.value) == "validation_failed"


def test_contact_request_reply_and_counts(directory, as_, coordinator, amqp_uri):
    gite = coordinator.directory.create_actor(GITE, key())
    tap = EventTap(amqp_uri, "directory", "#")
    anyone = as_(None).directory
    request = {
        "target_type": "actor",
        "target_id": gite["id"],
        "name": "Véronique",
        "email": "veronique@example.org",
        "message": "Bonjour, avez-vous une chambre du 3 au 7 mars pour télétravailler ?",
    }
    sent = anyone.request_contact(request, "contact-1")
    assert anyone.request_contact(request, "contact-1") == sent
    assert sent["status"] == "sent" and "email" not in sent
    with pytest.raises(RemoteError) as spam:
        anyone.request_contact({**request, "website": "http://x.example"}, key())
    assert error_code(spam.value) == "contact_refused"

    requested = tap.take_until(lambda e: e["type"] == "contact_requested")[-1]
    data = requested["data"]
    assert data["recipient_email"] == GITE["email"]
    assert "veronique@example.org" not in str(data)  # the sender's address stays here
    token = data["reply_token"]
    thread = anyone.contact_request(token)
    assert thread["sender_email"] is None and thread["message"] == request["message"]
    with pytest.raises(RemoteError) as wrong:
        anyone.contact_request("not-a-token")
    assert error_code(wrong.value) == "not_found"

    replied = anyone.reply_contact(token, {"message": "Oui, c'est libre !"}, "reply-1")
    assert replied["sender_email"] == "veronique@example.org"  # revealed once replied
    assert anyone.reply_contact(token, {"message": "Oui, c'est libre !"}, "reply-1") == replied
    with pytest.raises(RemoteError) as twice:
        anyone.reply_contact(token, {"message": "Autre chose"}, key())
    assert error_code(twice.value) == "contact_already_replied"
    answer = tap.take_until(lambda e: e["type"] == "contact_replied")[-1]
    tap.close()
    assert answer["data"]["sender_email"] == "veronique@example.org"
    assert answer["data"]["reply_to"] == GITE["email"]

    # The coordinator sees counts, not content.
    with pytest.raises(RemoteError) as refused:
        anyone.contact_stats()
    assert error_code(refused.value) == "authentication_required"
    [row] = coordinator.directory.contact_stats()
    assert (row["requests"], row["replied"], row["name"]) == (1, 1, "Gîte des Lavandes")
    assert "message" not in row


def test_a_recipient_receives_a_bounded_number_of_requests_a_day(
    directory, as_, coordinator, monkeypatch
):
    place = coordinator.directory.create_place(PLACE, key())
    anyone = as_(None).directory
    with pytest.raises(RemoteError) as no_address:  # a place without a contact address
        anyone.request_contact(
            {
                "target_type": "place",
                "target_id": place["id"],
                "name": "Thierry",
                "email": "thierry@example.org",
                "message": "Bonjour, je cherche un bureau pour deux jours.",
            },
            key(),
        )
    assert error_code(no_address.value) == "contact_refused"
    cafe = coordinator.directory.create_actor(MOUSTIERS_CAFE, key())
    request = {
        "target_type": "actor",
        "target_id": cafe["id"],
        "name": "Thierry",
        "email": "thierry@example.org",
        "message": "Bonjour, servez-vous le midi en semaine ?",
    }
    monkeypatch.setattr(contacts, "PER_RECIPIENT_PER_DAY", 3)  # the service runs here
    for _ in range(3):
        anyone.request_contact(request, key())
    with pytest.raises(RemoteError) as limited:
        anyone.request_contact(request, key())
    assert error_code(limited.value) == "contact_limit_reached"


def test_portal_lists_portal_categories_nearest_first(directory, as_, coordinator):
    place = coordinator.directory.create_place(PLACE, key())
    for record in (GITE, REPAIR, MOUSTIERS_CAFE):
        coordinator.directory.create_actor(record, key())
    portal = as_(None).directory.portal(place["id"])
    sections = {s["category"]: [a["name"] for a in s["actors"]] for s in portal["sections"]}
    assert list(sections) == ["sleep", "eat", "go_out", "childcare", "it_services", "coworking"]
    assert sections["sleep"] == ["Gîte des Lavandes"]
    assert sections["it_services"] == ["Dépann'Info Plateau"]
    assert sections["eat"] == ["Café de la Place"]
    assert portal["place"]["id"] == place["id"]
    territory_wide = as_(None).directory.portal()
    assert territory_wide["place"] is None
