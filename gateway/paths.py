"""Path parameters that never swallow the word of a route beside them.

Without this, ``/api/bookings/preview`` would also be read as a booking named "preview" (and
``/api/places/import`` as a place, ``/api/clubs/{id}/members/me`` as a member named "me"):
the 405 for another method would then advertise the methods of the id's routes in
``Allow``, where the OpenAPI document lists only the word's own."""

from __future__ import annotations

import re

from starlette.convertors import StringConvertor, register_url_convertor


def reserve(name: str, *words: str) -> str:
    """Register the convertor ``name``: any path segment but ``words``; returns ``name`` for
    routes written ``"/{booking_id:booking_id}"``."""
    excluded = "|".join(re.escape(word) for word in words)
    convertor = type(
        f"{name}_convertor", (StringConvertor,), {"regex": f"(?!(?:{excluded})$)[^/]+"}
    )
    register_url_convertor(name, convertor())
    return name


reserve("booking_id", "preview")
reserve("place_id", "import")
reserve("member_id", "me")
