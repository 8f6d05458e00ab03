"""Contributions and moderation (issue 9): any signed-in member proposes a new place or actor,
or an edit of one; a coordinator approves or rejects it.

- ``submit``: validated against ``PlaceIn``/``ActorIn`` (partial for an edit), stored
  ``pending`` with its likely duplicates, idempotent by key; ``contribution_submitted``.
- ``approve``: ``pending → approving`` (one conditional update: of two coordinators, or an
  approval and a rejection at once, one claims it), the change applied through the owners'
  ``apply_create``/``apply_update`` (places) and ``apply_create_actor``/``apply_update_actor``
  (actors) under a key made from the contribution (a retry applies nothing twice), its
  history recorded with the contribution's id, then ``approving → approved`` with
  ``contribution_approved``. An approval that finds it ``approving`` (another racing it, or
  one that died) applies it too: idempotent by key, and one flip wins.
- ``reject``: ``pending → rejected`` with a reason; ``contribution_rejected``.

Modules: ``commands`` (submit, approve, reject), ``queries`` (the queue, my proposals, one
proposal, a record's history), ``records`` (the places and actors as stored, and the owners'
functions that apply a change), ``member_data`` (a member's export and erasure).
"""

from .commands import approve, reject, submit
from .member_data import erase_member, forget_member, member_contributions
from .queries import get, mine, queue, record_history
from .records import appliers, stored_record

__all__ = [
    "appliers",
    "approve",
    "erase_member",
    "forget_member",
    "get",
    "member_contributions",
    "mine",
    "queue",
    "record_history",
    "reject",
    "stored_record",
    "submit",
]
