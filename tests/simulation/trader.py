"""A random trader (and the world's surprises) drawn from a seed.

The plan is fixed before the run starts, so a shortened plan can be re-run against the
same market and the same line. The mix leans on what breaks cockpits: entries of every
type, exits against the open position, cancels and modifies of whatever is working,
flatten pressed again and again while one runs, lockouts over lockouts, disarming,
re-reads of the broker and outages, with short waits and bare yields between them so
keys land in the middle of broker calls.
"""

from __future__ import annotations

import random

from tests.simulation.steps import (
    Arm,
    Cancel,
    CancelEvery,
    Close,
    CloseSome,
    Exit,
    Fault,
    Flatten,
    Lockout,
    Modify,
    Nudge,
    Outage,
    Place,
    Reconcile,
    Restart,
    Reverse,
    Step,
    ToMarket,
    Wait,
    Yield,
)
from tests.simulation.world import SYMBOLS

KINDS = ("market", "limit", "stop", "stop-limit", "join-bid", "join-ask")
KIND_WEIGHTS = (30, 25, 15, 10, 10, 10)


class Trader:
    """Draws steps; ``faults`` adds the gateway emulator's faults to the mix and
    ``order_keys`` the order keys' commands (moves by ticks, to the market, reverse, partial
    close). Each flag only appends to the mix, so a seed's plan without it never changes."""

    def __init__(self, seed: int, *, faults: bool = False, order_keys: bool = False) -> None:
        self.rng = random.Random(f"trader-{seed}")
        self.faults = faults
        self.moves = [
            (self.place, 26),
            (self.exit, 8),
            (self.cancel, 7),
            (self.cancel_all, 3),
            (self.modify, 6),
            (self.close, 4),
            (self.flatten, 6),
            (self.lockout, 1),
            (self.arm, 3),
            (self.wait, 22),
            (self.bare_yield, 6),
            (self.reconcile, 3),
            (self.outage, 0 if faults else 1),
            (self.restart, 1),
            (self.fault, 5 if faults else 0),
        ]
        if order_keys:
            self.moves += [
                (self.nudge, 6),
                (self.to_market, 3),
                (self.reverse, 3),
                (self.close_some, 4),
            ]

    def plan(self, count: int) -> list[Step]:
        makers = [make for make, _ in self.moves]
        weights = [weight for _, weight in self.moves]
        return [self.rng.choices(makers, weights)[0]() for _ in range(count)]

    def _symbol(self) -> str:
        return self.rng.choice(SYMBOLS)

    def place(self) -> Step:
        rng = self.rng
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        ticks = rng.randint(-2, 12) if kind != "market" else 0
        return Place(
            self._symbol(),
            rng.choice(("buy", "sell")),
            kind,
            rng.choice((1, 1, 1, 2, 2, 3, 4)),
            ticks,
            off_grid=kind in ("limit", "stop") and rng.random() < 0.05,
        )

    def exit(self) -> Step:
        rng = self.rng
        kind = rng.choice(("market", "market", "limit"))
        return Exit(self._symbol(), rng.randint(1, 3), kind, rng.randint(-1, 6))

    def cancel(self) -> Step:
        return Cancel(self.rng.randrange(8))

    def cancel_all(self) -> Step:
        return CancelEvery(self.rng.choice((None, None, *SYMBOLS)))

    def modify(self) -> Step:
        rng = self.rng
        size = rng.choice((None, 1, 2, 3, 4))
        ticks = rng.choice((None, rng.randint(-1, 10)))
        return Modify(rng.randrange(8), size, ticks if size is not None or ticks is not None else 3)

    def close(self) -> Step:
        return Close(self._symbol())

    def nudge(self) -> Step:
        """One tick up or down, or a size preset's multiple of it."""
        rng = self.rng
        return Nudge(rng.randrange(8), rng.choice((1, -1)) * rng.choice((1, 1, 1, 2, 3)))

    def to_market(self) -> Step:
        return ToMarket(self.rng.randrange(8))

    def reverse(self) -> Step:
        return Reverse(self._symbol())

    def close_some(self) -> Step:
        return CloseSome(self._symbol(), self.rng.choice(("half", "one", "one", "all")))

    def flatten(self) -> Step:
        rng = self.rng
        return Flatten(rng.choice((1, 1, 2, 3)), rng.choice((0, 0, 1, 3)))

    def lockout(self) -> Step:
        return Lockout(self.rng.choice((3.0, 10.0, 30.0, 60.0)))

    def arm(self) -> Step:
        return Arm(self.rng.random() < 0.75)

    def wait(self) -> Step:
        """Mostly short; against the emulator (wall time) shorter still."""
        rng = self.rng
        scale = 0.25 if self.faults else 1.0
        if rng.random() < 0.7:
            return Wait(round(rng.uniform(0.01, 1.0) * scale, 3))
        return Wait(round(rng.uniform(1.0, 8.0) * scale, 2))

    def bare_yield(self) -> Step:
        return Yield(self.rng.randint(1, 5))

    def reconcile(self) -> Step:
        return Reconcile()

    def restart(self) -> Step:
        return Restart()

    def outage(self) -> Step:
        return Outage(round(self.rng.uniform(0.2, 4.0), 2))

    def fault(self) -> Step:
        return Fault(self.rng.choice(FAULTS)(self.rng))


def _drop(rng: random.Random) -> dict[str, object]:
    return {"fault": "drop_hub", "hub": rng.choice(("user", "market", "both"))}


def _silent(rng: random.Random) -> dict[str, object]:
    return {"fault": "silent", "hub": rng.choice(("user", "market")), "seconds": 0.4}


def _http(rng: random.Random) -> dict[str, object]:
    """A mutation answered with any error status; a read (the reconcile's) with a 5xx."""
    if rng.random() < 0.75:
        endpoint = rng.choice(
            ("/Order/place", "/Order/cancel", "/Order/modify", "/Position/closeContract")
        )
        status = rng.choice((401, 429, 500, 502, 503, 504))
    else:
        endpoint = rng.choice(("/Order/searchOpen", "/Position/searchOpen", "/Account/search"))
        status = rng.choice((500, 502, 503))
    return {
        "fault": "http_error",
        "endpoint": endpoint,
        "status": status,
        "after": rng.random() < 0.5,
    }


def _delay(rng: random.Random) -> dict[str, object]:
    endpoint = rng.choice(("/Order/place", "/Order/cancel", "/Position/closeContract"))
    return {"fault": "delay", "endpoint": endpoint, "seconds": round(rng.uniform(0.1, 2.5), 2)}


def _reject(rng: random.Random) -> dict[str, object]:
    return {"fault": "reject", "count": rng.randint(1, 2)}


def _malformed(rng: random.Random) -> dict[str, object]:
    """Bad data in a valid message; rarely a frame that is not JSON (it ends the hub)."""
    kind = "frame" if rng.random() < 0.15 else "payload"
    hub = rng.choice(("user", "market"))
    return {"fault": "malformed", "hub": hub, "kind": kind, "count": rng.randint(1, 3)}


def _duplicate(rng: random.Random) -> dict[str, object]:
    return {"fault": "duplicate", "hub": "user", "count": rng.randint(2, 8)}


def _reorder(rng: random.Random) -> dict[str, object]:
    return {"fault": "reorder", "hub": "user", "count": rng.randint(2, 4)}


def _logout(rng: random.Random) -> dict[str, object]:
    return {"fault": "logout"}


def _expire(rng: random.Random) -> dict[str, object]:
    return {"fault": "expire_token", "drop": rng.random() < 0.5}


FAULTS = (
    _drop,
    _silent,
    _http,
    _delay,
    _reject,
    _malformed,
    _duplicate,
    _reorder,
    _logout,
    _expire,
)
"""Every fault the emulator can inject, sized to recover within a step or two. No 429 on
a read: the SDK would sleep a minute (tests/gateway covers it)."""
