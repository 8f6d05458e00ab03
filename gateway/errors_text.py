"""The words a person reads for each error code, in their language.

Services raise typed errors with a stable code and parameters (``contracts``); the text is
chosen here, at the edge, from the Babel catalogues (``gateway/web/translations``). The JSON
API (``problems.py``) and the web pages both call ``error_text``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .i18n import DEFAULT_LANGUAGE, N_, format_moment, gettext

# code -> (title, detail with %(params)s); the French texts are the catalogues' msgids.
TEXTS: dict[str, tuple[str, str]] = {
    "bad_request": (N_("Requête invalide"), N_("La demande n'a pas pu être traitée.")),
    "validation_failed": (
        N_("Données invalides"),
        N_("Certaines informations sont incorrectes."),
    ),
    "not_found": (N_("Introuvable"), N_("Nous ne trouvons pas cet élément (%(id)s).")),
    "conflict": (N_("Conflit"), N_("Cette demande entre en conflit avec une autre.")),
    "forbidden": (N_("Accès refusé"), N_("Vous n'avez pas le droit de faire cela.")),
    # Contact requests (directory, dir-actors).
    "contact_refused": (
        N_("Message non envoyé"),
        N_(
            "Ce message ne peut pas être envoyé (%(reason)s) : retirez les liens superflus "
            "ou raccourcissez-le ; certains destinataires n'ont pas encore d'adresse."
        ),
    ),
    "contact_limit_reached": (
        N_("Trop de messages aujourd'hui"),
        N_("Ce destinataire a reçu assez de messages aujourd'hui ; réessayez demain."),
    ),
    "contact_already_replied": (
        N_("Déjà répondu"),
        N_("Une réponse a déjà été envoyée à ce message."),
    ),
    "booking_already_started": (
        N_("Réservation commencée"),
        N_("Cette réservation a déjà commencé : elle ne peut plus être annulée."),
    ),
    "booking_not_restorable": (
        N_("Rétablissement impossible"),
        N_("Seule une réservation annulée peut être rétablie (état : %(status)s)."),
    ),
    "booking_restore_too_late": (
        N_("Trop tard pour rétablir"),
        N_("Cette réservation a déjà commencé : elle ne peut plus être rétablie."),
    ),
    "booking_not_cancellable": (
        N_("Annulation impossible"),
        N_("Cette réservation ne peut pas être annulée (état : %(status)s)."),
    ),
    "idempotency_key_reused": (
        N_("Clé d'idempotence déjà utilisée"),
        N_("Cette clé d'idempotence a déjà servi pour une autre demande."),
    ),
    "malformed_request": (
        N_("Message mal formé"),
        N_("Le message reçu par le service est mal formé."),
    ),
    "database_unavailable": (
        N_("Service momentanément indisponible"),
        N_("La base de données ne répond pas pour le moment ; réessayez dans quelques secondes."),
    ),
    "no_seat_left": (
        N_("Plus de place disponible"),
        N_(
            "Il ne reste pas assez de places à ce moment-là : %(seats_taken)s sur "
            "%(seats_total)s sont déjà prises, vous en demandez %(seats_requested)s."
        ),
    ),
    "unknown_place": (
        N_("Lieu inconnu"),
        N_("Ce lieu n'est pas (encore) connu des réservations ; réessayez dans un instant."),
    ),
    "booking_attempt_expired": (
        N_("Réservation expirée"),
        N_("Cette tentative de réservation a expiré ; réessayez."),
    ),
    "utc_offset_required": (
        N_("Données invalides"),
        N_(
            "Le début et la fin doivent indiquer leur fuseau horaire "
            "(par exemple 2026-12-01T09:00:00+01:00)."
        ),
    ),
    "end_not_after_start": (N_("Données invalides"), N_("La fin doit venir après le début.")),
    "booking_too_long": (
        N_("Données invalides"),
        N_("Une réservation dure au plus %(max_days)s jours."),
    ),
    "start_in_past": (N_("Données invalides"), N_("Le début est déjà passé.")),
    "start_beyond_horizon": (
        N_("Données invalides"),
        N_("Cette ressource se réserve au plus %(horizon_days)s jours à l'avance."),
    ),
    # -- a resource's booking rules (services/booking/rules/settings.py) ---------------------
    "outside_opening_hours": (
        N_("Hors des heures d'ouverture"),
        N_(
            "Cette ressource n'est pas ouverte pendant toute cette période "
            "(horaires : %(opening_hours)s, heure de %(timezone)s)."
        ),
    ),
    "resource_closed": (
        N_("Ressource fermée"),
        N_("Cette ressource est fermée du %(closure_start)s au %(closure_end)s. %(reason)s"),
    ),
    "not_on_unit": (
        N_("Horaire non permis"),
        N_(
            "Cette ressource se réserve par tranches de %(unit_minutes)s minutes : le début "
            "et la fin doivent tomber sur leurs limites (heure de %(timezone)s)."
        ),
    ),
    "duration_out_of_range": (
        N_("Durée non permise"),
        N_(
            "Cette ressource se réserve pour %(min_minutes)s à %(max_minutes)s minutes ; "
            "vous en demandez %(minutes)s."
        ),
    ),
    "too_late_to_book": (
        N_("Trop tard pour réserver"),
        N_("Cette ressource se réserve au moins %(lead_time_minutes)s minutes à l'avance."),
    ),
    "availability_range_too_long": (
        N_("Période trop longue"),
        N_("Les disponibilités se demandent pour %(max_days)s jours au plus."),
    ),
    "radius_without_point": (
        N_("Point manquant"),
        N_("Un rayon se compte depuis un point : indiquez aussi la latitude et la longitude."),
    ),
    "incomplete_point": (
        N_("Point incomplet"),
        N_("Un point se donne par sa latitude et sa longitude, les deux ensemble."),
    ),
    "cancellation_deadline_passed": (
        N_("Trop tard pour annuler"),
        N_(
            "Vous pouviez annuler jusqu'à %(deadline_hours)s heures avant le début : "
            "demandez au lieu, qui le peut encore."
        ),
    ),
    "too_many_seats": (
        N_("Données invalides"),
        N_("Cette ressource a %(capacity)s place(s) ; vous en demandez %(requested)s."),
    ),
    # -- resident seats (services/booking/subscriptions.py, seat_changes.py) -----------------
    "calendar_unreadable": (
        N_("Calendrier illisible"),
        N_(
            "Le calendrier %(url)s n'a pas pu être lu (%(reason)s). Vérifiez son adresse : "
            "elle doit mener à un fichier .ics public."
        ),
    ),
    "resident_seats_invalid": (
        N_("Données invalides"),
        N_(
            "Seul un espace de postes partagés a des places résidentes, au plus autant que "
            "ses places."
        ),
    ),
    "seats_below_bookings": (
        N_("Places déjà réservées"),
        N_(
            "%(seats_taken)s place(s) sont déjà réservées le %(day)s : impossible de n'en "
            "laisser que %(seats_drop_in)s sans abonnement."
        ),
    ),
    "resident_seats_below_subscriptions": (
        N_("Places résidentes occupées"),
        N_(
            "%(subscribed)s abonnement(s) en %(month)s : il faut au moins autant de places "
            "résidentes."
        ),
    ),
    "no_resident_seat_left": (
        N_("Plus de place résidente"),
        N_("Les %(resident_seats)s place(s) résidentes sont toutes prises en %(month)s."),
    ),
    "subscription_not_cancellable": (
        N_("Annulation impossible"),
        N_("Cet abonnement ne peut pas être annulé (état : %(status)s)."),
    ),
    # -- the funders' figures (services/booking/figures.py) ------------------------------------
    "bad_month": (
        N_("Mois invalide"),
        N_("Un mois s'écrit AAAA-MM, par exemple 2026-11 (reçu : %(value)s)."),
    ),
    "figures_fields_on_behalf_only": (
        N_("Données invalides"),
        N_(
            "Votre type de public et votre commune viennent de votre profil, si vous avez "
            "accepté d'être compté ; ils ne se donnent que pour réserver pour quelqu'un."
        ),
    ),
    "invalid_unsubscribe_link": (
        N_("Lien invalide"),
        N_("Ce lien de désinscription n'est pas valide."),
    ),
    "unknown_message_kind": (
        N_("Type de message inconnu"),
        N_("Choisissez parmi : réservations, clubs, annuaire, résumé de la semaine, annonces."),
    ),
    # -- permanences (services/booking/permanences.py) ----------------------------------------
    "room_unavailable": (
        N_("Salle déjà réservée"),
        N_(
            "La salle est déjà réservée pour une ouverture de la permanence (%(start)s) : "
            "libérez-la ou choisissez une autre salle."
        ),
    ),
    "room_not_of_place": (
        N_("Salle invalide"),
        N_("La salle doit être une ressource du même lieu que la permanence."),
    ),
    "unknown_motif": (
        N_("Motif inconnu"),
        N_("Cette permanence ne propose pas le motif « %(motif)s »."),
    ),
    "mode_not_offered": (
        N_("Mode non proposé"),
        N_("Le motif « %(motif)s » n'est pas proposé dans ce mode (%(mode)s)."),
    ),
    "phone_required": (
        N_("Téléphone requis"),
        N_("Pour un rendez-vous par téléphone, donnez le numéro auquel vous appeler."),
    ),
    "not_a_slot": (
        N_("Créneau indisponible"),
        N_("Aucun rendez-vous de ce motif ne commence à ce moment-là (%(start)s)."),
    ),
    "appointment_too_soon": (
        N_("Trop tard pour ce créneau"),
        N_("Ce motif se réserve au moins %(min_delay_hours)s heures à l'avance."),
    ),
    "appointment_too_far": (
        N_("Créneau trop lointain"),
        N_("Ce motif se réserve au plus %(max_delay_days)s jours à l'avance."),
    ),
    "permanence_closed": (
        N_("Permanence fermée"),
        N_("Cette permanence est fermée : elle ne prend plus de rendez-vous."),
    ),
    "seat_unit_changed": (
        N_("Capacités incompatibles"),
        N_(
            "Les capacités des motifs doivent garder le même plus petit commun multiple "
            "(%(seat_unit)s) : créez une nouvelle permanence."
        ),
    ),
    "book_through_permanence": (
        N_("Réservez un rendez-vous"),
        N_("Le temps de cet agent se réserve en prenant rendez-vous à sa permanence."),
    ),
    # -- refused at the edge, before any service ----------------------------------------------
    "malformed_json": (
        N_("Requête mal formée"),
        N_("Le corps de la requête n'est pas du JSON valide."),
    ),
    "payload_too_large": (
        N_("Requête trop volumineuse"),
        N_("Le corps de la requête est limité à %(limit)s octets."),
    ),
    "unsupported_media_type": (
        N_("Type de contenu non pris en charge"),
        N_("Envoyez du JSON (Content-Type: application/json)."),
    ),
    "route_not_found": (N_("Introuvable"), N_("Cette adresse n'existe pas.")),
    "method_not_allowed": (
        N_("Méthode non permise"),
        N_("Cette adresse n'accepte pas la méthode %(method)s."),
    ),
    "bad_idempotency_key": (
        N_("Clé d'idempotence invalide"),
        N_("Idempotency-Key : de 1 à 200 caractères parmi A-Z a-z 0-9 . _ : -"),
    ),
    "service_unavailable": (
        N_("Service indisponible"),
        N_("Le service « %(service)s » ne répond pas pour le moment ; réessayez dans un instant."),
    ),
    "service_timeout": (
        N_("Délai dépassé"),
        N_("Le service « %(service)s » n'a pas répondu à temps ; réessayez dans un instant."),
    ),
    "internal_error": (N_("Erreur interne"), N_("Une erreur inattendue s'est produite.")),
    "not_ready": (
        N_("Service indisponible"),
        N_("Pas encore prêt : %(missing)s ne répond pas encore."),
    ),
    "unknown_member": (
        N_("Membre inconnu"),
        N_("Aucun compte confirmé ne porte cette adresse : la personne doit d'abord s'inscrire."),
    ),
    # -- accounts (gateway/routers/auth.py, me.py, deps.py, ratelimit.py) ----------------------
    "invalid_credentials": (
        N_("Identifiants incorrects"),
        N_("Adresse e-mail ou mot de passe incorrect."),
    ),
    "email_not_confirmed": (
        N_("Adresse non confirmée"),
        N_("Confirmez d'abord votre adresse e-mail avec le lien que nous vous avons envoyé."),
    ),
    "invalid_link": (
        N_("Lien invalide"),
        N_("Ce lien n'est pas valide : il a peut-être déjà servi ou expiré. Demandez-en un autre."),
    ),
    "too_many_requests": (
        N_("Trop de tentatives"),
        N_("Trop de tentatives ; réessayez dans %(retry_after)s secondes."),
    ),
    "csrf_failed": (
        N_("Requête refusée"),
        N_("Le jeton anti-falsification (CSRF) manque ou ne correspond pas ; rechargez la page."),
    ),
    "authentication_required": (
        N_("Connexion requise"),
        N_("Connectez-vous pour continuer."),
    ),
    "invalid_token": (
        N_("Jeton invalide"),
        N_("Le jeton d'accès est invalide, expiré ou révoqué."),
    ),
    "unknown_service": (N_("Introuvable"), N_("Service inconnu : %(service)s.")),
    "unknown_dead_letter": (N_("Introuvable"), N_("Aucune lettre morte %(id)s.")),
    # Recurring bookings (services/booking/series.py).
    "series_refused": (
        N_("Série non réservée"),
        N_(
            "Certaines dates de cette série ne peuvent pas être réservées : rien n'a été "
            "réservé. Choisissez de passer ces dates, ou changez la répétition."
        ),
    ),
    "recurrence_required": (
        N_("Répétition manquante"),
        N_("Indiquez comment la réservation se répète."),
    ),
    "too_many_occurrences": (
        N_("Série trop longue"),
        N_("Une série compte au plus 52 dates : choisissez une date de fin plus proche."),
    ),
    "no_occurrence": (
        N_("Aucune date"),
        N_("Cette répétition ne donne aucune date avant sa fin."),
    ),
    # The facilitator's desk (issue 8)
    "invalid_waitlist_link": (
        N_("Lien invalide"),
        N_(
            "Ce lien de la liste d'attente n'est pas valide. Ouvrez-le depuis le dernier "
            "courriel reçu, ou passez par « Mes réservations »."
        ),
    ),
    "booking_not_offered": (
        N_("Plus de place proposée"),
        N_(
            "Aucune place ne vous est proposée pour cette réservation (état : %(status)s) :"
            " le délai est peut-être passé."
        ),
    ),
    "quota_hours_exceeded": (
        N_("Limite d'heures atteinte"),
        N_(
            "Sur le territoire, chacun réserve au plus %(limit)s heures par semaine : vous "
            "en avez déjà %(booked)s cette semaine (%(week)s), et celle-ci en compte "
            "%(requested)s."
        ),
    ),
    "quota_active_exceeded": (
        N_("Trop de réservations à venir"),
        N_(
            "Sur le territoire, chacun a au plus %(limit)s réservations à venir : vous en "
            "avez %(active)s. Annulez-en une ou attendez qu'elle soit passée."
        ),
    ),
    "booking_not_awaiting_approval": (
        N_("Demande déjà traitée"),
        N_("Cette réservation n'attend pas de validation (état : %(status)s)."),
    ),
    "contribution_already_decided": (
        N_("Proposition déjà traitée"),
        N_("Une autre personne de la coordination a déjà décidé de cette proposition."),
    ),
    "reason_required": (
        N_("Motif requis"),
        N_("Indiquez un motif : il est transmis à la personne."),
    ),
    "check_in_closed": (
        N_("Accueil pas encore ouvert"),
        N_("L'arrivée s'enregistre du %(opens)s au %(closes)s."),
    ),
    "outcome_too_early": (
        N_("Trop tôt"),
        N_("Le suivi s'enregistre une fois la réservation commencée (%(start)s)."),
    ),
    "no_outcome_for_status": (
        N_("Suivi impossible"),
        N_("Cette réservation ne peut pas recevoir de suivi (état : %(status)s)."),
    ),
    "planning_range_too_long": (
        N_("Période trop longue"),
        N_("Le planning couvre au plus %(max_days)s jours."),
    ),
    # -- clubs' meetings (services/clubs/meetings.py) ------------------------------------------
    "meeting_cancelled": (
        N_("Réunion annulée"),
        N_("Cette réunion est annulée : elle ne peut plus être déplacée ni annulée."),
    ),
    "meeting_started": (
        N_("Réunion commencée"),
        N_("Cette réunion a déjà commencé : seul son ordre du jour peut encore changer."),
    ),
    "no_meeting_date": (
        N_("Aucune date"),
        N_("La règle ne donne aucune date entre le premier jour et la fin choisie."),
    ),
    # Clubs (issue 10, clubs-core).
    "not_a_club_member": (
        N_("Pas membre du club"),
        N_("Cette personne n'est pas (ou plus) membre du club."),
    ),
    "president_must_hand_over": (
        N_("Présidence à transmettre"),
        N_("La présidente ou le président transmet d'abord la présidence à un autre membre."),
    ),
    "no_join_request": (
        N_("Aucune demande en attente"),
        N_("Cette personne n'a pas de demande d'adhésion en attente."),
    ),
    # -- workshops and events (services/clubs/workshops.py, rsvps.py) -------------------------
    "workshop_closed": (
        N_("Atelier fermé"),
        N_("Cet atelier est annulé ou a déjà commencé : il ne prend plus de réponse."),
    ),
    "workshop_members_only": (
        N_("Réservé aux membres"),
        N_("Cet atelier est réservé aux membres de son club."),
    ),
    "capacity_below_taken": (
        N_("Trop peu de places"),
        N_("%(taken)s places sont déjà prises : la capacité ne peut pas descendre à %(capacity)s."),
    ),
    "attendance_too_early": (
        N_("Trop tôt"),
        N_("La présence se note une fois l'atelier commencé."),
    ),
}


def _readable(value: Any, language: str) -> Any:
    """A parameter as a sentence shows it (the problem body keeps it as it is): a list as
    "a, b", a moment with its offset as "mardi 24 décembre, 9 h" (Paris time)."""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, str) and "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return format_moment(moment, language)
    return value


def error_text(
    code: str, params: dict[str, Any], language: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """(title, detail) for an error code, in ``language`` (French when unknown)."""
    title, detail = TEXTS.get(code) or TEXTS["bad_request"]
    title, template = gettext(language, title), gettext(language, detail)
    shown = {key: _readable(value, language) for key, value in params.items()}
    try:
        return title, template % shown
    except (KeyError, TypeError, ValueError):  # a parameter is missing: the sentence's start
        return title, template.split(":")[0].split("(")[0].strip()
