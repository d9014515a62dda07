"""The journal file format: a magic number, then length-prefixed, checksummed frames.

::

    file    = MAGIC frame*
    frame   = head payload
    head    = kind u8, flags u8, reserved u16, length u32, count u32,
              first_ns i64, last_ns i64, crc u32          (32 bytes, little endian)

``crc`` is the CRC-32 of the head's first 28 bytes and the payload, so a frame torn by a
crash (short, zero-filled, half written) is recognised and everything before it is
still read. ``first_ns``/``last_ns`` are the times of the frame's first and last record:
scanning the heads alone (never the payloads) gives a time index of the whole file.

Frames:

* ``HEADER``: the file's identity, JSON (format version, account, mode, instruments,
  settings that matter for replay). Always the first frame.
* ``TYPES``: names for new record type codes (``module:Class``), JSON list, appended
  before the first records frame that uses them.
* ``RECORDS``: a batch of records as one JSON document ``[times, codes, values]``
  (columns), LZ4-compressed when the ``LZ4`` flag is set. ``times`` holds the engine
  clock's nanoseconds, bitwise-inverted (``~t``) for the engine's own conclusions;
  ``codes`` index the type table; ``values`` are the dataclass fields in order.
* ``CLOSE``: the writer's last frame when the session closed cleanly, JSON (when, how
  many records were written and how many were lost). A journal without one ended
  abruptly (``kill -9``, a power cut): the record stops at its last whole frame.
  Format version 2 added it; a version 1 journal never has one.
"""

from __future__ import annotations

import mmap
import struct
import zlib
from enum import IntEnum, IntFlag
from typing import NamedTuple

MAGIC = b"CKJRNL\x00\x01"
"""Eight bytes that open every cockpit journal (the last byte is the framing version)."""
FORMAT = "cockpit-journal"
VERSION = 2
"""2: a cleanly closed journal ends with a ``CLOSE`` frame (1 had none)."""
CLOSE_SINCE = 2
"""The first format version whose writer ends a clean close with a ``CLOSE`` frame."""
SUFFIX = ".ckj"

HEAD = struct.Struct("<BBHIIqqI")
HEAD_SIZE = HEAD.size
CRC_SPAN = HEAD_SIZE - 4
MAX_PAYLOAD = 1 << 30
"""A frame claiming more than this is damage, not data."""


class FrameKind(IntEnum):
    HEADER = 1
    TYPES = 2
    RECORDS = 3
    CLOSE = 4


class FrameFlag(IntFlag):
    NONE = 0
    LZ4 = 1
    FILLS = 2
    """The frame holds at least one fill (``journal list`` and "next fill" read only these)."""
    DECISIONS = 4
    """At least one rule decision: a denial, an enforcement or a risk state change."""
    LOCKOUTS = 8
    """A lockout started or ended."""
    TICKS = 16
    """A clock tick (a journal without any was recorded before ticks were kept)."""


class RecordKind(IntEnum):
    """What a record is: the engine's conclusion, a broker fact, a command or a clock tick."""

    OUT = 0
    IN = 1
    COMMAND = 2
    TICK = 3


class Head(NamedTuple):
    kind: int
    flags: int
    length: int
    records: int
    first_ns: int
    last_ns: int
    crc: int


def pack_frame(
    kind: FrameKind, flags: int, payload: bytes, count: int, first: int, last: int
) -> bytes:
    """One frame, ready to append."""
    head = HEAD.pack(kind, flags, 0, len(payload), count, first, last, 0)[:CRC_SPAN]
    crc = zlib.crc32(payload, zlib.crc32(head))
    return head + struct.pack("<I", crc) + payload


def unpack_head(buffer: bytes | memoryview | mmap.mmap, offset: int) -> Head:
    kind, flags, _reserved, length, count, first, last, crc = HEAD.unpack_from(buffer, offset)
    return Head(kind, flags, length, count, first, last, crc)


def frame_ok(buffer: bytes | memoryview | mmap.mmap, offset: int, head: Head) -> bool:
    """Whether the frame at ``offset`` is whole and its checksum matches."""
    start = offset + HEAD_SIZE
    crc = zlib.crc32(buffer[offset : offset + CRC_SPAN])
    crc = zlib.crc32(buffer[start : start + head.length], crc)
    return crc == head.crc
