"""Clubs' service fixtures: clients that send a caller, as the gateway does."""

from __future__ import annotations

from services.common.tests.callers import as_  # noqa: F401 (a fixture)
