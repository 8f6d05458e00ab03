"""Request shapes of the booking service: validated by the service, reused by the gateway's
OpenAPI. Pure pydantic, no nameko."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field


class ResourceKind(StrEnum):
    desk_pool = "desk_pool"
    office = "office"
    meeting_room = "meeting_room"
    equipment = "equipment"
    appointment_slot = "appointment_slot"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResourceIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    kind: ResourceKind
    seats: int = Field(1, ge=1, le=500, strict=True)


class BookingIn(Strict):
    resource_id: str = Field(min_length=1, max_length=64)
    start: AwareDatetime
    end: AwareDatetime
    seats: int = Field(1, ge=1, le=500, strict=True)
    name: str = Field(min_length=1, max_length=120)
    email: EmailStr
    language: str = Field("fr", pattern="^(fr|en)$")


class ResourceOut(BaseModel):
    id: str
    place_id: str
    name: str
    kind: ResourceKind
    seats: int


class BookingOut(BaseModel):
    id: str
    resource_id: str
    start: datetime
    end: datetime
    seats: int
    name: str
    email: str
    status: str
