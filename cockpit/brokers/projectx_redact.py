"""Keep credentials out of every log line, error message and journal entry.

Three layers, because secrets leak through more than one door:

* :class:`Redactor` masks the literal user name, API key and every token the sign-in
  was issued, plus anything shaped like a JWT, an ``access_token=`` query or a bearer
  header (pysignalr logs its negotiate URL with the token in it).
* A log-record factory masks each record's message as it is created, so a handler
  added later (by the UI, by a test) still never sees a secret; a filter on the root
  handlers and on the SDK's loggers masks the structured ``extra`` fields too.
* The SDK installs its own stdout JSON handlers (they would paint over the terminal UI
  and print every ``extra``); :func:`install` removes them and lets SDK records flow to
  the cockpit's logging instead.

The adapter passes every error text through :meth:`Redactor.redact` before it becomes
an event, so journals and the screen are clean as well.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

MASK = "***"
MIN_SECRET = 4
"""Shorter strings are not masked literally (masking "ab" would shred every line)."""

SDK_LOGGERS = ("project_x_py", "pysignalr", "websockets", "httpx", "httpcore")

_PATTERNS = (
    re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"),
    re.compile(r"(?i)(access_token=)[^&\s'\"`]+"),
    re.compile(r"(?i)(bearer\s+)[\w.~+/=-]+"),
    re.compile(r"(?i)([\"']?(?:apikey|api_key|password|token)[\"']?\s*[:=]\s*[\"']?)[^\"'\s,}&]+"),
)
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class Redactor:
    """Masks known secrets and secret-shaped text. Thread-safe; secrets only accumulate."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._literal: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, *secrets: str | None) -> None:
        """Remember secrets to mask from now on (user name, API key, each new token)."""
        fresh = {s for s in secrets if s and len(s) >= MIN_SECRET} - self._secrets
        if not fresh:
            return
        with self._lock:
            self._secrets |= fresh
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._literal = re.compile("|".join(re.escape(s) for s in ordered))

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        literal = self._literal
        if literal is not None:
            text = literal.sub(MASK, text)
        for pattern in _PATTERNS:
            text = pattern.sub(_mask_group, text)
        return text

    def redact_any(self, value: Any) -> Any:
        """Strings are masked; containers become masked text; numbers pass through."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, (int, float, bool)) or value is None:
            return value
        return self.redact(repr(value))


def _mask_group(match: re.Match[str]) -> str:
    prefix = match.group(1) if match.groups() else ""
    return f"{prefix}{MASK}"


REDACTOR = Redactor()
"""The process-wide redactor: logging is process-wide, so are the secrets it must hide."""


def scrub(record: logging.LogRecord, redactor: Redactor = REDACTOR) -> None:
    """Mask a record in place: message, arguments, extras, exception and stack text."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string must not lose the line
        message = f"{record.msg!r} {record.args!r}"
    record.msg = redactor.redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redactor.redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redactor.redact(record.stack_info)
    for key, value in list(record.__dict__.items()):
        if key not in _STANDARD:
            record.__dict__[key] = redactor.redact_any(value)


class RedactingFilter(logging.Filter):
    """A filter that masks instead of dropping: attach it to handlers and loggers."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        scrub(record, self.redactor)
        return True


_FILTER = RedactingFilter()
_installed = False


def install() -> None:
    """Mask secrets in all logging from now on, and route the SDK's logs to ours.

    Idempotent; call again after importing more of the SDK or adding handlers.
    """
    global _installed
    if not _installed:
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            scrub(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in SDK_LOGGERS:
            tame(logging.getLogger(name))


def tame(logger: logging.Logger) -> None:
    """Drop the SDK's own stdout handlers; the record goes to the cockpit's handlers."""
    for handler in list(logger.handlers):
        if type(handler) is logging.StreamHandler:
            logger.removeHandler(handler)
    logger.propagate = True
    logger.setLevel(logging.NOTSET)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
