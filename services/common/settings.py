"""Configuration from the environment (prefix ``MAILLAGE_``), one class for every process."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILLAGE_", extra="ignore")

    territory: str = Field("verdon", pattern=r"^[a-z][a-z0-9_]{1,40}$")
    # Shown to people: "Parc naturel régional du Verdon" rather than "verdon".
    territory_label: str = ""
    # One vhost per territory: several territories can share a broker without cross-talk.
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/maillage_verdon"
    mongo_uri: str = "mongodb://127.0.0.1:27017/"
    # How long a database call waits for a server before failing (pymongo's default is 30 s):
    # short enough that a database outage answers 503 within 5 s end to end, even when the
    # service's workers are all busy waiting on it (requests queue for a round or two).
    mongo_timeout_ms: int = 1000
    # Which nodes acknowledge a write: "auto" is "majority" when the URI names a replicaSet,
    # else 1; or "majority", or a number. Journaled too (j: true) unless mongo_journal is
    # false: without it a crashed database can lose writes it acknowledged.
    mongo_write_concern: str = Field("auto", pattern=r"^(auto|majority|[0-9]+)$")
    mongo_journal: bool = True
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_from: str = "Maillage <no-reply@maillage.local>"
    coordinator_email: str = "coordination@maillage.local"
    public_url: str = "http://127.0.0.1:8000"
    # Overrides the service's own default port (its contract's METRICS_PORT).
    metrics_port: int | None = None
    # Loopback by default (make run); containers set 0.0.0.0 so that Prometheus can scrape.
    metrics_host: str = "127.0.0.1"
    metrics_enabled: bool = True
    log_level: str = "INFO"
    log_json: bool = True
    rpc_timeout: float = 10.0
    # Consumer retries: attempts before an event is parked as dead letter, and the first delay.
    handler_max_attempts: int = 5
    handler_retry_base_seconds: float = 2.0
    outbox_poll_seconds: float = 1.0
    # Emails (notifications): how often the sender looks for due ones, the first delay after a
    # temporary failure (doubled each time, up to the maximum), and when to give up.
    email_poll_seconds: float = 1.0
    email_retry_base_seconds: float = 5.0
    email_retry_max_seconds: float = 3600.0
    email_give_up_hours: float = 72.0
    # A burst of edits to one thing (a workshop's times tried several ways) within this
    # window sends each person one email, the latest, once the edits have settled.
    email_edit_window_seconds: float = 300.0
    # A claim older than this belongs to a sender that died (or lost its database) mid-send:
    # another round may take the email over. Longer than any SMTP exchange.
    email_claim_seconds: float = 120.0
    # The reply relay (notifications): replies to r-<token>@<relay_domain> reach the other
    # party without either address shown. Empty: no relay, emails carry no Reply-To. The
    # domain's MX must point at the relay listener (python -m services.notifications.relay_server).
    relay_domain: str = ""
    relay_host: str = "127.0.0.1"
    relay_port: int = 8026
    relay_max_bytes: int = 1_000_000
    default_language: str = "fr"
    # Closures imported from an .ics URL (booking): at most this long and this big, and from
    # public addresses only unless allowed (a local calendar server, the tests).
    ics_import_timeout_seconds: float = 5.0  # within the gateway's RPC timeout
    ics_import_max_bytes: int = 2_000_000
    ics_import_private_hosts: bool = False
    # Fair use (booking, issue 8): per member across every place of the territory; None: no
    # limit. Hours booked in one ISO week, and bookings not yet ended.
    quota_hours_per_week: float | None = Field(None, gt=0)
    quota_active_bookings: int | None = Field(None, ge=1)

    def database_name(self, service: str) -> str:
        return f"{self.territory}_{service}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
