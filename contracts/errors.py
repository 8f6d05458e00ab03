"""Typed errors with stable codes. A service raises one with parameters; nameko carries the
code and parameters over RPC; the edge chooses the words, in the reader's language.

Pure module: no nameko import. Each owner's contract module adds its own subclasses; every
subclass with a ``code`` is registered here, so the gateway maps a code to a status.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

ERRORS_BY_CODE: dict[str, type[MaillageError]] = {}


class MaillageError(Exception):
    """Base of every error a service raises on purpose: an HTTP status, a code, parameters.

    ``detail`` is an English sentence for logs and developers; people read the text the edge
    renders from the code and parameters.
    """

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            if cls.code in ERRORS_BY_CODE and ERRORS_BY_CODE[cls.code] is not cls:
                raise TypeError(f"error code {cls.code!r} declared twice")
            ERRORS_BY_CODE[cls.code] = cls

    def __init__(self, detail: str = "", /, **params: Any) -> None:
        # nameko serialises ``exc_args`` but turns every non-string scalar into a string:
        # the code and parameters travel as one JSON text so that numbers stay numbers.
        wire = json.dumps({"code": self.code, "params": params}, default=str)
        super().__init__(detail or self.code, wire)
        self.detail = detail or self.code
        self.params = params

    def __str__(self) -> str:
        return self.detail


ERRORS_BY_CODE[MaillageError.code] = MaillageError


class ValidationFailed(MaillageError):
    """Input that breaks a rule; ``field`` names the field when there is one, ``errors`` lists
    several ``{"field", "message"}``."""

    status = 422
    code = "validation_failed"


class AuthenticationRequired(MaillageError):
    """Only a signed-in member (or the operator) may do this."""

    status = 401
    code = "authentication_required"


class NotFound(MaillageError):
    """``what`` (place, resource, booking…) and ``id``."""

    status = 404
    code = "not_found"


class Forbidden(MaillageError):
    """The caller may not do this to this object (not its owner, no role for it): ``what``
    and ``id`` when there is one."""

    status = 403
    code = "forbidden"


class Conflict(MaillageError):
    status = 409
    code = "conflict"


class IdempotencyMismatch(Conflict):
    """An Idempotency-Key already used for another request (``what``)."""

    code = "idempotency_key_reused"


class MalformedRequest(MaillageError):
    status = 400
    code = "malformed_request"


class DatabaseUnavailable(MaillageError):
    """The service's database cannot be reached (or cannot take writes) right now: nothing
    was acknowledged, and the same request (same Idempotency-Key) may be sent again."""

    status = 503
    code = "database_unavailable"


def remote_error(exc_args: list[Any]) -> tuple[type[MaillageError] | None, str, dict[str, Any]]:
    """(error class or None, code, params) back from a serialised error's ``exc_args``.

    None when the code is unknown: the edge answers 500 rather than trust an unknown status.
    """
    code, params = "", {}
    if len(exc_args) > 1 and isinstance(exc_args[1], str):
        try:
            decoded = json.loads(exc_args[1])
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            code = str(decoded.get("code") or "")
            params = decoded.get("params") if isinstance(decoded.get("params"), dict) else {}
    return ERRORS_BY_CODE.get(code), code, params
