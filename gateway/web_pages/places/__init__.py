"""The places: the list with its filters and map (``/lieux``, a GET form: works without
JavaScript, filtered and paged by the server), what a place page adds about the place itself
(its record, "open now", its hours in words, its clubs), and the coordinator's form to add a
place or edit one, its status included (``/lieux/nouveau``, ``/places/{id}/modifier``).
POST then 303; refusals beside their fields."""

from __future__ import annotations

from fastapi import APIRouter

from . import form, listing
from .labels import FORM_PATHS
from .record import place_details

router = APIRouter(include_in_schema=False)
router.include_router(listing.router)
router.include_router(form.router)

__all__ = ["FORM_PATHS", "place_details", "router"]
