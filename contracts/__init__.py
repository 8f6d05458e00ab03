"""What crosses a process boundary: RPC request and reply models, event models, error codes.

One module per owning service. The gateway and the consumers import these, never a service's
internals; ``services/common`` is machinery and names no service.
"""

from __future__ import annotations

from types import ModuleType

from . import booking, clubs, directory, notifications

OWNERS: tuple[ModuleType, ...] = (directory, booking, clubs, notifications)
SERVICE_NAMES: tuple[str, ...] = tuple(module.SERVICE for module in OWNERS)
# Default Prometheus port of each service; the gateway serves /metrics on its HTTP port.
METRICS_PORTS: dict[str, int] = {module.SERVICE: module.METRICS_PORT for module in OWNERS}


def owner(service: str) -> ModuleType:
    """The contract module of ``service``; ``KeyError`` for a service that does not exist."""
    for module in OWNERS:
        if service == module.SERVICE:
            return module
    raise KeyError(f"unknown service {service!r}: one of {', '.join(SERVICE_NAMES)}")
