"""The attached cockpit's terminal driver: its keys come from the key reader.

Textual's Linux driver reads the terminal in a thread of the cockpit. Attached to a guard,
this driver starts the key reader (:mod:`cockpit.guard.key_reader`) on the terminal
instead and reads its records: the same bytes, in the same order, into the same parser,
plus the number of each flatten the reader already sent down the line (the key that
follows it is marked as carried). Everything else (raw mode, the screen, resizes,
suspend) is Textual's.

If the reader cannot start, or dies, the driver reads the terminal itself, as Textual
does, and ``F`` flattens by the stream alone.
"""

from __future__ import annotations

import logging
import os
import selectors
from codecs import getincrementaldecoder
from typing import TYPE_CHECKING

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from cockpit.guard.key_reader import KEYS, NUMBER, SAY, Records

if TYPE_CHECKING:
    from cockpit.guard.line_client import KeyReader

log = logging.getLogger(__name__)
reader_log = logging.getLogger("cockpit.guard.key_reader")

POLL = 0.1
"""Seconds between looks at whether input should stop (Textual's own)."""


class LineDriver(LinuxDriver):
    """Textual's terminal driver, reading the terminal through the key reader."""

    key_reader: KeyReader | None = None

    @classmethod
    def reading(cls, key_reader: KeyReader) -> type[LineDriver]:
        """The driver class for an app whose keys ``key_reader`` reads (Textual builds the
        driver itself, from its class)."""
        return type(cls.__name__, (cls,), {"key_reader": key_reader})

    def run_input_thread(self) -> None:
        reader = self.key_reader
        if reader is None or not os.isatty(self.fileno):
            super().run_input_thread()
            return
        records = reader.start(self.fileno)
        if records is None:
            super().run_input_thread()
            return
        try:
            complete = self._read_records(records, reader)
        finally:
            reader.stop()
            os.close(records)
        if not complete:
            log.warning("the key reader ended: the cockpit reads its own keys now")
            super().run_input_thread()

    def _read_records(self, records: int, reader: KeyReader) -> bool:
        """Feed the reader's records to the parser until input stops (``True``) or the
        reader's pipe ends first (``False``)."""
        selector = selectors.SelectSelector()
        selector.register(records, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        unpack = Records()

        def take(chunk: bytes) -> None:
            for kind, payload in unpack.feed(chunk):
                if kind == NUMBER:
                    reader.carried(payload)  # type: ignore[arg-type]
                elif kind == KEYS:
                    for event in parser.feed(decode(payload)):  # type: ignore[arg-type]
                        self.process_message(event)
                    reader.settle()
                elif kind == SAY:
                    reader_log.info("%s", payload.decode(errors="replace"))  # type: ignore[union-attr]

        try:
            while not self.exit_event.is_set():
                for _ in selector.select(POLL):
                    chunk = os.read(records, 65536)
                    if not chunk:
                        return False
                    take(chunk)
                for event in parser.tick():
                    self.process_message(event)
            reader.stop()  # it passes on what it read, then its pipe ends
            while chunk := os.read(records, 65536):
                take(chunk)
            return True
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):  # as Textual's own driver ends
                pass
