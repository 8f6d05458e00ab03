"""The words a person reads for each error code, in their language.

Services raise typed errors with a stable code and parameters (``contracts``); the text is
chosen here, at the edge. French is the default; English when the request asks for it.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LANGUAGE = "fr"

# code -> language -> (title, detail template with {params})
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "bad_request": {
        "fr": ("Requête invalide", "La demande n'a pas pu être traitée."),
        "en": ("Bad request", "The request could not be processed."),
    },
    "validation_failed": {
        "fr": ("Données invalides", "Certaines informations sont incorrectes."),
        "en": ("Invalid data", "Some of the information is not valid."),
    },
    "not_found": {
        "fr": ("Introuvable", "Nous ne trouvons pas cet élément ({id})."),
        "en": ("Not found", "We cannot find this item ({id})."),
    },
    "conflict": {
        "fr": ("Conflit", "Cette demande entre en conflit avec une autre."),
        "en": ("Conflict", "This request conflicts with another one."),
    },
    "idempotency_key_reused": {
        "fr": (
            "Clé d'idempotence déjà utilisée",
            "Cette clé d'idempotence a déjà servi pour une autre demande.",
        ),
        "en": (
            "Idempotency key already used",
            "This Idempotency-Key was already used for another request.",
        ),
    },
    "malformed_request": {
        "fr": ("Message mal formé", "Le message reçu par le service est mal formé."),
        "en": ("Malformed message", "The service received a malformed message."),
    },
    "no_seat_left": {
        "fr": (
            "Plus de place disponible",
            "Il ne reste pas assez de places à ce moment-là : {seats_taken} sur "
            "{seats_total} sont déjà prises, vous en demandez {seats_requested}.",
        ),
        "en": (
            "No seat left",
            "Not enough seats left at that time: {seats_taken} of {seats_total} are taken, "
            "you asked for {seats_requested}.",
        ),
    },
    "unknown_place": {
        "fr": (
            "Lieu inconnu",
            "Ce lieu n'est pas (encore) connu des réservations ; réessayez dans un instant.",
        ),
        "en": ("Unknown place", "Bookings do not know this place (yet); try again in a moment."),
    },
    "booking_attempt_expired": {
        "fr": ("Réservation expirée", "Cette tentative de réservation a expiré ; réessayez."),
        "en": ("Booking expired", "This booking attempt expired; please try again."),
    },
    "utc_offset_required": {
        "fr": (
            "Données invalides",
            "Le début et la fin doivent indiquer leur fuseau horaire "
            "(par exemple 2026-12-01T09:00:00+01:00).",
        ),
        "en": (
            "Invalid data",
            "Start and end need a UTC offset (for example 2026-12-01T09:00:00+01:00).",
        ),
    },
    "end_not_after_start": {
        "fr": ("Données invalides", "La fin doit venir après le début."),
        "en": ("Invalid data", "The end must come after the start."),
    },
    "booking_too_long": {
        "fr": ("Données invalides", "Une réservation dure au plus {max_days} jours."),
        "en": ("Invalid data", "A booking lasts at most {max_days} days."),
    },
    "start_in_past": {
        "fr": ("Données invalides", "Le début est déjà passé."),
        "en": ("Invalid data", "The start is in the past."),
    },
    "start_beyond_horizon": {
        "fr": ("Données invalides", "On ne peut pas réserver plus de deux ans à l'avance."),
        "en": ("Invalid data", "Bookings open at most two years ahead."),
    },
    "too_many_seats": {
        "fr": (
            "Données invalides",
            "Cette ressource a {capacity} place(s) ; vous en demandez {requested}.",
        ),
        "en": ("Invalid data", "This resource has {capacity} seat(s); you asked for {requested}."),
    },
    "invalid_unsubscribe_link": {
        "fr": ("Lien invalide", "Ce lien de désinscription n'est pas valide."),
        "en": ("Invalid link", "This unsubscribe link is not valid."),
    },
}


def error_text(
    code: str, params: dict[str, Any], language: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """(title, detail) for an error code, in ``language`` (French when unknown)."""
    texts = TEXTS.get(code) or TEXTS["bad_request"]
    title, template = texts.get(language) or texts[DEFAULT_LANGUAGE]
    try:
        return title, template.format(**params)
    except (KeyError, IndexError, ValueError):
        return title, template.split(":")[0].split("(")[0].strip()
