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

# A series booked weekly on Tuesdays and Thursdays, 9:00–12:00 in Paris, across the spring
# DST change (2026-03-29): the Thursday 26th was full (skipped).
BOOKING_SERIES_CONFIRMED = {
    "series_id": "6650c0ffee00000000000010",
    "resource_id": "6650c0ffee0000000000000b",
    "resource_name": "Salle de réunion",
    "place_id": "6650c0ffee0000000000000a",
    "place_name": "La Grange numérique",
    "timezone": "Europe/Paris",
    "dates": [
        {
            "booking_id": "6650c0ffee00000000000011",
            "start": "2026-03-24T09:00:00+01:00",
            "end": "2026-03-24T12:00:00+01:00",
        },
        {
            "booking_id": "6650c0ffee00000000000012",
            "start": "2026-03-31T09:00:00+02:00",
            "end": "2026-03-31T12:00:00+02:00",
        },
        {
            "booking_id": "6650c0ffee00000000000013",
            "start": "2026-04-02T09:00:00+02:00",
            "end": "2026-04-02T12:00:00+02:00",
        },
    ],
    "skipped": ["2026-03-26T09:00:00+01:00"],
    "rule": {"freq": "weekly", "weekdays": ["TU", "TH"], "interval": 1, "count": 4},
    "rrule": "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU,TH;COUNT=4",
    "first_start": "2026-03-24T09:00:00+01:00",
    "first_end": "2026-03-24T12:00:00+01:00",
    "seats": 1,
    "name": "Marceline Dupont",
    "email": "marceline@example.org",
    "language": "fr",
}
BOOKING_SERIES_CANCELLED = {
    **BOOKING_SERIES_CONFIRMED,
    "cancelled": ["2026-03-31T09:00:00+02:00", "2026-04-02T09:00:00+02:00"],
    "all_cancelled": False,
    "cancelled_by": "owner",
    "sequence": 1,
}
