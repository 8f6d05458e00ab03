"""Email headers as a mail client reads them: URLs intact on the wire.

Python's ``email.policy.default`` folds any header longer than 78 characters; a header made of
one long token with no space to fold at (``<https://…/unsubscribe?email=…&token=…>``) then
leaves as RFC 2047 encoded-words (``List-Unsubscribe: =?utf-8?q?=3Chttps=3A//…?=``). Mail
providers do not decode those in ``List-*`` headers: they find no URL, and one-click
unsubscribe (RFC 8058) silently does not exist for them. Re-parsing the message with Python
hides it (Python decodes the words back), so tests read the raw bytes.

``MessagePolicy`` writes the headers that carry URLs (RFC 2369 ``List-*``, RFC 5064
``Archived-At``) as they are: ASCII, every ``<URL>`` whole, folded only between two of them
(RFC 2369: a list of URLs may be folded after its commas), never encoded. A value that could
not go on the wire that way (a line break, a non-ASCII character, a line past RFC 5322's 998
characters) is refused when the message is serialised, in the event handler: the event is
retried then parked, never sent mangled.
"""

from __future__ import annotations

import re
from email.headerregistry import HeaderRegistry
from email.policy import EmailPolicy

# Headers whose value is one or more URLs (or, for -Post, a fixed token a provider parses).
URL_HEADERS = frozenset(
    {
        "list-unsubscribe",
        "list-unsubscribe-post",
        "list-subscribe",
        "list-help",
        "list-post",
        "list-owner",
        "list-archive",
        "list-id",
        "archived-at",
    }
)
MAX_LINE = 998  # RFC 5322 §2.1.1: a line is at most 998 characters, CRLF excluded
FOLD_AT = 78  # the recommended length, kept when a value holds several URLs
_BAD = re.compile(r"[\x00-\x1f\x7f]")


class UnwritableHeader(ValueError):
    """A URL header value that cannot go on the wire as it is."""


def url_header_lines(name: str, value: str) -> list[str]:
    """The lines of ``name: value`` as they go on the wire (without CRLF): the value's items
    (split at commas outside ``<…>``) kept whole, a new line only between two items."""
    value = str(value).strip()
    if _BAD.search(value) or not value.isascii():
        raise UnwritableHeader(f"{name}: not a single line of ASCII: {value!r}")
    items = [item.strip() for item in _items(value)]
    lines = [f"{name}: {items[0]}"]
    for item in items[1:]:
        if len(lines[-1]) + 2 + len(item) <= FOLD_AT:
            lines[-1] += f", {item}"
        else:
            lines[-1] += ","
            lines.append(f" {item}")
    if any(len(line) > MAX_LINE for line in lines):
        raise UnwritableHeader(f"{name}: a URL longer than an email line ({MAX_LINE})")
    return lines


def _items(value: str) -> list[str]:
    items, depth, start = [], 0, 0
    for index, char in enumerate(value):
        if char == "<":
            depth += 1
        elif char == ">":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            items.append(value[start:index])
            start = index + 1
    items.append(value[start:])
    return [item for item in items if item.strip()] or [""]


class CachedHeaderRegistry(HeaderRegistry):
    """The standard registry, without making a new class for every header it parses (the
    standard library's ``__getitem__`` calls ``type()`` each time: a fifth of composing an
    email went there). The classes hold no state: one per header name is enough."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found


class MessagePolicy(EmailPolicy):
    """``email.policy.default`` except for the headers carrying URLs (``URL_HEADERS``), and
    with a header registry that reuses its classes."""

    def _fold(self, name, value, refold_binary=False):
        if name.lower() not in URL_HEADERS:
            return super()._fold(name, value, refold_binary=refold_binary)
        return self.linesep.join(url_header_lines(name, str(value))) + self.linesep


POLICY = MessagePolicy(header_factory=CachedHeaderRegistry())
