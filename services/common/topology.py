"""Who listens to what, read from the handlers themselves.

A consumer declares what it listens to where it handles it (``@reliable_handler(source,
type)``); the queues to declare before any publisher starts (``make run``, RabbitMQ
definitions) and the contract tests are computed from those declarations. RabbitMQ drops an
event published while no queue is bound to its exchange; declaring these queues at deploy time
keeps events for a consumer that starts later. Names follow nameko's SERVICE_POOL handler
queues.
"""

from __future__ import annotations

import inspect
from typing import NamedTuple

from nameko.events import EventHandler
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR


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


def consumers_of(service_cls: type) -> list[Consumer]:
    """Every event handler entrypoint declared on a nameko service class."""
    found = []
    for method, member in inspect.getmembers(service_cls, inspect.isfunction):
        for extension in getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(extension, EventHandler):
                found.append(
                    Consumer(
                        extension.source_service, extension.event_type, service_cls.name, method
                    )
                )
    return sorted(found)
