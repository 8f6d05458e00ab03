"""Text folded for search without ``$text`` (SecantusDB has no text index): lower case,
accents removed, punctuation as spaces. Stored as a list of words on each searchable document
and matched with an indexed equality per word of the query."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Ligatures NFKD leaves whole: "œuvre" must match "oeuvre", "Lætitia" "laetitia".
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
NOT_A_WORD = re.compile(r"[^0-9a-z]+")
# Words too common to tell two records apart: never keywords, ignored in queries.
STOP_WORDS = frozenset(
    {
        "a",
        "au",
        "aux",
        "d",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "un",
        "une",
        "the",
        "of",
        "and",
        "sur",
        "sous",
    }
)


def fold(text: str) -> str:
    """``"Tiers-Lieu de l'Écluse"`` → ``"tiers lieu de l ecluse"``."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(LIGATURES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(NOT_A_WORD.sub(" ", plain).split())


def words(text: str) -> list[str]:
    """The folded words of ``text`` worth searching for, in order, without repeats."""
    return list(dict.fromkeys(w for w in fold(text).split() if w not in STOP_WORDS))


def keywords(texts: Iterable[str | None]) -> list[str]:
    """Every searchable word of ``texts`` and every prefix of it from three letters
    ("ecl", "eclu", …), sorted: a query word matches by one indexed equality on the list,
    whether typed whole or begun ("atel" finds "Atelier")."""
    found: set[str] = set()
    for text in texts:
        for word in words(text or ""):
            found.update(word[:end] for end in range(min(3, len(word)), len(word) + 1))
    return sorted(found)
