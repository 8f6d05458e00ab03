"""The operator's tools: dead letters of each service, listed and replayed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contracts import SERVICE_NAMES

from ..deps import AdminOnly, ServicesDep
from ..problems import ProblemException

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[AdminOnly])


def known_service(service: str) -> str:
    if service not in SERVICE_NAMES:
        raise ProblemException(404, "unknown_service", service=service)
    return service


@router.get("/dead-letters/{service}")
def dead_letters(service: str, services: ServicesDep) -> list[dict[str, Any]]:
    return services.call(known_service(service), "dead_letters")


@router.post("/dead-letters/{service}/{dead_letter_id}/replay")
def replay(service: str, dead_letter_id: str, services: ServicesDep) -> dict[str, Any]:
    if not services.call(known_service(service), "replay_dead_letter", dead_letter_id):
        raise ProblemException(404, "unknown_dead_letter", id=dead_letter_id)
    return {"replayed": dead_letter_id}
