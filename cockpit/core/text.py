"""How money, ticks and time left read, everywhere: the header, the blotters, the risk panel,
risk reasons, the journal's tables and the gateway's messages all call these.

Pure functions with no UI: the core and the risk rules word their reasons with them, so
a cooldown says the same "4:09" in a denial as on the banner.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from cockpit.core.clock import NS_PER_SECOND

CENT = Decimal("0.01")


def money(amount: Decimal, *, sign: bool = False) -> str:
    """``50,000.00`` and ``-3.00``; with ``sign``, gains read ``+12.50`` too.

    Rounded to the cent (half to even), with a thousands separator. Whatever rounds to
    zero reads ``0.00``: never ``-0.00`` and never ``+0.00`` (zero is neither up nor down).
    """
    cents = amount.quantize(CENT, rounding=ROUND_HALF_EVEN)
    text = f"{abs(cents):,.2f}"
    if cents < 0:
        return f"-{text}"
    if cents > 0 and sign:
        return f"+{text}"
    return text


def ticks(count: int) -> str:
    """A P&L in ticks, over all contracts: ``+16t``, ``-3t``, ``0t``. Beside the dollars
    it reads ``+16t  +8.00``."""
    return f"{count:+d}t" if count else "0t"


def dollars(amount: Decimal) -> str:
    """The same figure in a sentence, with its unit: ``$1,250.50``, ``-$300.00``."""
    text = money(amount)
    return f"-${text[1:]}" if text.startswith("-") else f"${text}"


def countdown(ns: int) -> str:
    """Time left as a trader reads a clock: ``0:09``, ``4:09``, ``1:04:09``.

    Rounded up to the second (a lockout with half a second left still shows ``0:01``,
    never ``0:00`` while it holds) and never negative.
    """
    seconds = max(0, -(-ns // NS_PER_SECOND))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
