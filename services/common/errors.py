"""Typed domain errors. They cross nameko RPC by class name and become HTTP statuses at the edge.

Pure module: no nameko import, so the gateway maps errors with the same table.
"""

from __future__ import annotations

import json
from typing import Any


class MaillageError(Exception):
    """Base of every error a service raises on purpose; carries an HTTP status and a code."""

    status = 400
    code = "bad_request"
    title = "Requête invalide"

    def __init__(self, detail: str, extra: dict[str, Any] | None = None) -> None:
        # Both go in args, the details as JSON text: nameko serialises ``exc_args`` but turns
        # every non-string scalar into a string, so numbers would reach the gateway as text.
        super().__init__(detail, json.dumps(extra or {}, default=str))
        self.detail = detail
        self.extra = extra or {}

    def __str__(self) -> str:
        return self.detail


class ValidationFailed(MaillageError):
    status = 422
    code = "validation_failed"
    title = "Données invalides"


class NotFound(MaillageError):
    status = 404
    code = "not_found"
    title = "Introuvable"


class Conflict(MaillageError):
    status = 409
    code = "conflict"
    title = "Conflit"


class CapacityExceeded(Conflict):
    code = "capacity_exceeded"
    title = "Plus de place disponible"


class IdempotencyMismatch(Conflict):
    code = "idempotency_key_reused"
    title = "Clé d'idempotence déjà utilisée pour une autre requête"


class MalformedRequest(MaillageError):
    status = 400
    code = "malformed_request"
    title = "Message mal formé"


ERRORS_BY_NAME: dict[str, type[MaillageError]] = {
    cls.__name__: cls
    for cls in (
        MaillageError,
        ValidationFailed,
        NotFound,
        Conflict,
        CapacityExceeded,
        IdempotencyMismatch,
        MalformedRequest,
    )
}


def error_class(exc_type: str) -> type[MaillageError] | None:
    """The domain error class for a remote ``exc_type`` name, or None for an unexpected error."""
    return ERRORS_BY_NAME.get(exc_type)


def remote_details(exc_args: list[Any]) -> tuple[str, dict[str, Any]]:
    """Detail and extra fields back from a serialised ``MaillageError``'s ``exc_args``."""
    detail = str(exc_args[0]) if exc_args else ""
    extra: dict[str, Any] = {}
    if len(exc_args) > 1 and isinstance(exc_args[1], str):
        try:
            decoded = json.loads(exc_args[1])
        except ValueError:
            decoded = None
        extra = decoded if isinstance(decoded, dict) else {}
    return detail, extra
