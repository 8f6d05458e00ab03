"""Request validation shared by the services: pydantic errors become ``ValidationFailed``."""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from contracts.errors import ValidationFailed

Model = TypeVar("Model", bound=BaseModel)


def parse(model: type[Model], payload: Any) -> Model:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise ValidationFailed("invalid data", errors=errors) from None


def fingerprint(payload: dict[str, Any]) -> str:
    """Stable digest of a request, to tell a replay from a reuse of an idempotency key."""
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
