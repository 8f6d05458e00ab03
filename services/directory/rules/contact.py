"""Pure rules of contact requests: what looks like spam, and the periods counts fall in."""

from __future__ import annotations

import re
from datetime import datetime

MAX_LINKS = 2
MAX_LENGTH = 3000
LINK = re.compile(r"(https?://|www\.|\[url)", re.IGNORECASE)
# Requests one recipient receives a day, at most (then 429 contact_limit_reached).
PER_RECIPIENT_PER_DAY = 20


def spam_reason(message: str, honeypot: str | None) -> str | None:
    """Why a request is refused as spam, or None: the hidden field filled (only robots see
    it), more than ``MAX_LINKS`` links, or too long."""
    if honeypot:
        return "honeypot"
    if len(LINK.findall(message)) > MAX_LINKS:
        return "links"
    if len(message) > MAX_LENGTH:
        return "too_long"
    return None


def day_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def count_id(kind: str, period: str, target_type: str, target_id: str) -> str:
    return f"{kind}:{period}:{target_type}:{target_id}"
