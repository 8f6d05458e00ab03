"""Helpers of the notifications service tests."""

from __future__ import annotations

from tests.support import metric_total


def handled(handler: str) -> float:
    """How many deliveries of events the inbox has finished with, whatever the outcome."""
    return metric_total("maillage_events_handled_total", service="notifications", handler=handler)
