"""The web pages live in ``gateway/web_pages``; this module is their entry in ``routers``."""

from ..web_pages import FORM_MEDIA_TYPE, FORM_PATHS, install, router

__all__ = ["FORM_MEDIA_TYPE", "FORM_PATHS", "install", "router"]
