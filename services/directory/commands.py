"""What the directory writes; every write is idempotent by key and stages its events. The
places' writes are in ``places``; this module keeps their earlier names."""

from __future__ import annotations

from .places import create_place, may_create_place

__all__ = ["create_place", "may_create_place"]
