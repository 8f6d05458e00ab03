"""Health, capabilities and the operator's dead-letter tools."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request

from contracts import SERVICE_NAMES

from ..deps import ServicesDep
from ..problems import ProblemException

router = APIRouter(prefix="/api", tags=["platform"])


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    return {"status": "ok", "territory": request.app.state.settings.territory}


@router.get("/capabilities")
def capabilities(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    return {
        "territory": settings.territory,
        "label": settings.territory_label or None,
        "services": request.app.state.capabilities.current(),
    }


def require_admin(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    token = request.app.state.settings.admin_token
    if not token:
        raise ProblemException(
            403, "les routes d'administration sont désactivées (MAILLAGE_ADMIN_TOKEN)"
        )
    if not hmac.compare_digest((authorization or "").encode(), f"Bearer {token}".encode()):
        raise ProblemException(401, "jeton d'administration manquant ou invalide")


def known_service(service: str) -> str:
    if service not in SERVICE_NAMES:
        raise ProblemException(404, f"service inconnu : {service}")
    return service


AdminOnly = Depends(require_admin)


@router.get("/admin/dead-letters/{service}", dependencies=[AdminOnly])
def dead_letters(service: str, services: ServicesDep) -> list[dict[str, Any]]:
    return services.call(known_service(service), "dead_letters")


@router.post("/admin/dead-letters/{service}/{dead_letter_id}/replay", dependencies=[AdminOnly])
def replay(service: str, dead_letter_id: str, services: ServicesDep) -> dict[str, Any]:
    if not services.call(known_service(service), "replay_dead_letter", dead_letter_id):
        raise ProblemException(404, f"aucune lettre morte {dead_letter_id}")
    return {"replayed": dead_letter_id}
