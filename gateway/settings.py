"""Gateway settings: the common ones plus the HTTP edge's own."""

from __future__ import annotations

from functools import lru_cache

from pydantic import field_validator

from contracts import SERVICE_NAMES
from services.common.settings import Settings


class GatewaySettings(Settings):
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    rpc_pool_size: int = 8
    # Seconds between AMQP heartbeats of the gateway's connections; the broker drops a
    # connection that misses two. Idle slots are serviced and checked before use.
    rpc_heartbeat: int = 30
    # Seconds a service's "up" answer is reused before asking it again; "absent" is never
    # reused: an absent service is asked again on the next request.
    capabilities_ttl: float = 5.0
    probe_timeout: float = 2.0
    max_body_bytes: int = 64 * 1024
    # Bearer token for /api/admin; empty disables those routes.
    admin_token: str = ""
    # Origins allowed to call the API from a browser (CORS), comma-separated; empty: none.
    cors_origins: str = ""
    map_tiles_url: str = ""  # web map background tiles ({z}/{x}/{y}); empty: none, offline
    # The services this territory is supposed to run, comma-separated
    # (deploy/territories/<name>.yaml): /api/ready waits for them. Empty: the gateway alone.
    services: str = ""

    @field_validator("services")
    @classmethod
    def _known_services(cls, value: str) -> str:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = sorted(set(names) - set(SERVICE_NAMES))
        if unknown:
            raise ValueError(f"unknown services {unknown}; known: {', '.join(SERVICE_NAMES)}")
        return ",".join(names)

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        return tuple(o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip())

    @property
    def expected_services(self) -> tuple[str, ...]:
        return tuple(name for name in self.services.split(",") if name)


@lru_cache
def get_gateway_settings() -> GatewaySettings:
    return GatewaySettings()
