"""The status footer: arm state in words, what a key would trade (instrument, size,
timeframe), the keys that matter, and the last denial so a trader sees why nothing
happened. (The *ticket* is the order modal, ``l``; this is not it.)
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from cockpit.core.state import State
from cockpit.core.tradingstate import TradingState
from cockpit.risk.views import Banner


class StatusFooter(Widget):
    """The bottom row of the cockpit."""

    COMPONENT_CLASSES = {
        "footer--armed",
        "footer--shut",
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
        shut: str = "",
    ) -> None:
        """``aim``: the ladder has the order keys (words saying so and its cursor's price).
        ``shut``: ``LOCKED`` or ``REDUCE-ONLY`` when entries are denied, said beside
        ARMED so a locked trader is never told only that the keys trade."""
        style = self._style
        text = Text(no_wrap=True, overflow="ellipsis")
        if armed and shut:
            text.append(f" ● ARMED · {shut} ", style("footer--shut"))
        elif armed:
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


def entries_shut(state: State, now_ns: int, risk: Banner | None) -> str:
    """``LOCKED`` or ``REDUCE-ONLY`` while the cockpit denies entries, else empty.

    The risk engine's banner decides when there is one (a dry run denies nothing);
    without one, the state's record of lockouts and risk states.
    """
    if risk is not None:
        shut = risk.state in (TradingState.LOCKED, TradingState.REDUCE_ONLY)
        return risk.state.value if shut and not risk.dry_run else ""
    until = state.lockout_until
    if (until is not None and until > now_ns) or state.risk_state is TradingState.LOCKED:
        return TradingState.LOCKED.value
    if state.risk_state is TradingState.REDUCE_ONLY:
        return TradingState.REDUCE_ONLY.value
    return ""
