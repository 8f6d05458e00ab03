"""The platform's gateway with one more route, ``POST /api/bench/floor``, the floor of
``bench.booking_vs_floor``: the same app, settings, middleware and caller resolution as the
product's, then one RPC to ``bench.floor_service``. Bench-only, never shipped.

    python -m bench.floor_gateway
"""

from __future__ import annotations

from typing import Any

import uvicorn
from fastapi import APIRouter

from gateway.app import create_app
from gateway.deps import IdempotencyKey, ServicesDep
from gateway.settings import get_gateway_settings
from services.common.logs import configure_logging

router = APIRouter()


@router.post("/api/bench/floor", status_code=201)
def floor(body: dict[str, Any], services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    return services.call("floor", "insert", body, key)


def main() -> None:
    settings = get_gateway_settings()
    configure_logging("gateway", settings.log_level, settings.log_json)
    app = create_app(settings)
    app.include_router(router)
    uvicorn.run(
        app,
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,
        access_log=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
