"""A place's name as booking reads it for a booking's event and email
(``projections.place_name``): kept by the process for a minute, forgotten at once when this
process's upkeep (``place_created``) rewrites the place."""

from __future__ import annotations

from services.booking import projections
from services.booking.models import KnownPlace


def test_a_name_is_read_once_then_the_upkeep_forgets_it_and_a_minute_expires_it(db, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(projections.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(projections, "_names", {})
    assert projections.place_name("p7") is None  # not known yet: not remembered as unknown
    projections.remember_place({"place_id": "p7", "name": "La Grange", "commune": "Riez"})
    assert projections.place_name("p7") == "La Grange"
    reads = []
    real = KnownPlace.objects.__class__.first

    def counted(queryset):
        reads.append(1)
        return real(queryset)

    monkeypatch.setattr(KnownPlace.objects.__class__, "first", counted)
    # Changed in the database by someone else (another replica's upkeep): this process
    # answers its name for a minute without a read, then reads it again.
    KnownPlace.objects(place_id="p7").update_one(set__name="La Grange d'en haut")
    assert projections.place_name("p7") == "La Grange" and reads == []
    clock[0] += projections.NAME_TTL_SECONDS
    assert projections.place_name("p7") == "La Grange d'en haut" and reads == [1]
    # This process's own upkeep: seen by the very next read.
    projections.remember_place({"place_id": "p7", "name": "Le Moulin", "commune": "Riez"})
    assert projections.place_name("p7") == "Le Moulin"
