"""Serve the gateway: ``python -m gateway``."""

import uvicorn

from services.common.logs import configure_logging

from .app import create_app
from .settings import get_gateway_settings

settings = get_gateway_settings()
configure_logging("gateway", settings.log_level, settings.log_json)
uvicorn.run(
    create_app(settings),
    host=settings.gateway_host,
    port=settings.gateway_port,
    log_config=None,
    access_log=False,
    server_header=False,  # no "Server: uvicorn" for a prober to read
)
