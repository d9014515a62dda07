"""Text fields that claim only the characters they accept.

A plain Input claims every printable key, so inside a modal it would swallow the
screen's own keys and, worse, the app's ``F``: flatten must work whatever is open.
"""

from __future__ import annotations

from textual.widgets import Input


class NarrowInput(Input):
    """An Input that consumes only ``accepts`` characters and lets every other key through."""

    def __init__(self, value: str, *, accepts: str, id: str | None = None) -> None:
        super().__init__(value, id=id, restrict=f"[{accepts}]*", compact=True)
        self.accepts = accepts
        self.cursor_blink = False

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in self.accepts


def price_input(value: str, *, id: str) -> NarrowInput:
    return NarrowInput(value, accepts="0123456789.", id=id)


def time_input(value: str, *, id: str) -> NarrowInput:
    return NarrowInput(value, accepts="0123456789:", id=id)
