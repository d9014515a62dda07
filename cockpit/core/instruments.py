"""CME futures contract specifications and exact price arithmetic.

Inside the core a price is an ``int`` number of ticks; a :class:`~decimal.Decimal` price
exists only where a human or a broker speaks one. Tick sizes and tick values are the
exchange's (CME Group contract specs); fees are per contract per side and configurable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

MONTH_CODES = "FGHJKMNQUVXZ"
QUARTERLY = "HMUZ"
GOLD_MONTHS = "GJMQZ"
"""Gold's active months: traders roll August straight to December (October is thin)."""


class OffTickGrid(ValueError):
    """A price that is not a whole number of ticks for its instrument."""


@dataclass(frozen=True, slots=True)
class Instrument:
    """One futures product, by its root symbol (``MNQ``), as a trader names it."""

    symbol: str
    name: str
    tick_size: Decimal
    tick_value: Decimal
    micros: int
    """Micro-equivalents per contract: 1 for a micro, 10 for a mini (risk counts these)."""
    fee_per_side: Decimal
    """Default commission plus exchange fees per contract per side, in dollars."""
    gateway_code: str
    """The ProjectX root in contract ids: ``EP`` for ES, ``ENQ`` for NQ."""
    months: str
    """Listed month codes, used to find the front month."""
    exchange: str = "CME"

    @property
    def symbol_id(self) -> str:
        """ProjectX ``symbolId`` (``F.US.EP`` for ES), the realtime matching key."""
        return f"F.US.{self.gateway_code}"

    @property
    def decimals(self) -> int:
        """Digits after the point a price of this instrument needs."""
        exponent = self.tick_size.as_tuple().exponent
        assert isinstance(exponent, int), "a tick size is a finite number"
        return max(0, -exponent)

    def to_ticks(self, price: Decimal | str | int) -> int:
        """Exact ticks of ``price``; raises :class:`OffTickGrid` when it is between ticks."""
        value = Decimal(price)
        ticks, remainder = divmod(value, self.tick_size)
        if remainder < 0:  # Decimal divmod truncates toward zero; the grid wants the floor
            ticks -= 1
        if remainder != 0:
            raise OffTickGrid(
                f"{self.symbol} price {value} is off the tick grid "
                f"(tick size {self.tick_size}: try {self.to_price(int(ticks))} "
                f"or {self.to_price(int(ticks) + 1)})"
            )
        return int(ticks)

    def nearest_ticks(self, price: float | Decimal) -> int:
        """Ticks of a float price from a broker, rounded to the nearest tick."""
        return round(Decimal(str(price)) / self.tick_size)

    def to_price(self, ticks: int) -> Decimal:
        """The price of ``ticks`` as an exact Decimal with the instrument's decimals."""
        return (self.tick_size * ticks).quantize(self.tick_size)

    def format(self, ticks: int | None) -> str:
        """A price as traders read it: ``21000.25``; ``-`` when there is none."""
        if ticks is None:
            return "-"
        return f"{self.to_price(ticks):.{self.decimals}f}"

    def format_fraction(self, ticks: Fraction) -> str:
        """An average price (a fraction of ticks): up to two decimals past the tick's."""
        price = Decimal(ticks.numerator) * self.tick_size / Decimal(ticks.denominator)
        text = f"{price:.{self.decimals + 2}f}"
        whole, _, decimals = text.partition(".")
        decimals = decimals.rstrip("0").ljust(self.decimals, "0")
        return f"{whole}.{decimals}" if decimals else whole

    def money(self, ticks: int | Fraction, contracts: int = 1) -> Decimal:
        """Dollar value of a move of ``ticks`` over ``contracts`` contracts, exact."""
        if isinstance(ticks, Fraction):
            total = Decimal(ticks.numerator * contracts) / Decimal(ticks.denominator)
            return (total * self.tick_value).quantize(Decimal("0.01"))
        return self.tick_value * ticks * contracts

    def ticks_in(self, amount: Decimal) -> int | None:
        """How many ticks (over all contracts) a P&L of ``amount`` is: ``8.00`` on MNQ is
        16. ``None`` when it is not a whole number of ticks (a broker's figure after
        something other than price moved it)."""
        count = amount / self.tick_value
        return int(count) if count == count.to_integral_value() else None

    def front_month(self, today: date) -> tuple[str, int]:
        """(month code, year) of the contract most traders are in on ``today``.

        Equity indices roll eight days before the third-Friday expiry; gold moves to the
        next active month (Feb, Apr, Jun, Aug, Dec) around the 25th of the month before;
        energy expires around the 20th of the month before, so it rolls by the 15th.
        """
        year, month = today.year, today.month
        for offset in range(0, 14):
            m = (month - 1 + offset) % 12 + 1
            y = year + (month - 1 + offset) // 12
            code = MONTH_CODES[m - 1]
            if code not in self.months:
                continue
            if today < _roll_date(self.months, y, m):
                return code, y
        raise ValueError(f"no listed month for {self.symbol}")  # pragma: no cover

    def contract_name(self, today: date) -> str:
        """Display name of the front contract: ``MNQZ6``."""
        code, year = self.front_month(today)
        return f"{self.symbol}{code}{year % 10}"

    def contract_id(self, today: date) -> str:
        """ProjectX contract id of the front month: ``CON.F.US.MNQ.Z26``."""
        code, year = self.front_month(today)
        return f"CON.F.US.{self.gateway_code}.{code}{year % 100:02d}"


def _third_friday(year: int, month: int) -> date:
    first = date(year, month, 1)
    offset = (4 - first.weekday()) % 7
    return date(year, month, 1 + offset + 14)


def _roll_date(months: str, year: int, month: int) -> date:
    """The day traders leave the contract expiring in ``month``."""
    if months == QUARTERLY:
        expiry = _third_friday(year, month)
        return date.fromordinal(expiry.toordinal() - 8)
    prev_year, prev_month = (year, month - 1) if month > 1 else (year - 1, 12)
    if months == GOLD_MONTHS:
        return date(prev_year, prev_month, 25)
    return date(prev_year, prev_month, 15)


def _spec(
    symbol: str,
    name: str,
    tick_size: str,
    tick_value: str,
    micros: int,
    fee: str,
    code: str,
    months: str,
    exchange: str = "CME",
) -> Instrument:
    return Instrument(
        symbol=symbol,
        name=name,
        tick_size=Decimal(tick_size),
        tick_value=Decimal(tick_value),
        micros=micros,
        fee_per_side=Decimal(fee),
        gateway_code=code,
        months=months,
        exchange=exchange,
    )


ALL_MONTHS = MONTH_CODES

INSTRUMENTS: dict[str, Instrument] = {
    spec.symbol: spec
    for spec in (
        _spec("MNQ", "Micro E-mini Nasdaq-100", "0.25", "0.50", 1, "0.37", "MNQ", QUARTERLY),
        _spec("MES", "Micro E-mini S&P 500", "0.25", "1.25", 1, "0.37", "MES", QUARTERLY),
        _spec("M2K", "Micro E-mini Russell 2000", "0.10", "0.50", 1, "0.37", "M2K", QUARTERLY),
        _spec("MYM", "Micro E-mini Dow", "1", "0.50", 1, "0.37", "MYM", QUARTERLY, "CBOT"),
        _spec("MGC", "Micro Gold", "0.10", "1.00", 1, "0.62", "MGC", GOLD_MONTHS, "COMEX"),
        _spec("MCL", "Micro WTI Crude Oil", "0.01", "1.00", 1, "0.52", "MCLE", ALL_MONTHS, "NYMEX"),
        _spec("NQ", "E-mini Nasdaq-100", "0.25", "5.00", 10, "1.40", "ENQ", QUARTERLY),
        _spec("ES", "E-mini S&P 500", "0.25", "12.50", 10, "1.40", "EP", QUARTERLY),
        _spec("RTY", "E-mini Russell 2000", "0.10", "5.00", 10, "1.40", "RTY", QUARTERLY),
        _spec("YM", "E-mini Dow", "1", "5.00", 10, "1.40", "YM", QUARTERLY, "CBOT"),
        _spec("GC", "Gold", "0.10", "10.00", 10, "1.62", "GCE", GOLD_MONTHS, "COMEX"),
        _spec("CL", "WTI Crude Oil", "0.01", "10.00", 10, "1.52", "CLE", ALL_MONTHS, "NYMEX"),
    )
}

DEFAULT_WATCHLIST: tuple[str, ...] = ("MNQ", "MES", "M2K", "MYM", "MGC", "MCL")


def instrument(symbol: str) -> Instrument:
    """The instrument for a root symbol; raises ``KeyError`` naming the valid ones."""
    try:
        return INSTRUMENTS[symbol.upper()]
    except KeyError:
        valid = ", ".join(INSTRUMENTS)
        raise KeyError(f"unknown symbol {symbol!r}; valid symbols: {valid}") from None


def by_gateway_code(code: str) -> Instrument | None:
    """The instrument whose ProjectX root is ``code`` (``EP`` gives ES)."""
    for spec in INSTRUMENTS.values():
        if spec.gateway_code == code:
            return spec
    return None
