"""Shared shapes of request models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A request body: unknown fields refused, surrounding spaces trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
