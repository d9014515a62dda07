"""The status footer: arm state in words, what a key would trade (instrument, size,
timeframe), the keys that matter, and the last denial so a trader sees why nothing
happened. (The *ticket* is the order modal, ``l``; this is not it.)
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget


class StatusFooter(Widget):
    """The bottom row of the cockpit."""

    COMPONENT_CLASSES = {
        "footer--armed",
        "footer--disarmed",
        "footer--key",
        "footer--dim",
        "footer--message",
        "footer--paused",
        "footer--aim",
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
        armed: bool | None,
        symbol: str,
        size: int,
        timeframe: str,
        keys: list[tuple[int, str, str]],
        message: str = "",
        paused: bool = False,
        aim: str = "",
        bracket: str = "",
    ) -> None:
        """``aim``: the ladder has the order keys (words saying so and its cursor's price)."""
        style = self._style
        text = Text(no_wrap=True, overflow="ellipsis")
        if armed:
            text.append(" ● ARMED ", style("footer--armed"))
        elif armed is not None:  # None: nothing can be armed here (a replay)
            text.append(" ○ DISARMED ", style("footer--disarmed"))
        # A replay trades nothing: no ticket size to show.
        ticket = f"size {size} · " if armed is not None else ""
        text.append(f" {symbol} · {ticket}{timeframe} ")
        if aim:
            text.append(f" {aim} ", style("footer--aim"))
        if bracket:  # the template the next entry gets (none: bare)
            text.append(f"· {bracket} ")
        if paused:
            text.append(" PAUSED ", style("footer--paused"))
        if message:
            text.append(f" {message}", style("footer--message"))
        else:
            text.append("│", style("footer--dim"))
            for key, label in fit_keys(keys, self.size.width - text.cell_len):
                text.append(f" {key}", style("footer--key"))
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
