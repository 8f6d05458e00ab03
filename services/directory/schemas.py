"""Request shapes of the directory: validated by the service, reused by the gateway."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class PlaceStatus(StrEnum):
    open = "open"
    project = "project"
    closed = "closed"


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90, strict=True)
    lon: float = Field(ge=-180, le=180, strict=True)


class PlaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=160)
    commune: str = Field(min_length=1, max_length=120)
    postal_code: str = Field(pattern=r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")
    status: PlaceStatus
    location: Location


class PlaceOut(BaseModel):
    id: str
    name: str
    commune: str
    postal_code: str
    status: PlaceStatus
    location: Location
