"""Sample payloads shared by the test suites (unit, gateway, service, end-to-end)."""

from __future__ import annotations

# A place as the API receives it: the Riez tiers-lieu in the Verdon.
PLACE = {
    "name": "Tiers-lieu de Riez",
    "commune": "Riez",
    "postal_code": "04500",
    "status": "open",
    "location": {"lat": 43.8186, "lon": 6.0928},
}

# ``booking_confirmed`` event data: Marceline's appointment at the digital help desk.
BOOKING_CONFIRMED = {
    "booking_id": "6650c0ffee0000000000000c",
    "resource_id": "6650c0ffee0000000000000b",
    "resource_name": "Salle de réunion",
    "place_id": "6650c0ffee0000000000000a",
    "place_name": "La Grange numérique",
    "start": "2026-12-01T09:00:00+01:00",
    "end": "2026-12-01T10:00:00+01:00",
    "seats": 2,
    "name": "Marceline Dupont",
    "email": "marceline@example.org",
    "language": "fr",
}
