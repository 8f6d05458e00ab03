"""Random secrets, their digests, and password hashes (argon2id)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from ..settings import GatewaySettings

# 256 bits of randomness, URL-safe: session ids, API tokens, link tokens.
SECRET_BYTES = 32
API_TOKEN_PREFIX = "mlg_"  # recognisable in a leaked log or a secret scanner
CALENDAR_TOKEN_PREFIX = "mcal_"  # a calendar feed's URL: reads bookings, nothing else


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    """What the database keeps of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Passwords:
    """argon2id hashes with the configured cost; ``verify`` tells when to rehash."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        # Verified when the address is unknown, so that it costs the same time as a known one.
        self._decoy = self.hasher.hash(new_secret())

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored`` (None: no password; a decoy is verified
        all the same)."""
        try:
            return self.hasher.verify(stored or self._decoy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)
