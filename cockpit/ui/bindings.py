"""Every key the cockpit answers, each with an id so ``[keys]`` in config can remap it.

Trading keys do nothing until armed (the engine denies them with the reason). Flatten
is a priority binding: it works in every screen, armed or not, locked or not.
"""

from __future__ import annotations

from textual.binding import Binding

SIZE_KEYS = [
    Binding(str(n), f"set_size({n})", f"size {n}", show=False, id=f"size-{n}") for n in range(1, 10)
]

ORDER_KEYS = [
    Binding("shift+up", "order_step(1)", "highlighted order up 1 tick × size", id="order-up"),
    Binding(
        "shift+down", "order_step(-1)", "highlighted order down 1 tick × size", id="order-down"
    ),
    Binding("M", "order_to_market", "highlighted order to the market", id="order-to-market"),
    Binding("r", "reverse_position", "reverse the position", id="reverse-position"),
    Binding("h", "close_half", "close half the position", id="close-half"),
    Binding("o", "close_one", "close one contract", id="close-one"),
    Binding("c", "close_position", "close the position", id="close-position"),
]
"""Keys that move working orders and close or reverse the selected instrument's position
(cockpit/ui/order_keys.py)."""

COCKPIT_BINDINGS: list[Binding] = [
    Binding("a", "toggle_arm", "arm / disarm", id="arm"),
    Binding("b", "buy_market", "buy market", id="buy-market"),
    Binding("s", "sell_market", "sell market", id="sell-market"),
    Binding("B", "join_bid", "join bid", id="join-bid"),
    Binding("S", "join_ask", "join ask", id="join-ask"),
    Binding("l", "limit_ticket", "limit / stop ticket", id="limit-ticket"),
    Binding("t", "bracket_template", "next bracket template", id="bracket-template"),
    *SIZE_KEYS,
    Binding("plus", "size_step(1)", "size +1", id="size-up"),
    Binding("minus", "size_step(-1)", "size -1", id="size-down"),
    Binding("up", "select(-1)", "previous instrument", id="select-prev"),
    Binding("down", "select(1)", "next instrument", id="select-next"),
    Binding("left_square_bracket", "timeframe(-1)", "shorter timeframe", id="timeframe-prev"),
    Binding("right_square_bracket", "timeframe(1)", "longer timeframe", id="timeframe-next"),
    Binding("x", "cancel_selected", "cancel highlighted order", id="cancel-order"),
    Binding("C", "cancel_all", "cancel all orders", id="cancel-all"),
    *ORDER_KEYS,
    Binding("F", "flatten_all", "flatten all", priority=True, id="flatten-all"),
    Binding("L", "lockout_panel", "lockout panel", id="lockout-panel"),
    Binding("R", "risk_panel", "risk panel", id="risk-panel"),
    Binding("tab", "focus_orders", "working orders", id="focus-orders"),
    Binding(
        "d", "ladder_toggle", "price ladder: show and aim / back to the chart", id="ladder-toggle"
    ),
    Binding("T", "tape_toggle", "time & sales / fills & events", id="tape-toggle"),
    Binding("p", "pause_blotters", "pause blotters", id="pause-blotters"),
    Binding("v", "review", "review the session", id="review"),
    Binding("question_mark", "show_keys", "keys", id="show-keys"),
    Binding("q", "request_quit", "quit", id="quit"),
]

#: The price ladder's keys, live while it has focus (``d``): they act at its cursor and
#: stand in for the main screen's ``b s B S x up down`` (see :data:`LADDER_SHADOWS`).
LADDER_BINDINGS: list[Binding] = [
    Binding("up", "cursor(1)", "ladder: cursor up a tick", show=False, id="ladder-up"),
    Binding("down", "cursor(-1)", "ladder: cursor down a tick", show=False, id="ladder-down"),
    Binding("pageup", "cursor(10)", "ladder: cursor up ten ticks", id="ladder-page-up"),
    Binding("pagedown", "cursor(-10)", "ladder: cursor down ten ticks", id="ladder-page-down"),
    Binding("home", "recentre", "ladder: centre on the last price", id="ladder-centre"),
    Binding(
        "b", "app.ladder_order('buy', 'limit')", "ladder: buy limit at the cursor", id="ladder-buy"
    ),
    Binding(
        "s",
        "app.ladder_order('sell', 'limit')",
        "ladder: sell limit at the cursor",
        id="ladder-sell",
    ),
    Binding(
        "B",
        "app.ladder_order('buy', 'stop')",
        "ladder: buy stop at the cursor",
        id="ladder-buy-stop",
    ),
    Binding(
        "S",
        "app.ladder_order('sell', 'stop')",
        "ladder: sell stop at the cursor",
        id="ladder-sell-stop",
    ),
    Binding(
        "x", "app.ladder_cancel", "ladder: cancel the orders on the cursor row", id="ladder-cancel"
    ),
    Binding(
        "m", "app.ladder_move", "ladder: move the highlighted order to the cursor", id="ladder-move"
    ),
    Binding(
        "escape",
        "leave",
        "ladder: give the keys back to the main screen",
        show=False,
        id="ladder-leave",
    ),
]
LADDER_SHADOWS = frozenset(
    {
        "buy-market",
        "sell-market",
        "join-bid",
        "join-ask",
        "cancel-order",
        "select-prev",
        "select-next",
    }
)
"""Main-screen keys the focused ladder answers itself, on purpose: with the ladder's focus
``b`` is a limit at the cursor, never a market order (the footer says which in words)."""
REPLAY_SHADOWS = frozenset({"ladder-toggle"})
"""Cockpit keys a replay key answers instead (``d``: next rule decision; the ladder is in
the command palette there)."""

#: What the footer advertises, by binding id, most important first: when the terminal
#: is narrow the footer drops keys from the end of this list, never flatten or keys.
FOOTER_KEYS = (
    ("flatten-all", "flatten"),
    ("show-keys", "keys"),
    ("buy-market", "buy"),
    ("sell-market", "sell"),
    ("cancel-all", "cancel all"),
    ("lockout-panel", "lockout"),
    ("limit-ticket", "limit"),
    ("join-bid", "bid"),
    ("join-ask", "ask"),
    ("cancel-order", "cancel"),
    ("risk-panel", "risk"),
)
FOOTER_ORDER = (
    "buy-market",
    "sell-market",
    "join-bid",
    "join-ask",
    "limit-ticket",
    "cancel-order",
    "cancel-all",
    "flatten-all",
    "lockout-panel",
    "risk-panel",
    "show-keys",
)
"""The order keys are shown in, left to right."""

ORDER_IDS = frozenset(
    {
        "buy-market",
        "sell-market",
        "join-bid",
        "join-ask",
        "limit-ticket",
        "cancel-order",
        "cancel-all",
        *(binding.id for binding in ORDER_KEYS if binding.id is not None),
    }
)
"""Keys that send orders: in a replay they reach no broker, so a replay key may take one
of their keys there (``o`` closes one contract live and jumps to the next lockout in a
replay). Flatten is not among them: no key ever shadows it."""

#: Extra keys of REPLAY mode (``cockpit replay``).
REPLAY_BINDINGS: list[Binding] = [
    Binding("space", "replay_toggle", "play / pause", id="replay-play"),
    Binding("full_stop", "replay_speed(1)", "faster", id="replay-faster"),
    Binding("comma", "replay_speed(-1)", "slower", id="replay-slower"),
    Binding("n", "replay_step", "step one event", id="replay-step"),
    Binding("m", "replay_bar", "step one bar", id="replay-bar"),
    Binding("g", "replay_go_to", "go to a time", id="replay-go-to"),
    Binding("j", "replay_jump('fill')", "next fill", id="replay-next-fill"),
    Binding("J", "replay_jump('fill', True)", "previous fill", id="replay-prev-fill"),
    Binding("d", "replay_jump('decision')", "next rule decision", id="replay-next-decision"),
    Binding(
        "D", "replay_jump('decision', True)", "previous rule decision", id="replay-prev-decision"
    ),
    Binding("o", "replay_jump('lockout')", "next lockout", id="replay-next-lockout"),
    Binding("O", "replay_jump('lockout', True)", "previous lockout", id="replay-prev-lockout"),
]
