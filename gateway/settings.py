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
    # Accounts (gateway/accounts): how long a web session, an API token and each emailed
    # single-use link live.
    session_hours: float = 14 * 24
    api_token_days: float = 90
    confirmation_link_hours: float = 48
    sign_in_link_minutes: float = 20
    password_reset_minutes: float = 60
    # argon2id's cost (argon2-cffi's defaults, RFC 9106's second recommendation); a hash
    # made with other parameters is redone at the next sign-in.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    argon2_parallelism: int = 4
    # Sign-in, sign-up, one-time links and password resets (gateway/ratelimit.py): at most
    # this many attempts of each kind per address and per IP in each window.
    rate_limit_window_seconds: int = 15 * 60
    rate_limit_per_address: int = 10
    rate_limit_per_ip: int = 50
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
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS when the public address is HTTPS."""
        return self.public_url.lower().startswith("https://")

    @property
    def expected_services(self) -> tuple[str, ...]:
        return tuple(name for name in self.services.split(",") if name)


@lru_cache
def get_gateway_settings() -> GatewaySettings:
    return GatewaySettings()
