"""Booking's pure rules: ``periods`` (slots and limits of a period) and ``states`` (the
booking state machine). Their names are re-exported here, so ``rules.slots`` keeps working."""

from .periods import (
    HORIZON,
    MAX_DURATION,
    PAST_TOLERANCE,
    SLOT,
    check_period,
    check_seats,
    slots,
)
from .states import ABANDONED_AFTER

__all__ = [
    "ABANDONED_AFTER",
    "HORIZON",
    "MAX_DURATION",
    "PAST_TOLERANCE",
    "SLOT",
    "check_period",
    "check_seats",
    "slots",
]
