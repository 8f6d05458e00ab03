"""Who listens to what: the consumer queues to declare before any publisher starts.

RabbitMQ drops an event published while no queue is bound to its exchange; declaring these
queues at deploy time (``make run``, RabbitMQ definitions) keeps events for a consumer that
starts later. Names follow nameko's SERVICE_POOL handler queues.
"""

from __future__ import annotations

from typing import NamedTuple


class Consumer(NamedTuple):
    source: str
    event_type: str
    service: str
    method: str

    @property
    def exchange(self) -> str:
        return f"{self.source}.events"

    @property
    def queue(self) -> str:
        return f"evt-{self.source}-{self.event_type}--{self.service}.{self.method}"


CONSUMERS: tuple[Consumer, ...] = (
    Consumer("directory", "place_created", "booking", "on_place_created"),
    Consumer("directory", "place_created", "notifications", "on_place_created"),
    Consumer("booking", "booking_confirmed", "notifications", "on_booking_confirmed"),
)


def consumers_for(services: list[str] | tuple[str, ...]) -> list[Consumer]:
    """The queues a deployment running ``services`` needs."""
    return [c for c in CONSUMERS if c.service in services]
