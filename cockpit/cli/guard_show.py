"""How ``cockpit guard status`` and ``tail`` read to a person: lines, not JSON.

``status`` renders the guard's ``/status`` data; ``tail`` turns audit lines into
``14:32:01.123 fill  MNQ BUY 1 @ 21000.25 ...``, following the file across rotations.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from cockpit.core.text import countdown, money

FOLLOW_POLL_S = 0.2
"""How often ``tail`` looks for new lines (a person is reading)."""


def render_status(data: dict[str, Any]) -> str:
    """The guard's status, one subject a line."""
    up = countdown(int(data.get("uptime_s", 0)) * 1_000_000_000)
    lines = [
        f"guard      {data['state']} · PID {data['pid']} · {data.get('address')} · up {up} · "
        f"{data['mode']} ({data['broker']})"
    ]
    if data.get("dry_run"):
        lines.append("           DRY RUN: rules decide and record, nothing is enforced")
    accounts = data.get("accounts") or []
    for account in accounts:
        lines.append(
            f"account    {account['name']} (id {account['id']}) · balance "
            f"{_money(account['balance'])} · day P&L {_money(data.get('day_pnl', '0'), sign=True)}"
        )
    if not accounts:
        lines.append("account    none yet (the broker has not reported one)")
    lines.append(f"armed      {'yes' if data.get('armed') else 'no'}")
    risk = data.get("risk") or {}
    reason = f" · {risk['reason']}" if risk.get("reason") else ""
    lines.append(f"risk       {risk.get('state', '?')}{reason}")
    lockout = data.get("lockout")
    if lockout:
        left = countdown(int(lockout["seconds_left"]) * 1_000_000_000)
        when = lockout.get("until_local") or lockout["until"]
        lines.append(f"lockout    until {when} ({left} left)")
    else:
        lines.append("lockout    none")
    positions = data.get("positions") or []
    lines.append("positions  " + (", ".join(_position(p) for p in positions) or "flat"))
    orders = data.get("working_orders") or []
    lines.append("working    " + (", ".join(_order(o) for o in orders) or "none"))
    clients = data.get("clients") or {}
    kinds = ", ".join(f"{k} {n}" for k, n in sorted((clients.get("by_kind") or {}).items()))
    lines.append(f"clients    {clients.get('total', 0)}" + (f" ({kinds})" if kinds else ""))
    last = data.get("last_event")
    lines.append(
        f"last event #{last['seq']} {last['kind']} at {last['ts']}" if last else "last event none"
    )
    return "\n".join(lines)


def _money(text: str, *, sign: bool = False) -> str:
    try:
        return money(Decimal(text), sign=sign)
    except (InvalidOperation, TypeError):
        return str(text)


def _position(p: dict[str, Any]) -> str:
    size = int(p["size"])
    return f"{p['symbol']} {size:+d} @ {p.get('average')} (open {_money(p['open_pnl'], sign=True)})"


def _order(o: dict[str, Any]) -> str:
    price = o.get("limit") or o.get("stop")
    at = f" @ {price}" if price else ""
    return f"#{o['id']} {o['symbol']} {o['side']} {o['type']} {o['size']}{at}"


_FIRST = ("ts", "seq", "account_id", "kind")


def readable(line: str) -> str:
    """One audit line as a person reads it: time, kind, account, then ``key=value``."""
    try:
        record = json.loads(line)
    except ValueError:
        return line.rstrip("\n")
    if not isinstance(record, dict):
        return line.rstrip("\n")
    ts = str(record.get("ts", ""))
    clock = ts[11:23] if len(ts) >= 23 else ts
    account = record.get("account_id")
    rest = " ".join(
        f"{key}={_word(value)}"
        for key, value in record.items()
        if key not in _FIRST and value is not None and value != ""
    )
    who = f" acct {account}" if account is not None else ""
    return f"{clock} {record.get('kind', '?'):<17}{who} {rest}".rstrip()


def _word(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return json.dumps(text) if " " in text else text


def follow_audit(path: Path, last: int, *, follow: bool, as_json: bool) -> Iterator[str]:
    """The last ``last`` lines, then (``follow``) each new one, across rotations."""

    def show(raw: bytes) -> str:
        line = raw.decode("utf-8", errors="replace")
        return line.rstrip("\n") if as_json else readable(line)

    file = _open(path)
    if file is not None:
        past = _whole_lines(file)
        for raw in past[len(past) - last :] if last else []:
            yield show(raw)
    while follow:
        if file is None or _rotated(path, file):
            if file is not None:
                yield from (show(raw) for raw in _whole_lines(file))
                file.close()
            file = _open(path)
            if file is None:
                time.sleep(FOLLOW_POLL_S)
                continue
        lines = _whole_lines(file)
        if not lines:
            time.sleep(FOLLOW_POLL_S)
        yield from (show(raw) for raw in lines)
    if file is not None:
        file.close()


def _open(path: Path) -> BinaryIO | None:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        return None


def _whole_lines(file: BinaryIO) -> list[bytes]:
    """The complete lines from here on; a half-written last one is left to read later."""
    start = file.tell()
    data = file.read()
    end = data.rfind(b"\n") + 1
    file.seek(start + end)
    return data[:end].splitlines(keepends=True)


def _rotated(path: Path, file: BinaryIO) -> bool:
    """True when the path now names another file (the handler rotated it)."""
    try:
        return os.stat(path).st_ino != os.fstat(file.fileno()).st_ino
    except FileNotFoundError:
        return False
