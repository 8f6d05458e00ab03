"""Interest clubs (clubs service)."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import ServicesDep

router = APIRouter(prefix="/clubs", tags=["clubs"])


@router.get("")
def list_clubs(services: ServicesDep) -> list[dict]:
    return services.call("clubs", "list_clubs")
