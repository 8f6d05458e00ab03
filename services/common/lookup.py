"""Find a document by its ObjectId text, or say plainly that it does not exist."""

from __future__ import annotations

from typing import Any, TypeVar

import mongoengine
from bson import ObjectId
from bson.errors import InvalidId

from contracts.errors import NotFound

Doc = TypeVar("Doc", bound=mongoengine.Document)


def get_or_404(document: type[Doc], object_id: str, what: str, **filters: Any) -> Doc:
    """The document with this id (and filters); ``NotFound`` also for an id that is no id."""
    try:
        found = document.objects(id=ObjectId(object_id), **filters).first()
    except (InvalidId, TypeError):
        found = None
    if found is None:
        raise NotFound(f"no {what} {object_id}", what=what, id=object_id)
    return found
