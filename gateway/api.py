"""Every JSON route of the gateway, gathered under ``/api``: one router per resource.

``app.py`` includes ``api_router``; the web pages have their own router (``routers/pages``).
"""

from __future__ import annotations

from fastapi import APIRouter

from .routers import admin, bookings, clubs, places, platform, resources

api_router = APIRouter(prefix="/api")
for _module in (platform, places, resources, bookings, clubs, admin):
    api_router.include_router(_module.router)
