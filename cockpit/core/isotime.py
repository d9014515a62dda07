"""ISO-8601 text to epoch nanoseconds, exactly: the one parser the ProjectX adapter and
the gateway emulator share.

The gateway (.NET) writes seven fractional digits (``2026-11-20T05:27:11.1526187Z``),
a ``Z`` or an offset, and sometimes no zone at all (then it means UTC).
``datetime.fromisoformat`` would keep only six digits, so the fraction is read here
and the rest of the text is left to it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from cockpit.core.clock import NS_PER_SECOND, ns_from_datetime

_FRACTION = re.compile(r"(T\d{2}:?\d{2}:?\d{2})[.,](\d+)")
"""The seconds' fraction after a time of day (``T05:27:11.1526187``)."""


def ns_from_iso(text: str) -> int:
    """Epoch ns of an ISO-8601 time; a time without a zone is UTC.

    Fractions past nine digits are truncated (finer than a nanosecond); anything that is
    not an ISO-8601 time raises ``ValueError``.
    """
    fraction_ns = 0
    found = _FRACTION.search(text)
    if found is not None:
        digits = found.group(2)
        fraction_ns = int(digits[:9].ljust(9, "0"))
        text = text[: found.start()] + found.group(1) + text[found.end() :]
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return ns_from_datetime(moment) + fraction_ns


def iso_from_ns(ns: int, digits: int = 7) -> str:
    """``2026-11-20T05:27:11.1526187Z``: UTC with ``digits`` fractional digits (0-9),
    truncated, as the gateway writes it."""
    seconds, rest = divmod(ns, NS_PER_SECOND)
    whole = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{rest:09d}"[:digits]
    return f"{whole}.{fraction}Z" if fraction else f"{whole}Z"
