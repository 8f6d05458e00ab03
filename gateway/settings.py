"""Gateway settings: the common ones plus the HTTP edge's own."""

from __future__ import annotations

from functools import lru_cache

from services.common.settings import Settings


class GatewaySettings(Settings):
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    rpc_pool_size: int = 8
    # Seconds a capability probe result is reused before asking the services again.
    capabilities_ttl: float = 5.0
    probe_timeout: float = 2.0
    max_body_bytes: int = 64 * 1024
    # Bearer token for /api/admin; empty disables those routes.
    admin_token: str = ""


@lru_cache
def get_gateway_settings() -> GatewaySettings:
    return GatewaySettings()
