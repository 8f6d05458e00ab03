"""A place's managers told of its bookings, against the real platform (issue 8: "whether the
place's managers are notified"): Sandrine is named manager of a place through
``PUT /api/admin/roles``, its room set to ``notify_managers`` through
``PATCH /api/resources/{id}``; Véronique books it; Sandrine gets one email naming her, with
the place's planning, and Véronique her confirmation. Before the setting, Sandrine got none."""

from __future__ import annotations

import pytest

from .helpers import (
    OPERATOR,
    add_resource,
    booking_for,
    create_place,
    deliveries,
    emails,
    member,
    wait_for,
)

pytestmark = pytest.mark.e2e


def test_a_manager_is_told_of_a_booking_when_the_resource_says_so(verdon, api):
    place = create_place(api, name="Tiers-lieu des gestionnaires")
    room = {"name": "Salle des veillées", "kind": "meeting_room", "seats": 2}
    resource = add_resource(api, place["id"], room)
    sandrine, manager = member(verdon, api, "Sandrine")
    veronique, hers = member(verdon, api, "Véronique")
    grant = {"email": sandrine, "role": "manager", "scope": f"place:{place['id']}"}
    assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200
    known_to_notifications(api, manager, [place["id"]])

    # The setting off (the default): her booking tells the manager nothing.
    before = api.post("/api/bookings", json=booking_for(resource["id"], hour=8), headers=hers)
    assert before.status_code == 201, before.text
    wait_for(lambda: emails(verdon.mail_dir, veronique) or None, timeout=30)

    patched = api.patch(
        f"/api/resources/{resource['id']}", json={"notify_managers": True}, headers=OPERATOR
    )
    assert patched.status_code == 200 and patched.json()["notify_managers"] is True, patched.text
    booked = api.post("/api/bookings", json=booking_for(resource["id"], hour=10), headers=hers)
    assert booked.status_code == 201, booked.text

    def told():
        got = [m for m in emails(verdon.mail_dir, sandrine) if "Véronique" in str(m["Subject"])]
        return got or None

    [message] = wait_for(told, timeout=30)
    assert str(message["Subject"]).startswith("Nouvelle réservation : Salle des veillées")
    text = message.get_body(("plain",)).get_content()
    assert f"/places/{place['id']}/planning" in text
    assert not list(message.iter_attachments())
    # One delivery for the manager in the log: the one of the booking made with the setting.
    kinds = [d["kind"] for d in deliveries(verdon) if d.get("rcpt") == sandrine]
    assert kinds.count("manager_booking_confirmed") == 1
    assert [
        m["Subject"] for m in emails(verdon.mail_dir, sandrine) if "Véronique" in str(m["Subject"])
    ] == [message["Subject"]]

    # Removed from the place: her next booking tells Sandrine nothing.
    removed = api.request("DELETE", "/api/admin/roles", json=grant, headers=OPERATOR)
    assert removed.status_code == 200, removed.text
    known_to_notifications(api, manager, [])
    after = api.post("/api/bookings", json=booking_for(resource["id"], hour=12), headers=hers)
    assert after.status_code == 201, after.text

    def confirmed_to_her() -> list[dict] | None:
        mine = [d for d in deliveries(verdon) if d.get("rcpt") == veronique]
        found = [d for d in mine if d["kind"] == "booking_confirmed"]
        return found if len(found) == 3 else None

    wait_for(confirmed_to_her, timeout=30)  # recorded with the managers' ones, if any
    kinds = [d["kind"] for d in deliveries(verdon) if d.get("rcpt") == sandrine]
    assert kinds.count("manager_booking_confirmed") == 1


def known_to_notifications(api, headers: dict, places: list[str]) -> None:
    """Wait until notifications has the gateway's word on whom the member manages: their
    export (``GET /api/me/export``) says which places notifications believes they manage."""

    def seen():
        export = api.get("/api/me/export", headers=headers).json()
        held = export["services"].get("notifications", {}).get("manages_places")
        return True if held == places else None

    wait_for(seen, timeout=30)
