"""Time & sales: the selected instrument's prints, newest on top.

Each print reads time, price, size and who crossed the spread, in a word and a glyph as
well as a colour (``▲ BUY`` lifted the offer, ``▼ SELL`` hit the bid). A print of at
least ``[ui] tape_big_size`` contracts stands out: bold, and marked ``★`` at the start of
its row. The drain hands it the state at the blotters' pace; it repaints only when the
instrument printed since it last looked, and then only the cells whose text changed (it
is shown through column slices, :mod:`cockpit.ui.widgets.columns`): as the tape scrolls,
a time that stays the same second is not sent again.
"""

from __future__ import annotations

from cockpit.core.events import Printed
from cockpit.core.models import Side
from cockpit.core.state import State
from cockpit.ui.format import clock
from cockpit.ui.widgets.columns import Sliced

BIG_MARK = "★"
COLUMN_STARTS = (0, 11)
"""Where the slices start: the star and time, then the price (see :meth:`print_runs`)."""
AGGRESSOR = {Side.BUY: ("▲ BUY", "tape--buy"), Side.SELL: ("▼ SELL", "tape--sell")}


class TimeAndSales(Sliced):
    """The tape of one instrument, newest print first."""

    COMPONENT_CLASSES = {
        "tape--header",
        "tape--time",
        "tape--price",
        "tape--buy",
        "tape--sell",
        "tape--big",
        "tape--dim",
    }
    SLICES = 2
    """The star and time (the same second, row after row), then price, size and side."""

    def __init__(self, state: State, symbol: str, *, big: int, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = state
        self.symbol = symbol
        self.big = big
        """Prints of this size or more stand out."""
        self._prints: list[Printed] = []
        self._newest: Printed | None = None

    @property
    def _header_rows(self) -> int:
        """A column header when there is room for it and a few prints."""
        return 1 if self.size.height > 3 else 0

    def show(self, symbol: str) -> None:
        """Another instrument's tape."""
        if symbol != self.symbol:
            self.symbol = symbol
            self._newest = None
        self.refresh_from()

    def refresh_from(self) -> None:
        """Take the newest prints from the state, if the instrument printed since."""
        book = self.state.books.get(self.symbol)
        tape = book.tape if book is not None else ()
        newest = tape[-1] if tape else None
        if newest is self._newest and self._prints:
            return
        self._newest = newest
        rows = max(0, self.size.height - self._header_rows)
        count = min(rows, len(tape))
        prints = [tape[-1 - i] for i in range(count)]
        first = self._header_rows
        before = self._prints
        changed = [
            y + first
            for y in range(max(len(prints), len(before)))
            if y >= len(prints) or y >= len(before) or before[y] is not prints[y]
        ]
        self._prints = prints
        if changed:
            self.repaint_changed(changed)
        title = f"time & sales · {self.symbol}"
        if self.border_title != title:  # a border change repaints the whole panel
            self.border_title = title

    def reset(self) -> None:
        """Forget what is shown (a replay rebuilt the state)."""
        self._prints = []
        self._newest = None
        self.invalidate_rows()

    def on_resize(self) -> None:
        super().on_resize()
        self.set_columns([min(start, self.size.width) for start in COLUMN_STARTS])
        self._prints = []
        self._newest = None
        self.refresh_from()

    def render_row(self, y: int, width: int) -> list[tuple[str, str]]:
        first = self._header_rows
        if y < first:
            return [(f"  {'TIME':<8} {'PRICE':>10} {'SIZE':>5}  SIDE", "tape--header")]
        index = y - first
        if index >= len(self._prints):
            return []
        return self.print_runs(self._prints[index])

    def print_runs(self, event: Printed) -> list[tuple[str, str]]:
        """One print: ``★ 10:42:07   25480.25    12  ▲ BUY`` (the star only when big)."""
        spec = self.state.instruments[event.symbol]
        big = event.size >= self.big
        aggressor = event.aggressor
        word, style = AGGRESSOR[aggressor] if aggressor is not None else ("· ?", "tape--dim")
        size_style = "tape--big" if big else "tape--price"
        return [
            (f"{BIG_MARK if big else ' '} ", size_style),
            (f"{clock(event.ts):<8} ", "tape--time"),
            (f"{spec.format(event.price):>10} ", "tape--price"),
            (f"{event.size:>5}  ", size_style),
            (word, style),
        ]
