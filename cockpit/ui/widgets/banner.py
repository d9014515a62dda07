"""The banner under the header: hidden when all is well, loud when it is not.

It shows the most serious condition only: a lockout with its countdown, then the risk
state, a failed flatten, a lost connection, an account not yet reconciled, a position
left without a stop, a warning. Every condition is spelled out in words, never colour
alone.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from cockpit.core.events import Link, LinkStatus
from cockpit.core.state import State
from cockpit.core.text import countdown
from cockpit.core.tradingstate import TradingState
from cockpit.risk.views import Banner
from cockpit.ui.format import clock


def banner_text(
    state: State, now_ns: int, risk: Banner | None = None, flatten_key: str = "F"
) -> tuple[str, str] | None:
    """(level, message) of the most serious condition, or ``None`` when all is well.

    ``risk`` is the risk engine's own banner (it knows the lockout store and dry run);
    without one, the state's record of lockouts and risk states is used. ``flatten_key``
    is the trader's flatten key (``[keys] flatten-all``), named when a flatten failed.
    """
    if risk is not None and risk.state is TradingState.LOCKED:
        return "locked", risk.text
    if risk is not None and risk.state is TradingState.REDUCE_ONLY:
        return "warning", risk.text
    until = state.lockout_until
    if until is not None and until > now_ns:
        left = countdown(until - now_ns)
        reason = f" · {state.risk_reason}" if state.risk_reason else ""
        return "locked", f"LOCKED {left} · until {clock(until)} CT · exits only{reason}"
    if state.risk_state is TradingState.LOCKED:
        return "locked", f"LOCKED · exits only · {state.risk_reason}"
    if state.flatten_problem:
        return (
            "locked",
            f"✕ FLATTEN NOT VERIFIED · press {flatten_key} again · {state.flatten_problem}",
        )
    if risk is None and state.risk_state is TradingState.REDUCE_ONLY:
        return "warning", f"REDUCE-ONLY · exits only · {state.risk_reason}"
    for link in (Link.ACCOUNT, Link.MARKET):
        status = state.links[link]
        if status in (LinkStatus.DISCONNECTED, LinkStatus.STALE):
            detail = state.link_detail[link]
            name = "ACCOUNT" if link is Link.ACCOUNT else "FEED"
            extra = f" · {detail}" if detail else ""
            return "problem", f"✕ {name} {status.value.upper()}{extra} · order keys wait"
    if state.links[Link.ACCOUNT] is LinkStatus.CONNECTED and not state.reconciled:
        return "problem", "◌ RECONCILING · order keys wait for the broker's orders and positions"
    if risk is not None and risk.unprotected:
        return "warning", "▲ " + " · ".join(risk.unprotected)
    if risk is not None and risk.state is TradingState.WARNING:
        return "warning", f"▲ {risk.text}"
    if risk is None and state.risk_state is TradingState.WARNING:
        return "warning", f"▲ WARNING · {state.risk_reason}"
    if risk is not None and risk.dry_run:
        return "dryrun", risk.text
    return None


class RiskBanner(Widget):
    """A one-line banner; its class (-locked, -warning, -problem) sets the colours."""

    def __init__(self, *, id: str | None = None, flatten_key: str = "F") -> None:
        super().__init__(id=id)
        self._message = ""
        self.flatten_key = flatten_key

    def render(self) -> Text:
        return Text(self._message, no_wrap=True, overflow="ellipsis")

    def update_view(self, state: State, now_ns: int, risk: Banner | None = None) -> None:
        found = banner_text(state, now_ns, risk, self.flatten_key)
        level, message = found if found else ("", "")
        self.set_class(bool(found), "-shown")
        for name in ("locked", "warning", "problem", "dryrun"):
            self.set_class(level == name, f"-{name}")
        if message != self._message:
            self._message = message
            self.refresh()
