"""A denial in the trader's words: the core gives a code, the UI names the trader's key.

The core never knows the keymap (``[keys] arm = "ctrl+a"``), so it says *why* with a
:class:`~cockpit.core.validation.Why` and the screen adds which key helps.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.keys import format_key

from cockpit.core.validation import Why


def denial_words(reason: str, why: Why | None, key_for: Callable[[str], str]) -> str:
    """``reason``, with the key that lifts it when there is one (``press ctrl+a to arm``)."""
    if why is Why.DISARMED:
        return f"{reason}: press {key_for('arm')} to arm"
    return reason


def spelt_key(key: str) -> str:
    """A Textual key name as a sentence says it: ``ctrl+a``, ``F``, ``?`` (the footer's
    ``^a`` is for a glance, not for reading)."""
    modifiers, plus, base = key.rpartition("+")
    return f"{modifiers}{plus}{format_key(base)}"
