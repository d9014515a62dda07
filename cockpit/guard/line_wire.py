"""The flatten line's address and its one frame: what both ends of the line must agree on.

Kept apart from the guard's side (:mod:`cockpit.guard.line`, which serves it with aiohttp)
so the cockpit's key reader (:mod:`cockpit.guard.key_reader`) starts without loading the
server's libraries.
"""

from __future__ import annotations

import orjson

LINE_PATH = "/stream/line"
LINK_HEADER = "X-Cockpit-Link"
"""The header naming a cockpit's link on ``/stream``; the line's frames name it too."""


def line_frame(link_id: str, number: int) -> bytes:
    """The one frame the line carries: flatten number ``number`` of link ``link_id``."""
    return orjson.dumps(["flatten", link_id, number])


def read_line_frame(data: bytes | str) -> tuple[str, int]:
    """(link id, number) from a line frame; ``ValueError`` naming what is wrong."""
    try:
        message = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise ValueError("a line frame is JSON") from None
    if (
        not isinstance(message, list)
        or len(message) != 3
        or message[0] != "flatten"
        or not isinstance(message[1], str)
        or type(message[2]) is not int
    ):
        raise ValueError('a line frame is ["flatten", link, number]')
    return message[1], message[2]
