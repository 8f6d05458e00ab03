"""Languages at the edge: which one a person reads, the catalogues, dates in their style.

The catalogues are ``gateway/web/translations/<lang>/LC_MESSAGES/messages.po``, read (and
compiled in memory) on first use: a fresh clone needs no ``pybabel compile`` step. The source
texts (msgids) are French, the platform's first language; ``en`` translates every one.

The language of a request, first answer wins: the member's saved language (accounts do not
exist yet: ``request.state.member_language`` once they do), the explicit choice of the
language switch (a cookie), ``Accept-Language``, then French.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_COOKIE = "langue"
TRANSLATIONS_DIR = Path(__file__).parent / "web" / "translations"
PARIS = ZoneInfo("Europe/Paris")


def N_(message: str) -> str:
    """Marks a text for extraction (``pybabel extract -k N_``) without translating it yet."""
    return message


# --- catalogues --------------------------------------------------------------------------


def po_path(language: str) -> Path:
    return TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> Translations:
    """The catalogue of ``language`` (French for an unknown one), compiled from its .po."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    with po_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def gettext(language: str, message: str, **params: object) -> str:
    text = translations(language).gettext(message)
    return text % params if params else text


# --- which language ---------------------------------------------------------------------


def _supported(tag: str | None) -> str | None:
    tag = (tag or "").strip().lower()[:2]
    return tag if tag in LANGUAGES else None


def accept_language(header: str | None) -> str | None:
    """The supported language the ``Accept-Language`` header prefers most (q-values)."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.partition(";")
        language = _supported(tag)
        if language is None:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (-quality, position, language)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


def page_language(request: Request) -> str:
    """The language of a page: member's choice, then the switch's cookie, then the browser."""
    return (
        _supported(getattr(request.state, "member_language", None))
        or _supported(request.cookies.get(LANGUAGE_COOKIE))
        or accept_language(request.headers.get("accept-language"))
        or DEFAULT_LANGUAGE
    )


def api_language(request: Request) -> str:
    """The language of the JSON API's words: ``Accept-Language``, else French."""
    return accept_language(request.headers.get("accept-language")) or DEFAULT_LANGUAGE


# --- dates and times, in the reader's style, in Paris time --------------------------------


def local(moment: datetime) -> datetime:
    return moment.astimezone(PARIS) if moment.tzinfo else moment.replace(tzinfo=PARIS)


def format_day(day: date | datetime, language: str, *, with_year: bool | None = None) -> str:
    """``mardi 1er décembre`` / ``Tuesday, December 1`` (the year when not this year's)."""
    if isinstance(day, datetime):
        day = local(day).date()
    if with_year is None:
        with_year = day.year != datetime.now(PARIS).year
    if language == "fr":
        number = "1er" if day.day == 1 else str(day.day)
        text = f"{format_date(day, 'EEEE', locale='fr')} {number} "
        text += format_date(day, "MMMM", locale="fr")
        return f"{text} {day.year}" if with_year else text
    return format_date(day, "EEEE, MMMM d, y" if with_year else "EEEE, MMMM d", locale="en")


def format_hour(moment: time | datetime, language: str) -> str:
    """``9 h 30``, ``14 h`` / ``9:30 AM``."""
    if isinstance(moment, datetime):
        moment = local(moment).time()
    if language == "fr":
        return f"{moment.hour} h" if moment.minute == 0 else f"{moment.hour} h {moment.minute:02d}"
    return format_time(moment, "h:mm a", locale="en")


def format_moment(moment: datetime, language: str) -> str:
    """``mardi 1er décembre, 9 h 30``."""
    return f"{format_day(moment, language)}, {format_hour(moment, language)}"
