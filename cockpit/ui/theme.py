"""Built-in themes. Every theme defines the cockpit's own variables, so no widget ever
hard-codes a colour: ``$bid $ask $pnl-up $pnl-down $stale $locked $live``.
"""

from __future__ import annotations

from textual.theme import Theme

COCKPIT_VARIABLES = (
    "bid",
    "ask",
    "pnl-up",
    "pnl-down",
    "stale",
    "locked",
    "live",
    "sim",
    "replay",
    "frame",
)

COCKPIT_DARK = Theme(
    name="cockpit-dark",
    primary="#4EA1D3",
    secondary="#7D8FA3",
    accent="#E0B84C",
    warning="#E0A030",
    error="#E5534B",
    success="#3FB950",
    foreground="#D6DEE6",
    background="#0E1116",
    surface="#151A21",
    panel="#1C232C",
    dark=True,
    variables={
        "bid": "#58A6FF",
        "ask": "#F0883E",
        "pnl-up": "#3FB950",
        "pnl-down": "#F85149",
        "stale": "#D29922",
        "locked": "#F85149",
        "live": "#DA3633",
        "sim": "#2F81F7",
        "replay": "#A371F7",
        "frame": "#33414F",
        "block-cursor-background": "#2A3440",
        "block-cursor-foreground": "#E6EDF3",
        "footer-background": "#151A21",
    },
)

BUILTIN_THEMES: dict[str, Theme] = {COCKPIT_DARK.name: COCKPIT_DARK}
