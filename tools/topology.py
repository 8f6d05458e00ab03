"""The platform's consumers, gathered from the services' own handler declarations.

Imports each service's ``service`` module (nameko, no monkey patch, no connection), so it is
for deploy tooling and tests, never for a running service.
"""

from __future__ import annotations

import importlib
import inspect
from functools import cache

from contracts import SERVICE_NAMES
from services.common.topology import Consumer, consumers_of

# Who publishes events: every service, and the gateway (no nameko service; its events are
# declared in contracts/gateway.py and published to ``gateway.events`` by gateway/events.py).
NON_SERVICE_SOURCES: tuple[str, ...] = ("gateway",)
EVENT_SOURCES: tuple[str, ...] = (*SERVICE_NAMES, *NON_SERVICE_SOURCES)


def service_class(name: str) -> type:
    """The nameko service class of ``services/<name>/service.py``."""
    module = importlib.import_module(f"services.{name}.service")
    [cls] = [
        c
        for c in vars(module).values()
        if inspect.isclass(c) and c.__module__ == module.__name__ and hasattr(c, "name")
    ]
    return cls


@cache
def all_consumers() -> tuple[Consumer, ...]:
    found = tuple(sorted(c for name in SERVICE_NAMES for c in consumers_of(service_class(name))))
    unknown = sorted({c.source for c in found} - set(EVENT_SOURCES))
    if unknown:
        raise ValueError(f"handlers listen to unknown sources {unknown}: one of {EVENT_SOURCES}")
    return found


def consumers_for(services: list[str] | tuple[str, ...]) -> list[Consumer]:
    """The queues a deployment running ``services`` needs."""
    return [c for c in all_consumers() if c.service in services]
