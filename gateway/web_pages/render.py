"""Rendering a page: one Jinja2 environment per language, with its catalogue installed."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import i18n
from ..deps import page_csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "web" / "templates"
OTHER_LANGUAGE = {"fr": ("en", "English"), "en": ("fr", "Français")}


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)
    env.globals.update(
        language=language,
        other_language=OTHER_LANGUAGE[language],
        day=lambda value, **kw: i18n.format_day(value, language, **kw),
        hour=lambda value: i18n.format_hour(value, language),
    )
    return env


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    language: str | None = None,
) -> HTMLResponse:
    language = language or i18n.page_language(request)
    settings = request.app.state.settings
    values = {
        "request": request,
        "path": request.url.path,
        "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        "territory_label": settings.territory_label or territory_name(settings.territory),
        "services": {},
        "csrf_token": page_csrf_token(request),  # in every form, for a signed-in browser
        **(context or {}),
    }
    html = environment(language).get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Cache-Control"] = "no-cache"
    return response


SMALL_WORDS = {"d", "de", "du", "des", "la", "le", "les", "en", "et", "sur", "sous", "aux", "au"}


def territory_name(slug: str) -> str:
    """``pays_de_forcalquier`` -> ``Pays de Forcalquier`` (when no label is configured)."""
    words = [w for w in slug.replace("_", " ").split() if w]
    return " ".join(
        w if i and w.lower() in SMALL_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )
