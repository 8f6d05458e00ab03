"""A permanence's rule (OSM ``opening_hours``) in words for its page and its place's page:
« mardi, 9 h – 12 h » for ``Tu 09:00-12:00``, « 2e et 4e mercredi, 14 h – 17 h » for
``We[2,4] 14:00-17:00``. Only these common shapes are put in words; any other rule is shown
as written (the permanence's slots, listed as dates, say the rest)."""

from __future__ import annotations

import re

from .. import i18n

DAYS = {
    "Mo": i18n.N_("lundi"),
    "Tu": i18n.N_("mardi"),
    "We": i18n.N_("mercredi"),
    "Th": i18n.N_("jeudi"),
    "Fr": i18n.N_("vendredi"),
    "Sa": i18n.N_("samedi"),
    "Su": i18n.N_("dimanche"),
}
NTH = {
    "1": i18n.N_("1er"),
    "2": i18n.N_("2e"),
    "3": i18n.N_("3e"),
    "4": i18n.N_("4e"),
    "5": i18n.N_("5e"),
    "-1": i18n.N_("dernier"),
}
AND = i18n.N_("%(first)s et %(last)s")
DAY_CODES = re.compile(r"Mo|Tu|We|Th|Fr|Sa|Su")
SIMPLE_RULE = re.compile(
    r"^(?P<days>(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:[-,](?:Mo|Tu|We|Th|Fr|Sa|Su))*)"
    r"(?:\[(?P<nth>-?\d(?:,-?\d)*)\])?\s+"
    r"(?P<hours>\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*)$"
)


def rule_words(rule: str, language: str) -> str:
    """The rule in words, or as written when it has another shape."""
    parts = []
    for part in rule.split(";"):
        match = SIMPLE_RULE.match(part.strip())
        if not match:
            return rule
        days = DAY_CODES.sub(lambda m: i18n.gettext(language, DAYS[m.group()]), match["days"])
        days = days.replace("-", " – ").replace(",", ", ")
        if match["nth"]:
            nths = [i18n.gettext(language, NTH.get(n, n)) for n in match["nth"].split(",")]
            if len(nths) > 1:
                first, last = ", ".join(nths[:-1]), nths[-1]
                nths = [i18n.gettext(language, AND) % {"first": first, "last": last}]
            days = f"{nths[0]} {days}"
        hours = ", ".join(_span(span, language) for span in match["hours"].split(","))
        parts.append(f"{days}, {hours}")
    return " ; ".join(parts)


def _span(span: str, language: str) -> str:
    def one(text: str) -> str:
        hour, minute = int(text[:2]), text[3:]
        if language == "en":
            return f"{hour}:{minute}"
        return f"{hour} h" if minute == "00" else f"{hour} h {minute}"

    start, end = span.split("-")
    return f"{one(start)} – {one(end)}"
