"""The header line: mode, account, balance, day P&L, feed health and the exchange clock.

The P&L is the frame's :class:`PnlView` (the positions blotter shows the same one), and
the daily loss room names the limit it is part of and the P&L it is measured on, so
"day" and "room" add up or say why not. Beside it, ``MLL`` is equity's distance above
the firm's maximum loss floor (longs at the bid, shorts at the ask).

Mode is a badge whose colour *and* word differ (SIM, LIVE, REPLAY), so LIVE never
looks like the demo.
"""

from __future__ import annotations

from decimal import Decimal

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from cockpit.core.clock import NS_PER_MS, NS_PER_SECOND
from cockpit.core.events import Link, LinkStatus
from cockpit.core.models import Mode
from cockpit.core.state import State
from cockpit.ui.format import clock, money
from cockpit.ui.pnl import PnlView


class HeaderBar(Widget):
    """One line of account and connection facts, redrawn only when its text changes."""

    COMPONENT_CLASSES = {
        "header--sim",
        "header--live",
        "header--replay",
        "header--up",
        "header--down",
        "header--ok",
        "header--bad",
        "header--warn",
        "header--dim",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self._plain = ""

    def render(self) -> Text:
        return self._text

    def update_view(
        self,
        state: State,
        now_ns: int,
        *,
        feed_latency_ns: int | None = None,
        pnl: PnlView | None = None,
        mode_detail: str = "",
    ) -> None:
        width = self.size.width
        pnl = pnl if pnl is not None else PnlView(state.net_realized, {}, False)
        text = self.compose_text(state, now_ns, feed_latency_ns, pnl, mode_detail)
        if text.cell_len > width:
            text = self.compose_text(state, now_ns, feed_latency_ns, pnl, mode_detail, detail=False)
        if text.cell_len > width:
            text = self.compose_text(
                state, now_ns, feed_latency_ns, pnl, mode_detail, detail=False, tight=True
            )
        if text.plain != self._plain:
            self._text = text
            self._plain = text.plain
            self.refresh()

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"header--{name}", partial=True)

    def compose_text(
        self,
        state: State,
        now_ns: int,
        feed_latency_ns: int | None,
        pnl: PnlView,
        mode_detail: str,
        *,
        detail: bool = True,
        tight: bool = False,
    ) -> Text:
        """The header line; ``detail=False`` drops the P&L breakdown and labels to fit,
        ``tight`` also the words of a feed that is well (its ● stays; trouble keeps its
        words), so the clock and its zone are never cut."""
        wide = detail and self.size.width >= 110
        text = Text(no_wrap=True, overflow="ellipsis")
        badge = {Mode.SIM: "sim", Mode.LIVE: "live", Mode.REPLAY: "replay"}[state.mode]
        label = f" {state.mode.value}{(' ' + mode_detail) if mode_detail else ''} "
        text.append(label, self._style(badge))
        sep = (" · ", self._style("dim"))
        account = state.account
        text.append(" ")
        text.append(account.name if account else "no account")
        if account is not None:
            text.append(*sep)
            text.append("bal " if wide else "")
            text.append(money(account.balance))
        stale = pnl.stale and bool(pnl.open)
        text.append(*sep)
        text.append("day ")
        text.append(PnlView.marked(pnl.day, stale), self._pnl(pnl.day, stale))
        if wide:
            text.append(" (real ", self._style("dim"))
            text.append(money(pnl.realized, sign=True), self._pnl(pnl.realized))
            text.append(" / open ", self._style("dim"))
            total = pnl.open_total
            text.append(PnlView.marked(total, stale), self._pnl(total, stale))
            text.append(" stale)" if stale else ")", self._style("dim"))
        room = pnl.room
        if room is not None:
            text.append(*sep)
            text.append("DLL room " if wide else "room ")
            text.append(money(room.room), self._style("bad" if room.room <= 0 else "ok"))
            text.append(f" {room.bound()}", self._style("dim"))
        floor = pnl.floor
        if floor is not None:
            text.append(*sep)
            text.append("MLL ")
            text.append(money(floor.distance), self._style(floor.tone))
        text.append(*sep)
        text.append_text(self._feed(state, now_ns, feed_latency_ns, tight))
        text.append(*sep)
        text.append(f"{clock(now_ns)} CT")
        return text

    def _pnl(self, value: Decimal, stale: bool = False) -> Style | str:
        if stale:
            return self._style("dim")
        if value > 0:
            return self._style("up")
        if value < 0:
            return self._style("down")
        return ""

    def _feed(self, state: State, now_ns: int, latency_ns: int | None, tight: bool) -> Text:
        status = state.links[Link.MARKET]
        if status is LinkStatus.CONNECTED and tight:
            return Text("●", self._style("ok"))
        if status is LinkStatus.CONNECTED:
            if latency_ns is not None and state.mode is Mode.LIVE:
                detail = f"{max(0, latency_ns) // NS_PER_MS}ms"
            else:
                detail = {Mode.SIM: "synthetic", Mode.REPLAY: "recorded"}.get(state.mode, "ok")
            return Text.assemble("feed ", ("● " + detail, self._style("ok")))
        age = (now_ns - state.market_ns) // NS_PER_SECOND if state.market_ns else None
        word = status.value.upper()
        glyph = "◌" if status in (LinkStatus.STALE, LinkStatus.CONNECTING) else "✕"
        suffix = f" {age}s" if age is not None and status is LinkStatus.STALE else ""
        return Text.assemble("feed ", (f"{glyph} {word}{suffix}", self._style("bad")))
