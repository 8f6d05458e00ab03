"""Pages people reach from their email: a place, and unsubscribing.

Unsubscribing takes a click on a button (a POST): mail scanners fetch every link in a
message, so a GET must never unsubscribe. The POST also answers RFC 8058 one-click requests
(``List-Unsubscribe=One-Click``), which carry the address and token in the query string.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from contracts.errors import remote_error

from ..deps import ServicesDep
from ..rpc_client import RemoteError, ServiceUnavailable

router = APIRouter(include_in_schema=False)

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — Maillage</title>
<link rel="stylesheet" href="/web/style.css"></head>
<body><main class="page-simple" style="max-width:36rem;margin:3rem auto;padding:0 1rem">
<h1>{escape(title)}</h1>
{body}
<p><a href="/">Retour à l'accueil</a></p>
</main></body></html>"""
    return HTMLResponse(html, status_code=status)


@router.get("/places/{place_id}")
def place_page(place_id: str) -> RedirectResponse:
    """Links in emails name a place; the web client shows it."""
    return RedirectResponse(f"/#lieu/{quote(place_id, safe='')}", status_code=302)


@router.get("/unsubscribe")
def unsubscribe_form(email: str = "", token: str = "") -> HTMLResponse:
    if not email or not token:
        return page("Lien incomplet", "<p>Ce lien de désinscription est incomplet.</p>", 400)
    return page(
        "Ne plus recevoir nos messages",
        f"""<p>Vous ne recevrez plus aucun message de Maillage à l'adresse
<strong>{escape(email)}</strong>, y compris les confirmations de réservation.</p>
<form method="post" action="/unsubscribe">
<input type="hidden" name="email" value="{escape(email)}">
<input type="hidden" name="token" value="{escape(token)}">
<button type="submit" class="button button-primary">Confirmer la désinscription</button>
</form>""",
    )


@router.post("/unsubscribe")
async def unsubscribe(request: Request, services: ServicesDep) -> HTMLResponse:
    fields = dict(request.query_params)  # one-click: the link's own query string
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    fields.update({key: values[-1] for key, values in form.items()})
    email, token = fields.get("email", ""), fields.get("token", "")
    if not email or not token:
        return page("Lien incomplet", "<p>Ce lien de désinscription est incomplet.</p>", 400)
    try:
        services.call("notifications", "unsubscribe", email, token)
    except ServiceUnavailable:
        return page(
            "Service momentanément indisponible",
            "<p>Nous ne pouvons pas enregistrer votre demande pour l'instant. "
            "Merci de réessayer un peu plus tard.</p>",
            503,
        )
    except RemoteError as exc:
        if remote_error(exc.exc_args)[0] is None:
            raise
        return page("Lien invalide", "<p>Ce lien de désinscription n'est pas valide.</p>", 400)
    return page(
        "C'est noté",
        f"<p>L'adresse <strong>{escape(email)}</strong> ne recevra plus de messages de "
        "Maillage.</p>",
    )
