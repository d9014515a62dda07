"""The footer: arm state in words, the ticket (instrument, size, timeframe), the keys
that matter, and the last refusal so a trader sees why nothing happened.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget


class TicketBar(Widget):
    COMPONENT_CLASSES = {
        "ticket--armed",
        "ticket--disarmed",
        "ticket--key",
        "ticket--dim",
        "ticket--message",
        "ticket--paused",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()

    def render(self) -> Text:
        return self._text

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def update_view(
        self,
        *,
        armed: bool,
        symbol: str,
        size: int,
        timeframe: str,
        keys: list[tuple[int, str, str]],
        message: str = "",
        paused: bool = False,
    ) -> None:
        style = self._style
        text = Text(no_wrap=True, overflow="ellipsis")
        if armed:
            text.append(" ● ARMED ", style("ticket--armed"))
        else:
            text.append(" ○ DISARMED ", style("ticket--disarmed"))
        text.append(f" {symbol} · size {size} · {timeframe} ")
        if paused:
            text.append(" PAUSED ", style("ticket--paused"))
        if message:
            text.append(f" {message}", style("ticket--message"))
        else:
            text.append("│", style("ticket--dim"))
            for key, label in fit_keys(keys, self.size.width - text.cell_len):
                text.append(f" {key}", style("ticket--key"))
                text.append(f" {label} ")
        if text.plain != self._text.plain or text.spans != self._text.spans:
            self._text = text
            self.refresh()


def fit_keys(keys: list[tuple[int, str, str]], room: int) -> list[tuple[str, str]]:
    """The most important keys that fit in ``room`` cells, in screen order.

    ``keys`` comes most important first as (screen position, key, label).
    """
    chosen: list[tuple[int, str, str]] = []
    used = 0
    for rank, key, label in keys:
        width = len(key) + len(label) + 3
        if used + width > room:
            continue
        chosen.append((rank, key, label))
        used += width
    return [(key, label) for _, key, label in sorted(chosen)]
