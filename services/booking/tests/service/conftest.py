"""Booking's service fixtures: clients that send a caller, as the gateway does."""

from __future__ import annotations

import pytest

from services.common.tests.callers import (
    MANAGER,
    VERONIQUE,
    as_,  # noqa: F401 (a fixture)
)


@pytest.fixture
def manager(as_):  # noqa: F811 (the fixture above)
    """Riez's facilitator (``place-1``), who creates its resources."""
    return as_(MANAGER)


@pytest.fixture
def member(as_):  # noqa: F811
    """Véronique, signed in: she books for herself."""
    return as_(VERONIQUE)
