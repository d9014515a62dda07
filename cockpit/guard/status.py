"""What ``cockpit guard status`` shows: the guard's state as one JSON-ready dict.

``GET /status`` serves it; the CLI prints it as lines or, with ``--json``, as it is.
Prices are decimal strings at the instrument's tick, money is a decimal string, times
are UTC ISO 8601.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from cockpit import __version__
from cockpit.core.isotime import iso_from_ns
from cockpit.core.models import Order, Position
from cockpit.core.state import State
from cockpit.risk.timing import zone_label

if TYPE_CHECKING:
    from cockpit.guard.daemon import Guard


def guard_status(guard: Guard) -> dict[str, Any]:
    """The guard now: state, accounts, armed, positions, working orders, risk state,
    lockout, clients, uptime, last event."""
    session = guard.session
    state = guard.state
    now = session.clock.now_ns()
    started = guard.started_ns
    account = state.account
    last = guard.last_event
    lockout = state.lockout_until
    return {
        "state": "stopping" if guard.stopping else ("running" if session.started else "starting"),
        "pid": os.getpid(),
        "version": __version__,
        "address": guard.address,
        "broker": session.settings.broker.kind,
        "mode": state.mode.value,
        "dry_run": guard.dry_run,
        "accounts": (
            [
                {
                    "id": account.id,
                    "name": account.name,
                    "balance": str(account.balance),
                    "can_trade": account.can_trade,
                }
            ]
            if account is not None
            else []
        ),
        "armed": state.armed,
        "day_pnl": str(guard.day_pnl(now)),
        "positions": [_position(state, p) for p in state.open_positions()],
        "working_orders": [_order(state, o) for o in state.working_orders()],
        "risk": {"state": state.risk_state.value, "reason": state.risk_reason},
        "lockout": None if lockout is None else _lockout(guard, lockout, now),
        "clients": {"total": len(guard.clients), "by_kind": guard.clients.counts()},
        "started": iso_from_ns(started, 3) if started is not None else None,
        "uptime_s": (now - started) // 10**9 if started is not None else 0,
        "seq": guard.seq,
        "last_event": (
            None
            if last is None
            else {"seq": last.seq, "ts": iso_from_ns(last.recv_ns, 3), "kind": last.kind}
        ),
    }


def _lockout(guard: Guard, until: int, now: int) -> dict[str, Any]:
    """When the lockout ends: UTC for scripts, the trader's zone for people."""
    risk = guard.session.risk
    local = ""
    if risk is not None:
        moment = risk.calendar.local(until)
        local = f"{moment:%a %Y-%m-%d %H:%M} {zone_label(moment)}"
    return {
        "until": iso_from_ns(until, 0),
        "until_local": local,
        "seconds_left": max(0, -(-(until - now) // 10**9)),
        "reason": guard.state.risk_reason,
    }


def _price(state: State, symbol: str, ticks: int | None) -> str | None:
    spec = state.instruments.get(symbol)
    if ticks is None or spec is None:
        return None
    return spec.format(ticks)


def _position(state: State, position: Position) -> dict[str, Any]:
    spec = state.instruments.get(position.symbol)
    size = abs(position.size)
    average = spec.format_fraction(position.average) if spec is not None and size else None
    return {
        "account_id": position.account_id,
        "symbol": position.symbol,
        "size": position.size,
        "average": average,
        "open_pnl": str(state.open_pnl(position.symbol)),
    }


def _order(state: State, order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "account_id": order.account_id,
        "symbol": order.symbol,
        "side": order.side.name,
        "type": order.type.name,
        "size": order.size,
        "filled": order.filled,
        "limit": _price(state, order.symbol, order.limit),
        "stop": _price(state, order.symbol, order.stop),
    }
