"""What an appointment's events say beyond a booking's (``contracts.booking.AppointmentInfo``),
read back from its permanence, so that every event of the booking — its approval, its
cancellation, its outcome — tells the person which appointment it was, not the agent's
resource's name."""

from __future__ import annotations

from contracts.booking import PermanenceIn

from .models import Booking, Permanence


def info_of(booking: Booking) -> dict | None:
    """The appointment an appointment's booking is (its motif, agent, mode, the text after
    booking), or None for any other booking or when its permanence is gone."""
    if not (booking.permanence_id and booking.motif):
        return None
    permanence = Permanence.objects(id=booking.permanence_id).only("spec").first()
    if permanence is None:
        return None
    spec = PermanenceIn.model_validate(permanence.spec)
    motif = next((m for m in spec.motifs if m.code == booking.motif), None)
    return {
        "permanence_id": booking.permanence_id,
        "agent_name": spec.agent_name,
        "organisation": spec.organisation,
        "motif": booking.motif,
        "motif_label": motif.label if motif else booking.motif,
        "mode": booking.mode,
        "text_after": motif.text_after if motif else None,
    }
