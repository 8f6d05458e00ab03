"""The places' pages' shared words and rules: paths, labels of kinds and equipment, who
may add or edit a place (the directory decides again on every write)."""

from __future__ import annotations

from contracts.identity import Caller, TerritoryRole

from ...i18n import N_

LIST_PATH = "/lieux"
NEW_PATH = "/lieux/nouveau"
SAVE_PATH = "/lieux/enregistrer"  # the edit form's target (the place's id in the form)
FORM_PATHS = (NEW_PATH, SAVE_PATH)
EDIT_SUFFIX = "/modifier"
RADII = (5, 10, 20, 50, 100)

KIND_LABELS = {
    "coworking": N_("Coworking"),
    "fablab": N_("Fablab"),
    "france_services": N_("France Services"),
    "public_service_point": N_("Point d'accueil de services publics"),
    "repair_cafe": N_("Repair café"),
    "shared_shop": N_("Boutique partagée"),
    "training_centre": N_("Centre de formation"),
    "cultural": N_("Lieu culturel"),
    "food_lab": N_("Cuisine partagée"),
    "digital_mediation": N_("Médiation numérique"),
    "community_hub": N_("Lieu de vie"),
}
EQUIPMENT_LABELS = {
    "wifi": N_("Wi-Fi"),
    "fibre": N_("Fibre"),
    "printer": N_("Imprimante"),
    "visio_kit": N_("Matériel de visioconférence"),
    "printer_3d": N_("Imprimante 3D"),
    "laser_cutter": N_("Découpe laser"),
    "meeting_room": N_("Salle de réunion"),
    "kitchen": N_("Cuisine"),
    "computers": N_("Ordinateurs en accès libre"),
    "accessible": N_("Accessible en fauteuil"),
    "parking": N_("Parking"),
}
NOT_STAFF = (
    N_("Accès réservé"),
    N_("Seuls la coordination du territoire et les responsables du lieu modifient sa fiche."),
)
FIELD_TEXTS = {
    "name": N_("Indiquez le nom du lieu (160 caractères au plus)."),
    "commune": N_("Indiquez la commune."),
    "postal_code": N_("Un code postal français à 5 chiffres, par exemple 48000."),
    "insee_code": N_("Le code INSEE de la commune : 5 caractères, par exemple 48095."),
    "status": N_("Choisissez un statut."),
    "location": N_("Latitude et longitude en degrés, par exemple 44.5181 et 3.5006."),
    "opening_hours": N_(
        "Horaires au format OpenStreetMap, par exemple « Mo-Fr 09:00-17:00; Sa 09:00-12:00 »."
    ),
    "summary": N_("280 caractères au plus."),
    "website": N_("Une adresse de site complète, commençant par https://"),
    "emails": N_("Une ou plusieurs adresses e-mail, séparées par des virgules."),
    "phone": N_("Un numéro de téléphone, par exemple 04 66 49 12 34."),
    "status_since": N_("Une date, par exemple 01/12/2026."),
}
TEXT_FIELDS = ("name", "commune", "postal_code", "insee_code", "street_address")
LONG_FIELDS = ("opening_hours", "summary", "description")


def is_staff(caller: Caller) -> bool:
    return caller.admin or caller.has_role(TerritoryRole.coordinator)


def may_edit(caller: Caller, place_id: str) -> bool:
    """Who the directory lets edit the place (it decides again on the write)."""
    return is_staff(caller) or caller.manages_place(place_id)
