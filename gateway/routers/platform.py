"""The platform's own routes: liveness, what this territory runs, and readiness.

``/api/health`` is the gateway alone (it answers while the services are still starting);
``/api/capabilities`` says which services answer; ``/api/ready`` says whether every service
this territory is supposed to run (``MAILLAGE_SERVICES``) answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ..problems import ProblemException

router = APIRouter(tags=["platform"])


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


@router.get(
    "/ready",
    responses={503: {"description": "a service this territory runs does not answer"}},
)
def ready(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    expected = settings.expected_services
    answers = request.app.state.capabilities.current(expected) if expected else {}
    missing = [name for name in expected if not answers[name]]
    if missing:
        raise ProblemException(503, "not_ready", territory=settings.territory, missing=missing)
    return {"status": "ready", "territory": settings.territory, "services": list(expected)}
